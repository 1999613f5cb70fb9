// The access layer's part of the gateway's typed config (spread into config.ts's `extra`):
// where its tables live, and the limit of callers without a key (one bucket per client IP).
import { z } from 'zod';
import type { AccessOptions } from './access.tokens';

export const accessEnv = {
  ACCESS_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,47}$/, 'a lower-case SQL identifier')
    .default('access')
    .describe('PostgreSQL schema of API keys, rate-limit buckets and idempotency keys'),
  ACCESS_IP_RPS: z.coerce
    .number()
    .positive()
    .max(1_000_000)
    .default(5)
    .describe('requests per second one client IP may send without an API key'),
  ACCESS_IP_BURST: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(20)
    .describe('burst of requests one client IP may send without an API key'),
};

export interface AccessConfig {
  readonly ACCESS_SCHEMA: string;
  readonly ACCESS_IP_RPS: number;
  readonly ACCESS_IP_BURST: number;
}

/** The access module's options from the gateway's config. */
export const accessOptions = (c: AccessConfig): AccessOptions => ({
  schema: c.ACCESS_SCHEMA,
  ipRps: c.ACCESS_IP_RPS,
  ipBurst: c.ACCESS_IP_BURST,
});
