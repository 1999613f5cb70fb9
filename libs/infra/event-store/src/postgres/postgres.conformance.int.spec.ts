// The EventStore conformance suite against real PostgreSQL, in a schema of its own.
import type { Pool } from 'pg';
import { describeEventStoreConformance } from '../testing/event-store-conformance';
import { dropSchema, freshSchemaName, testPool } from '../testing/pg-fixture';
import { PostgresEventStore } from './postgres-event-store';

const schema = freshSchemaName();
let pool: Pool | undefined;

describeEventStoreConformance('PostgreSQL', {
  async create({ upcasters }) {
    pool ??= testPool();
    const store = new PostgresEventStore({ pool, schema, upcasters, pollIntervalMs: 200 });
    await store.migrate();
    return store;
  },
  async dispose() {
    if (!pool) return;
    await dropSchema(pool, schema);
    await pool.end();
  },
});
