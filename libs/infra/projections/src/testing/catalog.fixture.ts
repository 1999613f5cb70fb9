// The catalog the rebuild spec hands to the CLI: the example projection and the PostgreSQL
// event store in the spec's schema (EVENT_STORE_SCHEMA).
import type { ProjectionCatalog } from '../catalog';
import { streamCounterProjection } from '../stream-counter.projection';
import { countEvents, openTestStore } from './store';

export const catalog: ProjectionCatalog = {
  projections: [streamCounterProjection()],
  async openLog(env) {
    const schema = env['EVENT_STORE_SCHEMA'] ?? 'event_store';
    const { pool, store, close } = openTestStore(env['EVENT_STORE_DATABASE_URL']!, schema, 2);
    return { log: store, count: () => countEvents(pool, schema), close };
  },
};
