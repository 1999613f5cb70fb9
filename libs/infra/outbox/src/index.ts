// The outbox: appended events leave the event store for Kafka through one outbox relay per
// name, routed by stream category through the caller's routing table, in order per stream,
// at least once, each carrying its event id so consumers can discard a redelivery. See
// docs/messaging.md and docs/decisions/0008-outbox-and-projections.md.
export {
  OutboxRelay,
  type OutboxRelayOptions,
  type OutboxRelayDeps,
  type OutboxRelayStatus,
  type TopicSettings,
} from './relay';
export { routeOf, type OutboxRoutes } from './routing';
export { OutboxRelayCheckpoints, type OutboxRelayCheckpointOptions } from './checkpoints';
export { toEnvelope } from './to-envelope';
export { OutboxRelayError, type OutboxRelayErrorCode } from './errors';
export type { GlobalLogReader, LoggedEvent } from './global-log';
