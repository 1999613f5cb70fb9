import { z } from 'zod';
import { ConfigError, env, loadConfig } from './config';

const schema = z.object({
  PORT: env.port(3000),
  KAFKA_BROKERS: env.brokers().describe('comma-separated host:port list, e.g. 127.0.0.1:19092'),
  DATABASE_URL: env.url().describe('a postgres:// URL'),
});

describe('loadConfig', () => {
  it('parses and applies defaults', () => {
    const cfg = loadConfig('test', schema, {
      KAFKA_BROKERS: 'a:1, b:2',
      DATABASE_URL: 'postgres://u@h:5432/d',
    });
    expect(cfg).toEqual({
      PORT: 3000,
      KAFKA_BROKERS: ['a:1', 'b:2'],
      DATABASE_URL: 'postgres://u@h:5432/d',
    });
  });

  it('names every bad or missing variable with its hint', () => {
    let error: unknown;
    try {
      loadConfig('gateway', schema, { PORT: '99999', KAFKA_BROKERS: 'nohost' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.variable).sort()).toEqual([
      'DATABASE_URL',
      'KAFKA_BROKERS',
      'PORT',
    ]);
    expect((error as Error).message).toContain('Invalid configuration for gateway');
    expect((error as Error).message).toMatch(
      /DATABASE_URL: is not set\. Expected: a postgres:\/\/ URL/,
    );
    expect((error as Error).message).toMatch(/KAFKA_BROKERS: each broker must be host:port/);
  });
});
