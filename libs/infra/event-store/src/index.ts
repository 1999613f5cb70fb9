export {
  PostgresEventStore,
  type PostgresEventStoreOptions,
} from './postgres/postgres-event-store';
export { PostgresSnapshotStore } from './postgres/postgres-snapshot-store';
export { schemaSql } from './postgres/schema';
export { POSITION_SHIFT, MAX_EVENTS_PER_TRANSACTION } from './postgres/global-order';
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
