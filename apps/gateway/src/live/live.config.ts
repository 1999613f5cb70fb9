// The live feeds' part of the gateway's typed config (spread into config.ts's `extra`).
import { z } from 'zod';

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

export const liveEnv = {
  LIVE_KEEPALIVE_MS: int(100, 120_000, 15_000).describe(
    'interval of the keep-alive comments on an idle live feed (SSE), ms',
  ),
  LIVE_CLIENT_BUFFER_BYTES: int(4_096, 64 * 1024 * 1024, 1024 * 1024).describe(
    'bytes a live SSE client may leave unread in the gateway before it is cut off (LIVE.SLOW_CONSUMER)',
  ),
  LIVE_CLIENT_BUFFER_EVENTS: int(16, 1_000_000, 10_000).describe(
    'changes a live client may leave untaken (GraphQL, or queued during its catch-up) before it is cut off',
  ),
  LIVE_MAX_SUBSCRIBERS: int(1, 1_000_000, 10_000).describe(
    'open live feeds (SSE and GraphQL) one gateway process serves; more are refused with 503',
  ),
  LIVE_CACHE_SIZE: int(1_000, 10_000_000, 200_000).describe(
    'orders and trades whose filter fields the live tail keeps in memory (older ones are read back)',
  ),
  LIVE_LEDGER_POLL_MS: int(50, 60_000, 500).describe(
    'how often the ledger feed looks for new chain facts applied to the ledgers read model, ms',
  ),
};

export interface LiveOptions {
  readonly keepAliveMs: number;
  readonly clientBufferBytes: number;
  readonly clientBufferEvents: number;
  readonly maxSubscribers: number;
  readonly cacheSize: number;
  readonly ledgerPollMs: number;
  /** READ_MODEL_SCHEMA: where the ledgers projection keeps its checkpoints. */
  readonly readModelSchema: string;
}

export const liveOptions = (c: {
  LIVE_KEEPALIVE_MS: number;
  LIVE_CLIENT_BUFFER_BYTES: number;
  LIVE_CLIENT_BUFFER_EVENTS: number;
  LIVE_MAX_SUBSCRIBERS: number;
  LIVE_CACHE_SIZE: number;
  LIVE_LEDGER_POLL_MS: number;
  READ_MODEL_SCHEMA: string;
}): LiveOptions => ({
  keepAliveMs: c.LIVE_KEEPALIVE_MS,
  clientBufferBytes: c.LIVE_CLIENT_BUFFER_BYTES,
  clientBufferEvents: c.LIVE_CLIENT_BUFFER_EVENTS,
  maxSubscribers: c.LIVE_MAX_SUBSCRIBERS,
  cacheSize: c.LIVE_CACHE_SIZE,
  ledgerPollMs: c.LIVE_LEDGER_POLL_MS,
  readModelSchema: c.READ_MODEL_SCHEMA,
});
