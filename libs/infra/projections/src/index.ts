// Projection runner: applies envelopes of any format (market events, chain facts) to TypeORM
// read models with the checkpoint in the same transaction (exactly-once effect over
// at-least-once delivery), from Kafka or from the event store's log, and rebuilds a
// projection by replay. See docs/messaging.md.
export {
  ProjectionError,
  assertProjectionName,
  type AnyProjection,
  type EnvelopeFormat,
  type Projection,
  type ProjectionErrorCode,
  type RebuildFold,
  type StreamPosition,
  type ReadModelEntity,
} from './projection';
export {
  ProjectionStore,
  STORE_SOURCE,
  type ApplyResult,
  type ProjectionItem,
  type SourceRef,
} from './projection-store';
export {
  BATCH_CHUNK_SIZE,
  CONCURRENT_PARTITIONS,
  PIPELINED_FETCH_BYTES,
  KafkaProjector,
  type KafkaProjectorOptions,
  type ProjectorStats,
} from './kafka-projector';
export {
  replayFromStore,
  REBUILD_FOLD_ROWS,
  REPLAY_BATCH_SIZE,
  rebuildProjection,
  type ReplayOptions,
  type ReplayProgress,
  type ReplayResult,
} from './replay';
export {
  marketEvents,
  chainFacts,
  chainFactsDedupedByRows,
  recordedPositions,
  type RecordedPositions,
} from './formats';
export type { ProjectionCatalog, OpenedLog } from './catalog';
export {
  createProjectionDataSource,
  KEEP_PROJECTOR_CONNECTIONS,
  type ProjectionDataSourceOptions,
} from './data-source';
export { isTransientDbError, quotedName, tablePath } from './sql';
export {
  columnsOf,
  unnestSelect,
  copyRows,
  copyText,
  writeTogether,
  type SqlColumnType,
  type SqlStatement,
} from './batch-sql';
export {
  streamCounterProjection,
  StreamCounterEntity,
  type StreamCounter,
} from './stream-counter.projection';
