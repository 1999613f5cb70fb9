// Publishing envelopes. The producer is idempotent with one request in flight and waits for
// every in-sync replica (acks=-1), so a retried send neither duplicates nor reorders a
// message within a partition, and "sent" means durable (docs/decisions/0001). Retries are
// left unbounded on purpose: kafkajs warns that a cap can break the idempotence guarantee;
// a caller that must give up uses its own deadline.
import {
  Partitioners,
  type Kafka,
  type Message,
  type Producer,
  type RecordMetadata,
} from 'kafkajs';
import {
  encodeEnvelope,
  ENVELOPE_SCHEMA,
  HEADERS,
  type EventEnvelope,
} from '@atelier/market-messages';
import type { Logger } from '@atelier/observability';
import { KafkaError } from './errors';

export interface OutgoingEnvelope {
  readonly topic: string;
  readonly envelope: EventEnvelope;
}

/** Key = stream name (one aggregate stays on one partition, in order); event id in a header too. */
export function toKafkaMessage(envelope: EventEnvelope): Message {
  return {
    key: envelope.streamName,
    value: encodeEnvelope(envelope),
    headers: {
      [HEADERS.eventId]: envelope.eventId,
      [HEADERS.eventType]: envelope.type,
      [HEADERS.schema]: ENVELOPE_SCHEMA,
      [HEADERS.contentType]: 'application/json',
    },
  };
}

export class EnvelopeProducer {
  private readonly producer: Producer;
  private connected = false;

  constructor(
    kafka: Kafka,
    private readonly logger: Logger,
  ) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
    this.connected = true;
  }

  async disconnect(): Promise<void> {
    this.connected = false;
    await this.producer.disconnect();
  }

  /** Resolves once every message is acknowledged by all in-sync replicas; keeps the given order per topic. */
  async publish(messages: readonly OutgoingEnvelope[]): Promise<RecordMetadata[]> {
    const byTopic = new Map<string, Message[]>();
    for (const { topic, envelope } of messages) {
      const list = byTopic.get(topic) ?? [];
      list.push(toKafkaMessage(envelope));
      byTopic.set(topic, list);
    }
    return this.sendRaw([...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })));
  }

  /** Pre-built messages (dead letters, benchmarks); same guarantees as publish. */
  async sendRaw(
    topicMessages: ReadonlyArray<{ topic: string; messages: Message[] }>,
  ): Promise<RecordMetadata[]> {
    if (!this.connected) throw new KafkaError('KAFKA.NOT_CONNECTED', 'producer is not connected');
    if (topicMessages.length === 0) return [];
    try {
      return await this.producer.sendBatch({ topicMessages: [...topicMessages], acks: -1 });
    } catch (cause) {
      const topics = topicMessages.map((t) => t.topic);
      this.logger.error({ err: cause, topics }, 'publish failed');
      throw new KafkaError(
        'KAFKA.PUBLISH_FAILED',
        `publish to ${topics.join(', ')} failed: ${(cause as Error).message}`,
        { topics },
        { cause },
      );
    }
  }
}
