export {
  PostgresEventStore,
  type PostgresEventStoreOptions,
} from './postgres/postgres-event-store';
export { PostgresSnapshotStore } from './postgres/postgres-snapshot-store';
export { schemaSql, POSITION_SHIFT, MAX_EVENTS_PER_TRANSACTION } from './postgres/schema';
export {
  KurrentDbEventStore,
  type KurrentDbEventStoreOptions,
  type KurrentClientLike,
} from './kurrentdb/kurrentdb-event-store';
export {
  eventStoreEnv,
  eventStoreConfigSchema,
  createEventStore,
  type EventStoreConfig,
  type EventStoreDeps,
} from './config';
