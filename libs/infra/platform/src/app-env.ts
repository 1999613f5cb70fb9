// The environment every Atelier service reads, so the three apps name things alike.
import { z } from 'zod';
import { env } from '@atelier/config';

export const serviceEnv = {
  HOST: z.string().default('127.0.0.1').describe('interface to listen on'),
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
