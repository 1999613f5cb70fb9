// The three apps start through the same script as `npm run up`, answer /health with every
// dependency up, name Kafka as the failing dependency while the broker is stopped, and
// recover when it is back. A bad configuration stops an app with a message naming the
// variable (exit 78), before it binds a port.
import { spawnSync } from 'node:child_process';
import { getJson, repoRoot, stack, stackEnv, waitFor } from '@atelier/testing';

const env = stackEnv();
const apps = {
  gateway: `http://127.0.0.1:${env.GATEWAY_PORT}`,
  settlement: `http://127.0.0.1:${env.SETTLEMENT_PORT}`,
  indexer: `http://127.0.0.1:${env.INDEXER_PORT}`,
} as const;
type Details = Record<string, { status: string; message?: string }>;
const readiness = async (base: string) => {
  const { status, body } = await getJson(`${base}/health/ready`);
  return { status, details: ((body as { details?: Details }).details ?? {}) as Details };
};

describe('apps health against the real stack', () => {
  beforeAll(() => {
    stack('start', 'indexer', 'gateway', 'settlement');
  }, 240_000);

  afterAll(() => {
    stack('start', 'kafka'); // leave the broker up for the specs after this one
    stack('stop', 'indexer', 'gateway', 'settlement');
  }, 120_000);

  it.each(Object.entries(apps))('%s is ready with postgres, kafka and rpc up', async (_, base) => {
    const live = await getJson(`${base}/health/live`);
    expect(live.status).toBe(200);
    const { status, details } = await readiness(base);
    expect(status).toBe(200);
    for (const dep of ['postgres', 'kafka', 'rpc']) expect(details[dep]?.status).toBe('up');
    const metrics = await fetch(`${base}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/^# (HELP|TYPE) /m);
  });

  it('every app reports kafka as the failing dependency while the broker is down, then recovers', async () => {
    stack('stop', 'kafka');
    try {
      for (const [name, base] of Object.entries(apps)) {
        const { status, details } = await readiness(base);
        expect({ name, status }).toEqual({ name, status: 503 });
        expect(details['kafka']?.status).toBe('down');
        expect(details['postgres']?.status).toBe('up');
        expect(details['rpc']?.status).toBe('up');
      }
      const metrics = await fetch(`${apps.gateway}/metrics`).then((r) => r.text());
      expect(metrics).toMatch(/atelier_dependency_up\{dependency="kafka",app="gateway"\} 0/);
    } finally {
      stack('start', 'kafka');
    }
    for (const base of Object.values(apps)) {
      await waitFor(
        `${base} ready again`,
        async () => ((await readiness(base)).status === 200 ? true : undefined),
        {
          timeoutMs: 30_000,
        },
      );
    }
  }, 120_000);

  it('a bad configuration names the variable and exits 78 without starting', () => {
    const run = spawnSync('node', ['-r', '@swc-node/register', 'apps/gateway/src/main.ts'], {
      cwd: repoRoot,
      env: {
        ...process.env,
        KAFKA_BROKERS: 'not-a-broker',
        GATEWAY_PORT: '70000',
        GATEWAY_DATABASE_URL: '',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(78);
    expect(run.stderr).toContain('Invalid configuration for gateway');
    expect(run.stderr).toMatch(/KAFKA_BROKERS: each broker must be host:port/);
    expect(run.stderr).toMatch(/GATEWAY_PORT: /);
    expect(run.stderr).toMatch(/GATEWAY_DATABASE_URL: is not set\. Expected: postgres:\/\//);
  });
});
