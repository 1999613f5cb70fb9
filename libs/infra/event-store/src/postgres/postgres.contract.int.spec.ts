// The EventStore contract against real PostgreSQL, in a schema of its own.
import type { Pool } from 'pg';
import { describeEventStoreContract } from '../contract/event-store-contract';
import { dropSchema, freshSchemaName, testPool } from '../testing/pg-fixture';
import { PostgresEventStore } from './postgres-event-store';

const schema = freshSchemaName();
let pool: Pool | undefined;

describeEventStoreContract('PostgreSQL', {
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
