// Outbox to Kafka: appended events leave the event store through one relay per name, in
// order per stream, at least once, each carrying its event id so consumers can discard a
// redelivery. See docs/messaging.md and docs/decisions/0008-outbox-and-projections.md.
export {
  OutboxRelay,
  defaultRoute,
  type OutboxRelayOptions,
  type OutboxRelayDeps,
  type RelayStatus,
  type TopicSettings,
} from './relay';
export { RelayCheckpoints, type RelayCheckpointOptions } from './checkpoints';
export { toEnvelope } from './to-envelope';
export { RelayError, type RelayErrorCode } from './errors';
export type { GlobalLogReader, LoggedEvent } from './global-log';
