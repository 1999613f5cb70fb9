// The indexer's configuration, validated when Ponder loads the config (a bad variable
// stops it with a message naming the variable). The shared variables are @atelier/config's
// serviceEnv, as in every other service.
import { z } from 'zod';
import { databaseUrl, loadConfig, serviceEnv } from '@atelier/config';

const { RPC_URL, KAFKA_BROKERS, ATELIER_DEPLOYMENTS, CHAIN_ID } = serviceEnv;

const schema = z.object({
  INDEXER_DATABASE_URL: databaseUrl('indexer'),
  RPC_URL,
  KAFKA_BROKERS,
  ATELIER_DEPLOYMENTS,
  CHAIN_ID,
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
