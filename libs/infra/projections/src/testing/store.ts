// The real PostgreSQL event store (@atelier/event-store) in a spec's own schema, and events
// shaped the way the store requires, for the int specs, worker scripts and benchmarks.
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { PostgresEventStore } from '@atelier/event-store';
import type { JsonObject, NewEvent } from '@atelier/eventsourcing';

export interface TestStore {
  readonly pool: Pool;
  readonly store: PostgresEventStore;
  close(): Promise<void>;
}

/** listen/notify off: the relay and replays poll readAll, nobody subscribes. */
export function openTestStore(url: string, schema: string, poolSize = 4): TestStore {
  const pool = new Pool({
    connectionString: url,
    max: poolSize,
    application_name: 'atelier-messaging-test',
  });
  const store = new PostgresEventStore({ pool, schema, listen: false, notify: false });
  return {
    pool,
    store,
    async close() {
      await store.close();
      await pool.end();
    },
  };
}

export function testEvent(data: JsonObject = {}, type = 'CounterIncremented'): NewEvent {
  return {
    id: randomUUID(),
    type,
    schemaVersion: 1,
    data,
    metadata: {
      correlationId: randomUUID(),
      causationId: null,
      actor: 'system:test',
      occurredAt: new Date().toISOString(),
    },
  };
}

/** Number of events in the store's schema (progress totals, assertions). */
export async function countEvents(pool: Pool, schema: string): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM "${schema}".events`,
  );
  return Number(rows[0]!.n);
}
