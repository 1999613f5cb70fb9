// The CLI's one typed configuration: the variables the apps read (infra/bin/env.sh exports them
// per stack), validated with zod. Each command loads only what it uses, so `atelier export`
// does not ask for an RPC and `atelier verify` does not ask for Kafka; a bad or missing
// variable fails the command naming the variable and what it expects.
import { z } from 'zod';
import { ConfigError, databaseUrl, loadConfig, serviceEnv } from '@atelier/config';
import { CliError } from './cli';

const identifier = (fallback: string, what: string) =>
  z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,47}$/, 'a lower-case SQL identifier')
    .default(fallback)
    .describe(`PostgreSQL schema of ${what}, e.g. ${fallback}`);

export const cliEnv = {
  GATEWAY_DATABASE_URL: databaseUrl('gateway'),
  READ_MODEL_SCHEMA: identifier('public', 'the read models (orders, trades, ledgers, artworks)'),
  EVENT_STORE_SCHEMA: identifier('event_store', 'the event store'),
  RPC_URL: serviceEnv.RPC_URL,
  ATELIER_DEPLOYMENTS: serviceEnv.ATELIER_DEPLOYMENTS,
  KAFKA_BROKERS: serviceEnv.KAFKA_BROKERS,
  PIPELINE_CHAIN_TOPIC_PREFIX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,100}$/, 'a Kafka topic prefix')
    .default('chain')
    .describe('prefix of the chain fact topics (as the gateway’s pipeline reads them), e.g. chain'),
  ATELIER_ROOT: z.string().min(1).describe('the repository root (bin/atelier sets it)'),
  ATELIER_CACHE: z
    .string()
    .min(1)
    .default(`${process.env['HOME'] ?? '/root'}/.cache/atelier`)
    .describe('where infra/kafka/fetch.sh keeps Kafka’s jars'),
};

export type CliEnvKey = keyof typeof cliEnv;
export type CliConfig<K extends CliEnvKey> = { [P in K]: z.infer<(typeof cliEnv)[P]> };

/** Validates the named variables only (see the header). */
export function loadCliConfig<K extends CliEnvKey>(
  keys: readonly K[],
  env: NodeJS.ProcessEnv = process.env,
): CliConfig<K> {
  const shape = Object.fromEntries(keys.map((k) => [k, cliEnv[k]])) as Pick<typeof cliEnv, K>;
  try {
    return loadConfig('atelier', z.object(shape), env) as CliConfig<K>;
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError('CLI.FAILED', e.message, {}, { cause: e });
    throw e;
  }
}
