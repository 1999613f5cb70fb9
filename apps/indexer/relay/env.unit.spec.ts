import { ConfigError } from '@atelier/config';
import { loadRelayEnv } from './env';

const base = {
  INDEXER_DATABASE_URL: 'postgres://atelier:atelier@127.0.0.1:5432/atelier_indexer',
  INDEXER_SCHEMA: 'chain_0123456789ab',
  KAFKA_BROKERS: '127.0.0.1:19092',
  RPC_URL: 'http://127.0.0.1:18545',
  ATELIER_DEPLOYMENTS: '/tmp/31337.json',
};

const problems = (e: NodeJS.ProcessEnv) => {
  try {
    loadRelayEnv(e);
  } catch (error) {
    if (error instanceof ConfigError)
      return error.problems.map((p) => `${p.variable}: ${p.problem}`);
    throw error;
  }
  return [];
};

describe('relay configuration', () => {
  it('defaults to publishing at once and retracting dropped facts', () => {
    expect(loadRelayEnv(base)).toMatchObject({
      RELAY_REORG_MODE: 'retract',
      RELAY_CONFIRMATIONS: 0,
      RELAY_SCHEMA: 'relay',
      RELAY_TOPIC_PREFIX: 'chain',
      KAFKA_BROKERS: ['127.0.0.1:19092'],
    });
  });

  it('accepts a confirmation depth in confirmations mode', () => {
    expect(
      loadRelayEnv({ ...base, RELAY_REORG_MODE: 'confirmations', RELAY_CONFIRMATIONS: '12' }),
    ).toMatchObject({
      RELAY_REORG_MODE: 'confirmations',
      RELAY_CONFIRMATIONS: 12,
    });
  });

  it('names a missing depth in confirmations mode, and a depth that retract mode would ignore', () => {
    expect(problems({ ...base, RELAY_REORG_MODE: 'confirmations' })).toEqual([
      expect.stringMatching(/^RELAY_CONFIRMATIONS: /),
    ]);
    expect(problems({ ...base, RELAY_CONFIRMATIONS: '5' })).toEqual([
      expect.stringMatching(/^RELAY_CONFIRMATIONS: must be 0 .* when RELAY_REORG_MODE=retract/),
    ]);
    expect(problems({ ...base, RELAY_REORG_MODE: 'fast' })).toEqual([
      expect.stringMatching(/^RELAY_REORG_MODE: /),
    ]);
  });

  it('refuses a schema name that is not a plain identifier (it is spliced into SQL)', () => {
    expect(problems({ ...base, INDEXER_SCHEMA: 'chain"; drop table x; --' })).toEqual([
      expect.stringMatching(/^INDEXER_SCHEMA: must be a lowercase PostgreSQL identifier/),
    ]);
  });
});
