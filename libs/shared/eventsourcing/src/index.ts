export type { JsonPrimitive, JsonValue, JsonArray, JsonObject } from './json';
export { isJsonObject } from './json';
export { noopLogger, type Logger } from './logger';
export {
  ANY,
  NO_STREAM,
  STREAM_EXISTS,
  START_POSITION,
  satisfies,
  firstRevisionAfter,
  revisionAfterAppend,
  isValidExpectedRevision,
  describeRevision,
  type ExpectedRevision,
  type StreamState,
} from './revision';
export type { EventMetadata, NewEvent, RecordedEvent, AppendResult } from './event';
export {
  EventStoreError,
  WrongExpectedVersionError,
  IdempotencyConflictError,
  ConcurrencyRetriesExhaustedError,
  InvalidAppendError,
  UpcastError,
  EventDecodeError,
  AppendNotFirstWriteError,
  EventStoreUnavailableError,
  isEventStoreError,
  type EventStoreErrorCode,
} from './errors';
export type {
  EventStore,
  AppendOptions,
  ReadStreamOptions,
  ReadAllOptions,
  SubscribeOptions,
} from './event-store';
export {
  validateAppend,
  classifyRetry,
  MAX_EVENTS_PER_APPEND,
  type StoredIdLocation,
} from './append-rules';
export {
  UpcasterRegistry,
  noUpcasters,
  type Upcaster,
  type UpcastInput,
  type UpcastOutput,
} from './upcasting';
export {
  defineEventCodec,
  zBigint,
  zUnsignedBigint,
  type DomainEvent,
  type EncodedEvent,
  type EventCodec,
  type EventTypeDefinition,
  type EventDefinitions,
} from './codec';
export { fold, runCommands, type Decider } from './decider';
export {
  InMemorySnapshotStore,
  type Snapshot,
  type SnapshotStore,
  type SnapshotPolicy,
} from './snapshots';
export {
  ChangeNotifier,
  catchUpSubscription,
  type PollingSource,
  type CatchUpOptions,
} from './subscription';
export {
  EventSourcedRepository,
  defineAggregate,
  type AggregateDefinition,
  type CommandContext,
  type LoadedAggregate,
  type HandleSuccess,
  type HandleAllSuccess,
  type CommandOutcome,
  type RepositoryOptions,
  type AppendedInfo,
} from './repository';
export { InMemoryEventStore } from './in-memory-event-store';
