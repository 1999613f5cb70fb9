// The indexer's configuration, validated when Ponder loads the config (a bad variable
// stops it with a message naming the variable).
import { z } from 'zod';
import { env, loadConfig } from '@atelier/config';

const schema = z.object({
  INDEXER_DATABASE_URL: env
    .url()
    .describe('postgres:// URL of the indexer database (infra/postgres/ensure.ts creates it)'),
  RPC_URL: env.url().describe('JSON-RPC URL of the EVM chain, e.g. http://127.0.0.1:18545 (anvil)'),
  KAFKA_BROKERS: env
    .brokers()
    .describe('comma-separated host:port list of Kafka brokers, e.g. 127.0.0.1:19092'),
  ATELIER_DEPLOYMENTS: z
    .string()
    .min(1)
    .describe('absolute path of the deployments file written by infra/contracts/deploy.sh'),
  CHAIN_ID: z.coerce
    .number()
    .int()
    .positive()
    .default(31337)
    .describe('chain id the RPC must report'),
  INDEXER_POLLING_INTERVAL_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(250)
    .describe('how often Ponder polls the RPC for new blocks'),
  INDEXER_RPC_CACHE: z
    .enum(['on', 'off'])
    .optional()
    .describe(
      "Ponder's RPC cache (schema ponder_sync): 'on' or 'off'; default 'off' on local chains (31337, 1337), whose restart is a new chain under the same id, else 'on'",
    ),
  INDEXER_STABLECOIN_SCOPE: z
    .enum(['all', 'marketplace'])
    .optional()
    .describe(
      "which stablecoin facts to keep: 'all', or 'marketplace' (those from, to or sent through the Marketplace); default: 'marketplace' once a Marketplace is deployed, else 'all'",
    ),
});

export type IndexerEnv = z.infer<typeof schema>;
export const loadIndexerEnv = (e: NodeJS.ProcessEnv = process.env): IndexerEnv =>
  loadConfig('indexer', schema, e);
