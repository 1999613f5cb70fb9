// The analysts' endpoints' part of the gateway's typed config (spread into config.ts's `extra`).
import { z } from 'zod';

export const analyticsEnv = {
  ANALYTICS_PAGE_SIZE: z.coerce
    .number()
    .int()
    .min(10)
    .max(10_000)
    .default(1_000)
    .describe('events read from the store per page by /v1/events and the as-of-block book'),
  ANALYTICS_KEEPALIVE_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(120_000)
    .default(15_000)
    .describe('idle time after which a /v1/events stream writes a keepalive line, ms'),
  ANALYTICS_MAX_STREAMS: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(100)
    .describe('open /v1/events streams per gateway instance; one more is 503 SERVICE.OVERLOADED'),
  ANALYTICS_FOLLOW_MAX_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(24 * 3_600_000)
    .default(3_600_000)
    .describe('longest a /v1/events?follow=true stream stays open; it then ends, resumable, ms'),
};

export interface AnalyticsOptions {
  readonly pageSize: number;
  readonly keepAliveMs: number;
  readonly followMaxMs: number;
  /** Streams open at once on this instance; another is refused (EventStreamsFull). */
  readonly maxStreams: number;
}
