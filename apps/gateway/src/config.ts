// The gateway's configuration: the shared service variables plus its own port and database,
// its event store (the market streams) and the limits of the order intake.
import { z } from 'zod';
import { eventStoreEnv } from '@atelier/event-store';
import { serviceConfig } from '@atelier/platform';
import { accessEnv } from './access/access.config';
import { analyticsEnv } from './analytics/analytics.config';
import { graphqlEnv } from './graphql/graphql.config';
import { liveEnv } from './live/live.config';
import { orderStreamEnv } from './order-stream/order-stream.config';
import { pipelineEnv } from './pipeline/pipeline.config';

const seconds = (fallback: number, max: number) =>
  z.coerce.number().int().min(1).max(max).default(fallback);

export const intakeEnv = {
  ORDER_MAX_LIFETIME_SECONDS: seconds(366 * 24 * 3600, 10 * 366 * 24 * 3600).describe(
    'longest accepted time from now to an order’s start or expiry, s',
  ),
  CANCEL_MAX_AGE_SECONDS: seconds(300, 24 * 3600).describe(
    'longest accepted age of a signed off-chain cancel (its issuedAt), s',
  ),
  READ_YOUR_WRITES_WAIT_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(30_000)
    .default(5_000)
    .describe('how long a read with ?minPosition= waits for the read model, ms'),
  MARKET_CACHED_STREAMS: z.coerce
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .default(10_000)
    .describe('market streams whose state each gateway keeps in memory (0: none)'),
  READ_MODEL_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,47}$/, 'a lower-case SQL identifier')
    .default('public')
    .describe('PostgreSQL schema of the orders read model'),
};

const gatewayConfig = serviceConfig({
  app: 'gateway',
  prefix: 'GATEWAY',
  port: { default: 3000, describe: 'HTTP port of the gateway' },
  extra: {
    ...eventStoreEnv,
    ...intakeEnv,
    ...accessEnv,
    ...orderStreamEnv,
    ...pipelineEnv,
    ...liveEnv,
    ...analyticsEnv,
    ...graphqlEnv,
  },
});

export type GatewayConfig = ReturnType<typeof gatewayConfig.load>;
export const loadGatewayConfig = gatewayConfig.load;
