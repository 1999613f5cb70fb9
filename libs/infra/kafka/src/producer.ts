// Publishing messages. The producer is idempotent with one request in flight and waits for
// every in-sync replica (acks=-1), so a retried send neither duplicates nor reorders a
// message within a partition, and "sent" means durable (docs/decisions/0001). Retries are
// left unbounded on purpose: kafkajs warns that a cap can break the idempotence guarantee;
// a caller that must give up uses its own deadline. What a message looks like (key, value,
// headers) is the codec's business: this file knows no message format.
import {
  Partitioners,
  type ICustomPartitioner,
  type Kafka,
  type Message,
  type Producer,
  type RecordMetadata,
} from 'kafkajs';
import type { Logger } from '@atelier/observability';
import type { EnvelopeCodec } from './codec';
import { KafkaError } from './errors';

export interface OutgoingEnvelope<E> {
  readonly topic: string;
  readonly envelope: E;
}

export interface TopicMessages {
  readonly topic: string;
  readonly messages: Message[];
}

export interface ProducerOptions {
  /**
   * Upper bound of one produce request; a larger publish goes out as several requests, one
   * after the other, so order within a partition holds. Kafka's default message.max.bytes
   * is ~1 MB per record batch.
   */
  readonly maxRequestBytes?: number;
}

/** Per-message overhead counted against maxRequestBytes (record framing, headers). */
const MESSAGE_OVERHEAD_BYTES = 200;
const DEFAULT_MAX_REQUEST_BYTES = 900 * 1024;

/** The codec's wire form of one envelope as a kafkajs message. */
export function toKafkaMessage<E>(codec: EnvelopeCodec<E>, envelope: E): Message {
  const { key, value, headers } = codec.encode(envelope);
  return { key, value, headers: { ...headers } };
}

/**
 * Kafka's default (Java-compatible murmur2) partitioner, remembered per key and partition
 * count: for a keyed message it depends on nothing else, and producers send many messages
 * under few keys (every event of a stream, every fact of a token).
 */
export const cachedDefaultPartitioner: ICustomPartitioner = () => {
  const murmur = Partitioners.DefaultPartitioner();
  const cache = new Map<string, number>();
  return (args) => {
    const key = args.message.key;
    if (key === null || key === undefined) return murmur(args);
    const k = `${args.partitionMetadata.length}:${key.toString()}`;
    let partition = cache.get(k);
    if (partition === undefined) {
      partition = murmur(args);
      cache.set(k, partition);
    }
    return partition;
  };
};

/** Pre-built messages (dead letters, benchmarks), with the durability guarantees above. */
export class MessageProducer {
  private readonly producer: Producer;
  private connected = false;

  constructor(
    kafka: Kafka,
    protected readonly logger: Logger,
  ) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: cachedDefaultPartitioner,
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

  /** One produce request; resolves once every message is acknowledged by all in-sync replicas. */
  async sendRaw(topicMessages: readonly TopicMessages[]): Promise<RecordMetadata[]> {
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

/** Publishes envelopes of one format, encoded (and validated) by its codec. */
export class EnvelopeProducer<E> extends MessageProducer {
  private readonly maxRequestBytes: number;

  constructor(
    kafka: Kafka,
    private readonly codec: EnvelopeCodec<E>,
    logger: Logger,
    options: ProducerOptions = {},
  ) {
    super(kafka, logger);
    this.maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  }

  /**
   * Resolves once every message is acknowledged by all in-sync replicas; keeps the given
   * order per topic (and so per key). Encodes everything before sending anything: an
   * envelope the codec rejects fails the call with nothing published.
   */
  async publish(messages: readonly OutgoingEnvelope<E>[]): Promise<RecordMetadata[]> {
    const requests: Array<Map<string, Message[]>> = [];
    let request = new Map<string, Message[]>();
    let bytes = 0;
    for (const { topic, envelope } of messages) {
      const message = toKafkaMessage(this.codec, envelope);
      const size = (message.value as Buffer).length + MESSAGE_OVERHEAD_BYTES;
      if (bytes > 0 && bytes + size > this.maxRequestBytes) {
        requests.push(request);
        request = new Map();
        bytes = 0;
      }
      const list = request.get(topic) ?? [];
      list.push(message);
      request.set(topic, list);
      bytes += size;
    }
    if (request.size > 0) requests.push(request);
    const acked: RecordMetadata[] = [];
    for (const r of requests)
      acked.push(
        ...(await this.sendRaw([...r].map(([topic, msgs]) => ({ topic, messages: msgs })))),
      );
    return acked;
  }
}
