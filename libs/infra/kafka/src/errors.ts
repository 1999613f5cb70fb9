// Failures of the Kafka adapter with stable codes, so callers and logs can tell a
// misconfigured topic from a broker that is merely slow.
import { CodedError } from '@atelier/kernel';

export type KafkaErrorCode =
  | 'KAFKA.TOPIC_CREATE_FAILED'
  | 'KAFKA.TOPIC_PARTITIONS_MISMATCH'
  | 'KAFKA.INVALID_TOPIC_NAME'
  | 'KAFKA.PUBLISH_FAILED'
  | 'KAFKA.DEAD_LETTER_FAILED'
  | 'KAFKA.NOT_CONNECTED'
  | 'KAFKA.ALREADY_STARTED'
  | 'KAFKA.CONSUMER_CRASHED'
  | 'KAFKA.REJOIN_TIMEOUT';

export class KafkaError extends CodedError<KafkaErrorCode> {
  override readonly name = 'KafkaError';
}
