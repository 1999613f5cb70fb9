// Relay failures with stable codes. A relay that cannot publish an event stops instead of
// skipping it: a consumer that silently misses an event is wrong forever, a stalled relay
// is loud and is fixed once.
export type RelayErrorCode =
  'RELAY.UNPUBLISHABLE_EVENT' | 'RELAY.LEADERSHIP_LOST' | 'RELAY.INVALID_CONFIG';

export class RelayError extends Error {
  override readonly name = 'RelayError';
  constructor(
    readonly code: RelayErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
