// Sends chain facts to Kafka. The producer is idempotent with one request in flight and
// waits for all in-sync replicas (acks=-1, docs/decisions/0001), so a retried send neither
// duplicates nor reorders within a partition and "sent" means durable. Topics are created
// here, explicitly, with a fixed partition count (broker auto-creation is off), and kept
// forever (retention.ms=-1): analysts replay chain.* from offset 0.
import {
  Kafka,
  logLevel,
  Partitioners,
  type ICustomPartitioner,
  type LogEntry,
  type Message,
  type Producer,
} from 'kafkajs';
import type { Logger } from 'pino';
import {
  CHAIN_CONTRACTS,
  CHAIN_FACT_SCHEMA,
  CHAIN_HEADERS,
  chainContractSpec,
  chainTopic,
  encodeChainFact,
  partitionKey,
  type ChainFactEnvelope,
} from '@atelier/chain-messages';

/** Kafka's default message.max.bytes is ~1 MB per record batch; stay under it per request. */
const MAX_REQUEST_BYTES = 900 * 1024;

export interface PublisherOptions {
  readonly brokers: readonly string[];
  readonly topicPrefix: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly logger: Logger;
}

export function toKafkaMessage(envelope: ChainFactEnvelope): Message {
  const spec = chainContractSpec(envelope.contract);
  return {
    key: partitionKey(spec.key, envelope.address, envelope.args),
    value: encodeChainFact(envelope),
    // Few headers: each one is encoded per record, and the value says the rest (its schema is JSON).
    headers: {
      [CHAIN_HEADERS.eventId]: envelope.id,
      [CHAIN_HEADERS.eventType]: envelope.type,
      [CHAIN_HEADERS.kind]: envelope.kind,
      [CHAIN_HEADERS.schema]: CHAIN_FACT_SCHEMA,
    },
  };
}

/**
 * Kafka's default (Java-compatible murmur2) partitioner, remembered per key and partition
 * count: for a keyed message it depends on nothing else, and the relay sends many facts
 * under few keys (all of a token's on one).
 */
const cachedPartitioner: ICustomPartitioner = () => {
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

export class FactPublisher {
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private connected = false;

  constructor(private readonly options: PublisherOptions) {
    const kafkaLogger = options.logger.child({ component: 'kafkajs' });
    this.kafka = new Kafka({
      clientId: 'atelier-indexer-relay',
      brokers: [...options.brokers],
      connectionTimeout: 3000,
      requestTimeout: 30_000,
      logLevel: logLevel.WARN,
      logCreator:
        () =>
        ({ namespace, level, log }: LogEntry) => {
          const { message, timestamp: _t, ...extra } = log;
          if (level <= logLevel.ERROR) kafkaLogger.error({ namespace, ...extra }, message);
          else kafkaLogger.warn({ namespace, ...extra }, message);
        },
    });
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: cachedPartitioner,
    });
  }

  private readonly topicByContract = new Map<string, string>();
  private topicOf(contract: string): string {
    let topic = this.topicByContract.get(contract);
    if (topic === undefined) {
      topic = chainTopic(contract, this.options.topicPrefix);
      this.topicByContract.set(contract, topic);
    }
    return topic;
  }

  /** Every chain topic, so consumers can subscribe before a contract's first fact. */
  topics(): string[] {
    return Object.keys(CHAIN_CONTRACTS).map((c) => chainTopic(c, this.options.topicPrefix));
  }

  async connect(): Promise<void> {
    await this.ensureTopics();
    await this.producer.connect();
    this.connected = true;
  }

  async disconnect(): Promise<void> {
    this.connected = false;
    await this.producer.disconnect().catch(() => undefined);
  }

  /** Resolves once every envelope is acknowledged; keeps their order within each topic and key. */
  async send(envelopes: readonly ChainFactEnvelope[]): Promise<void> {
    if (!this.connected) throw new Error('the Kafka producer is not connected');
    let batch = new Map<string, Message[]>();
    let bytes = 0;
    const flush = async () => {
      if (batch.size === 0) return;
      const topicMessages = [...batch].map(([topic, messages]) => ({ topic, messages }));
      batch = new Map();
      bytes = 0;
      await this.producer.sendBatch({ topicMessages, acks: -1 });
    };
    for (const envelope of envelopes) {
      const message = toKafkaMessage(envelope);
      const size = (message.value as Buffer).length + 200;
      if (bytes + size > MAX_REQUEST_BYTES) await flush();
      const topic = this.topicOf(envelope.contract);
      const list = batch.get(topic) ?? [];
      list.push(message);
      batch.set(topic, list);
      bytes += size;
    }
    await flush();
  }

  private async ensureTopics(): Promise<void> {
    const wanted = this.topics();
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const known = new Set(await admin.listTopics());
      const missing = wanted.filter((t) => !known.has(t));
      if (missing.length > 0) {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((topic) => ({
            topic,
            numPartitions: this.options.partitions,
            replicationFactor: this.options.replicationFactor,
            configEntries: [{ name: 'retention.ms', value: '-1' }],
          })),
        });
        this.options.logger.info(
          { topics: missing, partitions: this.options.partitions },
          'created chain topics',
        );
      }
      // A different partition count would move keys to other partitions than their history.
      const { topics } = await admin.fetchTopicMetadata({ topics: wanted });
      for (const topic of wanted) {
        const actual = topics.find((t) => t.name === topic)?.partitions.length ?? 0;
        if (actual !== this.options.partitions) {
          throw new Error(
            `topic ${topic} has ${actual} partitions, RELAY_TOPIC_PARTITIONS is ${this.options.partitions}; ` +
              'changing the count moves keys to other partitions and needs a planned migration',
          );
        }
      }
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
