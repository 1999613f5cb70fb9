import { z } from 'zod';
import { ConfigError, loadConfig } from './config';
import { databaseUrl, serviceEnv } from './service-env';

const schema = z.object({ ...serviceEnv, WORKER_DATABASE_URL: databaseUrl('worker') });

const problems = (e: NodeJS.ProcessEnv): string[] => {
  try {
    loadConfig('worker', schema, e);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => p.variable);
    throw error;
  }
  return [];
};

describe('serviceEnv', () => {
  const valid = {
    KAFKA_BROKERS: '127.0.0.1:19092',
    RPC_URL: 'http://127.0.0.1:18545',
    ATELIER_DEPLOYMENTS: '/tmp/31337.json',
    WORKER_DATABASE_URL: 'postgres://u@h:5432/worker',
  };

  it('parses the shared variables and applies their defaults', () => {
    expect(loadConfig('worker', schema, valid)).toEqual({
      ...valid,
      KAFKA_BROKERS: ['127.0.0.1:19092'],
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      CHAIN_ID: 31337,
    });
  });

  it('names each bad shared variable, with the hint every service gives for it', () => {
    expect(problems({ ...valid, KAFKA_BROKERS: 'nohost', CHAIN_ID: '-1' }).sort()).toEqual([
      'CHAIN_ID',
      'KAFKA_BROKERS',
    ]);
    expect(() => loadConfig('worker', schema, { ...valid, WORKER_DATABASE_URL: '' })).toThrow(
      /WORKER_DATABASE_URL: is not set\. Expected: postgres:\/\/ URL of the worker database/,
    );
  });
});
