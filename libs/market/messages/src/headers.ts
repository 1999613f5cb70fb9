// Header names of the Kafka contract. The event id travels in a header as well as in the
// envelope, so a consumer (or an operator with kcat) can discard a redelivery or find an
// event without parsing the value; dead-letter headers say why and where a message failed.
export const HEADERS = {
  eventId: 'atelier-event-id',
  eventType: 'atelier-event-type',
  schema: 'atelier-envelope-schema',
  contentType: 'content-type',
} as const;

/** Added to a message copied to a dead-letter topic; the original headers are kept. */
export const DEAD_LETTER_HEADERS = {
  /** Stable reason code, e.g. ENVELOPE.INVALID or HANDLER.FAILED. */
  errorCode: 'atelier-dlq-error-code',
  /** Human-readable error message (truncated). */
  error: 'atelier-dlq-error',
  originalTopic: 'atelier-dlq-original-topic',
  originalPartition: 'atelier-dlq-original-partition',
  originalOffset: 'atelier-dlq-original-offset',
  /** The consumer group that gave up on the message. */
  group: 'atelier-dlq-group',
  /** How many times the handler ran before the message was dead-lettered. */
  attempts: 'atelier-dlq-attempts',
  failedAt: 'atelier-dlq-failed-at',
} as const;

export type DeadLetterReasonCode =
  | 'ENVELOPE.EMPTY'
  | 'ENVELOPE.NOT_JSON'
  | 'ENVELOPE.UNSUPPORTED_SCHEMA'
  | 'ENVELOPE.INVALID'
  | 'HANDLER.FAILED';
