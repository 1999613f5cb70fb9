// Kafka behind the project's own small interface: clients built one way, topics created on
// purpose, envelopes of any format (each messages library supplies its EnvelopeCodec)
// published idempotently and consumed with heartbeats, retries and a dead-letter topic.
// Callers never configure kafkajs themselves.
export { kafkaHealthCheck } from './health';
export { createKafka, type KafkaClientOptions } from './client';
export { pinoLogCreator, kafkaLogLevel } from './logging';
export { KafkaError, type KafkaErrorCode } from './errors';
export type { EnvelopeCodec, EncodedMessage } from './codec';
export {
  DEAD_LETTER_HEADERS,
  HANDLER_FAILED,
  deadLetterTopic,
  type DeadLetterReasonCode,
} from './dead-letter';
export { ensureTopics, type TopicSpec, type EnsureTopicsResult } from './topics';
export {
  EnvelopeProducer,
  MessageProducer,
  cachedDefaultPartitioner,
  toKafkaMessage,
  type OutgoingEnvelope,
  type ProducerOptions,
  type TopicMessages,
} from './producer';
export {
  EnvelopeConsumer,
  type EnvelopeConsumerOptions,
  type EnvelopeHandler,
  type MessageHandler,
  type ChunkHandler,
  type ConsumerContext,
  type ConsumerProgress,
  type Delivery,
  type DeliveryOrigin,
  type DeadLetterReason,
} from './consumer';
export { onShutdownSignals, type ShutdownOptions } from './shutdown';
export {
  TransactionalProducer,
  TransactionError,
  readLastCommitted,
  type CommittedRecord,
  type ReadLastCommittedOptions,
  type Transaction,
  type TransactionalProducerOptions,
  type TransactionErrorCode,
} from './transactional-producer';
