// The relay's configuration, validated at start: a bad variable stops the process with exit
// code 78 and a line naming it. The variables every service shares (HOST, LOG_LEVEL, Kafka,
// RPC, chain id, deployments) are @atelier/config's serviceEnv. The reorg policy is per
// deployment (docs/indexer.md):
//   retract        publish a fact as soon as Ponder has indexed it; if its block later leaves
//                  the canonical chain, publish a `retracted` message for it (lowest latency).
//   confirmations  publish a fact once RELAY_CONFIRMATIONS blocks are indexed on top of it
//                  (a reorg no deeper than that is never seen by consumers; deeper ones are
//                  still retracted), at the price of that many block times of latency.
import { z } from 'zod';
import { CHAIN_TOPIC_PARTITIONS } from '@atelier/chain-messages';
import { databaseUrl, env, loadConfig, serviceEnv } from '@atelier/config';

const identifier = z
  .string()
  .regex(
    /^[a-z_][a-z0-9_]{0,62}$/,
    'must be a lowercase PostgreSQL identifier (letters, digits, _)',
  );

const schema = z
  .object({
    ...serviceEnv,
    INDEXER_DATABASE_URL: databaseUrl('indexer'),
    INDEXER_SCHEMA: identifier.describe(
      'the Ponder schema to publish from, the same as ponder start --schema (infra/apps/start.sh computes chain_<hash>)',
    ),
    RELAY_SCHEMA: identifier
      .default('relay')
      .describe('schema of the relay’s own checkpoint and ledger, in the indexer database'),
    RELAY_PORT: env
      .port(3201)
      .describe('port of /health, /health/live, /health/ready and /metrics'),
    RELAY_REORG_MODE: z
      .enum(['retract', 'confirmations'])
      .default('retract')
      .describe(
        "'retract' (publish at once, retract dropped facts) or 'confirmations' (publish past RELAY_CONFIRMATIONS blocks)",
      ),
    RELAY_CONFIRMATIONS: z.coerce
      .number()
      .int()
      .min(0)
      .max(10_000)
      .default(0)
      .describe(
        'blocks indexed on top of a fact before it is published: 0 with retract, at least 1 with confirmations',
      ),
    RELAY_BATCH_SIZE: z.coerce
      .number()
      .int()
      .min(1)
      .max(50_000)
      .default(5000)
      .describe('most facts read and published per step'),
    RELAY_POLL_INTERVAL_MS: z.coerce
      .number()
      .int()
      .min(10)
      .max(60_000)
      .default(500)
      .describe('how often to look for new facts when Ponder sends no notification'),
    RELAY_TOPIC_PREFIX: z
      .string()
      .regex(/^[a-zA-Z0-9._-]{1,200}$/, 'letters, digits, ., _ and - only')
      .default('chain')
      .describe('topic namespace: topics are <prefix>.<contract>, e.g. chain.marketplace'),
    RELAY_TOPIC_PARTITIONS: z.coerce
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(CHAIN_TOPIC_PARTITIONS)
      .describe('partitions of a topic the relay creates'),
    RELAY_TOPIC_REPLICATION: z.coerce
      .number()
      .int()
      .min(1)
      .max(10)
      .default(1)
      .describe('replication factor of a topic the relay creates'),
  })
  .superRefine((e, ctx) => {
    if (e.RELAY_REORG_MODE === 'confirmations' && e.RELAY_CONFIRMATIONS < 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['RELAY_CONFIRMATIONS'],
        message: 'must be at least 1 when RELAY_REORG_MODE=confirmations',
      });
    }
    if (e.RELAY_REORG_MODE === 'retract' && e.RELAY_CONFIRMATIONS !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['RELAY_CONFIRMATIONS'],
        message:
          'must be 0 (or unset) when RELAY_REORG_MODE=retract; set RELAY_REORG_MODE=confirmations to wait for blocks',
      });
    }
  });

export type RelayEnv = z.infer<typeof schema>;
export const loadRelayEnv = (e: NodeJS.ProcessEnv = process.env): RelayEnv =>
  loadConfig('indexer-relay', schema, e);
