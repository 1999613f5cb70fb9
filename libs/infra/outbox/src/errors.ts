// Outbox relay failures with stable codes. A relay that cannot publish an event stops instead
// of skipping it: a consumer that silently misses an event is wrong forever, a stalled relay
// is loud and is fixed once. (The codes keep their RELAY.* area: codes are API.)
import { CodedError } from '@atelier/kernel';

export type OutboxRelayErrorCode =
  | 'RELAY.UNPUBLISHABLE_EVENT'
  | 'RELAY.UNROUTED_CATEGORY'
  | 'RELAY.LEADERSHIP_LOST'
  | 'RELAY.INVALID_CONFIG';

export class OutboxRelayError extends CodedError<OutboxRelayErrorCode> {
  override readonly name = 'OutboxRelayError';
}
