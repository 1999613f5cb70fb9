// The variables every Atelier process reads, defined once so the NestJS apps, the indexer
// (Ponder) and its relay name, validate and explain them alike. zod only: the Ponder process
// loads it and must stay free of NestJS. An app spreads what it reads into its own schema and
// validates it with loadConfig (a bad variable: exit 78, naming it).
import { z } from 'zod';
import { env } from './config';

export const serviceEnv = {
  HOST: z
    .string()
    .default('127.0.0.1')
    .describe('interface the HTTP server (or ops server) listens on'),
  LOG_LEVEL: env.logLevel().describe('one of fatal, error, warn, info, debug, trace, silent'),
  KAFKA_BROKERS: env
    .brokers()
    .describe(
      'comma-separated host:port list of Kafka brokers, e.g. 127.0.0.1:19092 (npm run up starts one)',
    ),
  RPC_URL: env.url().describe('JSON-RPC URL of the EVM chain, e.g. http://127.0.0.1:18545 (anvil)'),
  CHAIN_ID: z.coerce
    .number()
    .int()
    .positive()
    .default(31337)
    .describe('chain id the RPC must report'),
  ATELIER_DEPLOYMENTS: z
    .string()
    .min(1)
    .describe(
      'path of the deployments file written by infra/contracts/deploy.sh, e.g. .data/deployments/31337.json',
    ),
};

/** `<APP>_DATABASE_URL`: the database `app` owns (infra/postgres/ensure.ts creates each one). */
export const databaseUrl = (app: string) =>
  env
    .url()
    .describe(`postgres:// URL of the ${app} database (infra/postgres/ensure.ts creates it)`);
