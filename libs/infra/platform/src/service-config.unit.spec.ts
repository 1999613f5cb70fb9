import { ConfigError } from '@atelier/config';
import { serviceConfig } from './service-config';

const worker = serviceConfig({
  app: 'worker',
  prefix: 'WORKER',
  port: { default: 3900, describe: 'HTTP port of the worker' },
});
const valid = {
  KAFKA_BROKERS: '127.0.0.1:19092',
  RPC_URL: 'http://127.0.0.1:18545',
  ATELIER_DEPLOYMENTS: '/tmp/31337.json',
  WORKER_DATABASE_URL: 'postgres://u@h:5432/worker',
};

describe('serviceConfig', () => {
  it('adds <PREFIX>_PORT (with its default) and <PREFIX>_DATABASE_URL to the shared variables', () => {
    const config = worker.load(valid);
    const port: number = config.WORKER_PORT; // typed by the prefix
    expect(port).toBe(3900);
    expect(config).toMatchObject({
      WORKER_DATABASE_URL: valid.WORKER_DATABASE_URL,
      CHAIN_ID: 31337,
    });
    expect(worker.load({ ...valid, WORKER_PORT: '3901' }).WORKER_PORT).toBe(3901);
  });

  it('names the app and each bad variable with its hint', () => {
    expect(() => worker.load({ ...valid, WORKER_PORT: '70000', WORKER_DATABASE_URL: '' })).toThrow(
      ConfigError,
    );
    expect(() => worker.load({ ...valid, WORKER_DATABASE_URL: '' })).toThrow(
      /Invalid configuration for worker:\n.*WORKER_DATABASE_URL: is not set\. Expected: postgres:\/\/ URL of the worker database/,
    );
    expect(() => worker.load({ ...valid, WORKER_PORT: 'x' })).toThrow(
      /WORKER_PORT: .*Expected: HTTP port of the worker/,
    );
  });

  it('takes the app’s further variables', () => {
    const withExtra = serviceConfig({
      app: 'worker',
      prefix: 'WORKER',
      port: { default: 3900, describe: 'port' },
      extra: { WORKER_BATCH: worker.schema.shape.CHAIN_ID },
    });
    expect(withExtra.load({ ...valid, WORKER_BATCH: '7' }).WORKER_BATCH).toBe(7);
  });
});
