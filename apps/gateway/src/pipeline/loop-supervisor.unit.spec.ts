// The loop supervisor with scripted loops: a start that fails is cleaned up and tried again after
// a growing backoff, a running loop that fails is started again, and stop() ends everything.
import pino from 'pino';
import { LoopSupervisor, type SupervisedLoop } from './loop-supervisor';

const logger = pino({ level: 'silent' });
const until = async (check: () => boolean, ms = 2_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

/** A consumer whose first `failures` starts fail. */
function consumer(failures: number) {
  const log: string[] = [];
  const loop: SupervisedLoop = {
    kind: 'starts',
    start: async () => {
      log.push('start');
      if (log.filter((l) => l === 'start').length <= failures) throw new Error('broker not ready');
    },
    stop: async () => void log.push('stop'),
  };
  return { loop, log };
}

describe('LoopSupervisor', () => {
  it('stops a consumer whose start failed and starts it again, with a growing backoff', async () => {
    const s = new LoopSupervisor<'projector'>(logger, { initialDelayMs: 20, maxDelayMs: 200 });
    const { loop, log } = consumer(2);
    s.add('projector', loop);
    const t0 = Date.now();
    s.start();
    await until(() => s.states.projector === 'running');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(20 + 40 - 5); // 20 ms, then 40 ms
    expect(log).toEqual(['start', 'stop', 'start', 'stop', 'start']);
    expect(s.restarts.projector).toBe(2);
    expect(s.errors.projector).toBeUndefined(); // cleared once it runs
    expect(s.healthy()).toBe(true);
    await s.stop();
    expect(s.states.projector).toBe('stopped');
  });

  it('reports a loop waiting to restart as unhealthy, with its error', async () => {
    const s = new LoopSupervisor<'tracker'>(logger, { initialDelayMs: 10_000 });
    s.add('tracker', consumer(1).loop);
    s.start();
    await until(() => s.states.tracker === 'restarting');
    expect(s.healthy()).toBe(false);
    expect(s.errors.tracker).toBe('broker not ready');
    await s.stop(); // the pending restart is cancelled
    await new Promise((r) => setTimeout(r, 20));
    expect(s.states.tracker).toBe('stopped');
  });

  it('runs a loop that failed while running again, without stopping it (its stop is final)', async () => {
    const s = new LoopSupervisor<'relay'>(logger, { initialDelayMs: 10 });
    let runs = 0;
    let stops = 0;
    let release: () => void = () => undefined;
    s.add('relay', {
      kind: 'runs',
      start: () => {
        runs++;
        return runs === 1
          ? Promise.reject(new Error('publish to market.market failed'))
          : new Promise<void>((resolve) => (release = resolve));
      },
      stop: async () => {
        stops++;
        release();
      },
    });
    s.start();
    await until(() => runs === 2);
    expect(s.states.relay).toBe('running');
    expect(stops).toBe(0);
    await s.stop();
    expect(stops).toBe(1);
    expect(s.states.relay).toBe('stopped');
  });

  it('stops consumers before the loops that feed them', async () => {
    const order: string[] = [];
    const s = new LoopSupervisor<'relay' | 'projector'>(logger);
    s.add('relay', {
      kind: 'runs',
      start: () => new Promise(() => undefined),
      stop: async () => void order.push('relay'),
    });
    s.add('projector', {
      kind: 'starts',
      start: async () => undefined,
      stop: async () => {
        await new Promise((r) => setTimeout(r, 10));
        order.push('projector');
      },
    });
    s.start();
    await s.stop();
    expect(order).toEqual(['projector', 'relay']);
  });

  it('restarts a running consumer that reports it stopped consuming (kafkajs gave up on it)', async () => {
    const s = new LoopSupervisor<'projector'>(logger, { initialDelayMs: 10 });
    const { loop, log } = consumer(0);
    let report: (error: Error) => void = () => undefined;
    s.add('projector', { ...loop, onFailure: (listener) => (report = listener) });
    s.start();
    await until(() => s.states.projector === 'running');
    report(new Error('consumer crashed and kafkajs does not restart it'));
    expect(s.states.projector).toBe('restarting');
    expect(s.healthy()).toBe(false);
    await until(() => s.states.projector === 'running' && log.length === 3);
    expect(log).toEqual(['start', 'stop', 'start']);
    expect(s.restarts.projector).toBe(1);
    await s.stop();
  });
});
