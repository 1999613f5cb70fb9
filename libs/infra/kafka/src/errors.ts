// Failures of the Kafka adapter with stable codes, so callers and logs can tell a
// misconfigured topic from a broker that is merely slow.
export type KafkaErrorCode =
  | 'KAFKA.TOPIC_CREATE_FAILED'
  | 'KAFKA.TOPIC_PARTITIONS_MISMATCH'
  | 'KAFKA.PUBLISH_FAILED'
  | 'KAFKA.DEAD_LETTER_FAILED'
  | 'KAFKA.NOT_CONNECTED';

export class KafkaError extends Error {
  override readonly name = 'KafkaError';
  constructor(
    readonly code: KafkaErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
