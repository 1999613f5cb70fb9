// Kafka behind the project's own small interface: clients built one way, topics created on
// purpose, envelopes published idempotently and consumed with heartbeats, retries and a
// dead-letter topic. Callers never configure kafkajs themselves.
export { kafkaHealthCheck } from './health';
export { createKafka, type KafkaClientOptions } from './client';
export { pinoLogCreator, kafkaLogLevel } from './logging';
export { KafkaError, type KafkaErrorCode } from './errors';
export { ensureTopics, type TopicSpec, type EnsureTopicsResult } from './topics';
export { EnvelopeProducer, toKafkaMessage, type OutgoingEnvelope } from './producer';
export {
  EnvelopeConsumer,
  type EnvelopeConsumerOptions,
  type EnvelopeHandler,
  type MessageHandler,
  type ChunkHandler,
  type ConsumerContext,
  type Delivery,
  type DeadLetterReason,
} from './consumer';
export { onShutdownSignals, type ShutdownOptions } from './shutdown';
