import type { DependencyCheck } from './dependency-check';
import { runChecks } from './run-checks';

const up = (name: string): DependencyCheck => ({ name, check: async () => ({ version: 1 }) });
const down = (name: string): DependencyCheck => ({
  name,
  check: async () => {
    throw new Error(`${name} refused`);
  },
});
const hang = (name: string): DependencyCheck => ({
  name,
  check: () => new Promise(() => undefined),
});

describe('runChecks', () => {
  it('is ok when every dependency answers, with their details', async () => {
    const report = await runChecks([up('a'), up('b')]);
    expect(report.status).toBe('ok');
    expect(report.details['a']).toMatchObject({ status: 'up', version: 1 });
  });

  it('names the failing dependency and keeps the others', async () => {
    const report = await runChecks([up('postgres'), down('kafka')]);
    expect(report.status).toBe('error');
    expect(report.details['kafka']).toMatchObject({ status: 'down', message: 'kafka refused' });
    expect(report.details['postgres']?.status).toBe('up');
  });

  it('reports a hung dependency as down after the timeout', async () => {
    const started = Date.now();
    const report = await runChecks([hang('rpc')], 100);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(report.details['rpc']).toMatchObject({
      status: 'down',
      message: 'timed out after 100ms',
    });
  });
});
