// The event store's part of an app's typed config: which adapter, and its knobs. Apps spread
// `eventStoreEnv` into their zod schema (validated once at bootstrap with loadConfig) and
// build the store with createEventStore. PostgreSQL is the default; KurrentDB needs a URL.
import { z } from 'zod';
import type { Pool } from 'pg';
import type { Logger, UpcasterRegistry, EventStore } from '@atelier/eventsourcing';
import { PostgresEventStore } from './postgres/postgres-event-store';
import { KurrentDbEventStore } from './kurrentdb/kurrentdb-event-store';

export const eventStoreEnv = {
  EVENT_STORE_BACKEND: z
    .enum(['postgres', 'kurrentdb'])
    .default('postgres')
    .describe('postgres (default) or kurrentdb'),
  EVENT_STORE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,47}$/, 'a lower-case SQL identifier')
    .default('event_store')
    .describe('PostgreSQL schema of the event store, e.g. event_store'),
  KURRENTDB_URL: z
    .string()
    .regex(/^(kurrentdb|kdb|esdb|kurrent)(\+discover)?:\/\//, 'a kurrentdb:// connection string')
    .optional()
    .describe('kurrentdb://host:2113?tls=false (required when EVENT_STORE_BACKEND=kurrentdb)'),
  EVENT_STORE_POLL_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(10)
    .max(60_000)
    .default(1000)
    .describe('subscription fallback poll, ms'),
  EVENT_STORE_APPEND_IDLE_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(600_000)
    .default(10_000)
    .describe('longest idle time of a transaction holding an uncommitted append, ms'),
};

const schema = z
  .object(eventStoreEnv)
  .refine((c) => c.EVENT_STORE_BACKEND !== 'kurrentdb' || !!c.KURRENTDB_URL, {
    message: 'KURRENTDB_URL is required when EVENT_STORE_BACKEND=kurrentdb',
    path: ['KURRENTDB_URL'],
  });
export type EventStoreConfig = z.infer<typeof schema>;
export const eventStoreConfigSchema = schema;

export interface EventStoreDeps {
  /** Required for the PostgreSQL backend. */
  readonly pool?: Pool;
  readonly upcasters?: UpcasterRegistry;
  readonly logger?: Logger;
}

/** Builds (and, for PostgreSQL, migrates) the configured store. */
export async function createEventStore(
  config: EventStoreConfig,
  deps: EventStoreDeps,
): Promise<EventStore> {
  switch (config.EVENT_STORE_BACKEND) {
    case 'postgres': {
      if (!deps.pool) throw new Error('createEventStore: the postgres backend needs a pg Pool');
      const store = new PostgresEventStore({
        pool: deps.pool,
        schema: config.EVENT_STORE_SCHEMA,
        upcasters: deps.upcasters,
        logger: deps.logger,
        pollIntervalMs: config.EVENT_STORE_POLL_INTERVAL_MS,
        appendIdleTimeoutMs: config.EVENT_STORE_APPEND_IDLE_TIMEOUT_MS,
      });
      await store.migrate();
      return store;
    }
    case 'kurrentdb':
      return new KurrentDbEventStore({
        connectionString: config.KURRENTDB_URL!,
        upcasters: deps.upcasters,
        logger: deps.logger,
      });
    default: {
      const _exhaustive: never = config.EVENT_STORE_BACKEND;
      throw new Error(`unknown event store backend ${String(_exhaustive)}`);
    }
  }
}
