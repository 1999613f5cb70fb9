// The pipeline's part of the gateway config. One event store, one set of market topics: a store
// in another schema than the default publishes under `market.<schema>.*` and names its relay and
// consumer groups after it, so two stores (two specs, two tenants) never read each other's
// events. Production (schema event_store) uses market.* and chain.* as docs/messaging.md names.
import { z } from 'zod';
import { CHAIN_TOPIC_PARTITIONS } from '@atelier/chain-messages';

const flag = z
  .enum(['true', 'false', '1', '0'])
  .default('true')
  .transform((v) => v === 'true' || v === '1');
const prefix = z.string().regex(/^[a-zA-Z0-9._-]{1,100}$/, 'letters, digits, ".", "_", "-"');

export const pipelineEnv = {
  PIPELINE_ENABLED: flag.describe(
    'run the outbox relay, the orders projector and the fillability tracker in this process',
  ),
  PIPELINE_MARKET_TOPIC_PREFIX: prefix
    .optional()
    .describe('prefix of the market topics (default market, or market.<EVENT_STORE_SCHEMA>)'),
  PIPELINE_CHAIN_TOPIC_PREFIX: prefix.default('chain').describe('prefix of the chain fact topics'),
  PIPELINE_GROUP: prefix
    .optional()
    .describe('names the relay and consumer groups (default gateway, or gateway.<schema>)'),
  PIPELINE_SETTLEMENT_TOPIC: prefix
    .optional()
    .describe(
      "topic of the settlement worker's events, whose excluded pairs are released here (default settlement.settlement, or settlement.<schema>.settlement)",
    ),
  PIPELINE_TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(1024).default(8),
  PIPELINE_CHAIN_TOPIC_PARTITIONS: z.coerce
    .number()
    .int()
    .min(1)
    .max(1024)
    .default(CHAIN_TOPIC_PARTITIONS)
    .describe('partitions of the chain.* topics, as the chain relay creates them'),
  PIPELINE_TOPIC_REPLICATION: z.coerce.number().int().min(1).max(16).default(1),
};

export interface PipelineSettings {
  readonly enabled: boolean;
  readonly marketTopicPrefix: string;
  readonly chainTopicPrefix: string;
  readonly settlementTopic: string;
  readonly group: string;
  readonly partitions: number;
  readonly chainPartitions: number;
  readonly replicationFactor: number;
}

const DEFAULT_STORE_SCHEMA = 'event_store';

export function pipelineSettings(config: {
  readonly EVENT_STORE_SCHEMA: string;
  readonly PIPELINE_ENABLED: boolean;
  readonly PIPELINE_MARKET_TOPIC_PREFIX?: string | undefined;
  readonly PIPELINE_CHAIN_TOPIC_PREFIX: string;
  readonly PIPELINE_SETTLEMENT_TOPIC?: string | undefined;
  readonly PIPELINE_GROUP?: string | undefined;
  readonly PIPELINE_TOPIC_PARTITIONS: number;
  readonly PIPELINE_CHAIN_TOPIC_PARTITIONS: number;
  readonly PIPELINE_TOPIC_REPLICATION: number;
}): PipelineSettings {
  const scope =
    config.EVENT_STORE_SCHEMA === DEFAULT_STORE_SCHEMA ? '' : `.${config.EVENT_STORE_SCHEMA}`;
  return {
    enabled: config.PIPELINE_ENABLED,
    marketTopicPrefix: config.PIPELINE_MARKET_TOPIC_PREFIX ?? `market${scope}`,
    chainTopicPrefix: config.PIPELINE_CHAIN_TOPIC_PREFIX,
    settlementTopic: config.PIPELINE_SETTLEMENT_TOPIC ?? `settlement${scope}.settlement`,
    group: config.PIPELINE_GROUP ?? `gateway${scope}`,
    partitions: config.PIPELINE_TOPIC_PARTITIONS,
    chainPartitions: config.PIPELINE_CHAIN_TOPIC_PARTITIONS,
    replicationFactor: config.PIPELINE_TOPIC_REPLICATION,
  };
}
