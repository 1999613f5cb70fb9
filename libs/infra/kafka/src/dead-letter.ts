// Dead letters are the Kafka library's own contract, the same for every message format: one
// dead-letter topic per consumer group (a poison message for one reader may be fine for
// another), the original value and headers kept, and headers saying why and where it failed.
import { KafkaError } from './errors';

/** Added to a message copied to a dead-letter topic; the original headers are kept. */
export const DEAD_LETTER_HEADERS = {
  /** Stable reason code: the codec's poison code (e.g. ENVELOPE.INVALID) or HANDLER.FAILED. */
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

/** The handler kept failing on a valid message. */
export const HANDLER_FAILED = 'HANDLER.FAILED';

/** HANDLER.FAILED, or the code of the codec's poison error (ENVELOPE.NOT_JSON, CHAIN_FACT.INVALID, …). */
export type DeadLetterReasonCode = typeof HANDLER_FAILED | (string & {});

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/** The dead-letter topic of a consumer group: `<groupId>.dlq`. */
export function deadLetterTopic(groupId: string): string {
  const topic = `${groupId}.dlq`;
  if (!TOPIC_NAME.test(topic)) {
    throw new KafkaError(
      'KAFKA.INVALID_TOPIC_NAME',
      `'${topic}' is not a valid Kafka topic name (letters, digits, '.', '_', '-'; at most 249)`,
      { topic },
    );
  }
  return topic;
}
