// Sends chain facts to Kafka through @atelier/kafka's transactional producer: each step's
// retractions, facts and progress record in one transaction (idempotent, one request in
// flight, acks=-1; docs/decisions/0001 and 0009), so a read_committed consumer sees a step
// whole or not at all, and a restarted relay fences the one it replaces (same transactionalId:
// one per relay schema and stream). Topics are created here, explicitly, with a fixed
// partition count (broker auto-creation is off): chain topics are kept forever
// (retention.ms=-1: analysts replay chain.* from offset 0); the progress topic is compacted,
// one record per stream survives.
import type { Logger } from 'pino';
import { CodedError } from '@atelier/kernel';
import {
  createKafka,
  ensureTopics,
  readLastCommitted,
  TransactionalProducer,
  type TopicSpec,
} from '@atelier/kafka';
import {
  CHAIN_CONTRACTS,
  chainFactCodec,
  chainTopic,
  type ChainFactEnvelope,
} from '@atelier/chain-messages';
import type { FactPublisher } from './relay';
import type { RelayProgress } from './store';

/** The progress record's format (the value of each record of the progress topic). */
export const RELAY_PROGRESS_SCHEMA = 'atelier.chain-relay-progress/v1';

export interface PublisherOptions {
  readonly brokers: readonly string[];
  readonly topicPrefix: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** The Ponder schema published: the progress record's key. */
  readonly stream: string;
  /** The relay's own schema: with the stream, names the transactionalId. */
  readonly relaySchema: string;
  readonly logger: Logger;
}

/** `<prefix>.relay-progress`: where each stream's committed progress lives. */
export const progressTopic = (prefix: string): string => `${prefix}.relay-progress`;

/** One per relay schema and stream: a restarted relay of the same stream fences the old one. */
export const relayTransactionalId = (relaySchema: string, stream: string): string =>
  `atelier-indexer-relay.${relaySchema}.${stream}`;

export class KafkaFactPublisher implements FactPublisher {
  private readonly kafka;
  private readonly producer: TransactionalProducer<ChainFactEnvelope>;
  private readonly topicByContract = new Map<string, string>();

  constructor(private readonly options: PublisherOptions) {
    this.kafka = createKafka({
      clientId: 'atelier-indexer-relay',
      brokers: options.brokers,
      logger: options.logger.child({ component: 'kafkajs' }),
    });
    this.producer = new TransactionalProducer(this.kafka, chainFactCodec, options.logger, {
      transactionalId: relayTransactionalId(options.relaySchema, options.stream),
    });
  }

  get progressTopic(): string {
    return progressTopic(this.options.topicPrefix);
  }

  /** Every chain topic, so consumers can subscribe before a contract's first fact. */
  topics(): string[] {
    return Object.keys(CHAIN_CONTRACTS).map((c) => chainTopic(c, this.options.topicPrefix));
  }

  /** Creates the topics, then connects and fences any earlier relay of this stream. */
  async connect(): Promise<void> {
    const { partitions, replicationFactor } = this.options;
    const specs: TopicSpec[] = [
      ...this.topics().map((topic) => ({
        topic,
        partitions,
        replicationFactor,
        config: { 'retention.ms': '-1' },
      })),
      {
        topic: this.progressTopic,
        partitions: 1,
        replicationFactor,
        // Only the last record per stream matters; hourly segments let the cleaner drop the rest.
        config: { 'cleanup.policy': 'compact', 'segment.ms': '3600000' },
      },
    ];
    await ensureTopics(this.kafka, specs, this.options.logger);
    await this.producer.connect();
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }

  async publish(messages: readonly ChainFactEnvelope[], progress: RelayProgress): Promise<void> {
    await this.producer.transaction((tx) => {
      for (const m of messages) tx.publish(this.topicOf(m.contract), m);
      tx.publishEncoded(this.progressTopic, {
        key: this.options.stream,
        value: Buffer.from(JSON.stringify({ schema: RELAY_PROGRESS_SCHEMA, ...progress })),
        headers: { 'atelier-envelope-schema': RELAY_PROGRESS_SCHEMA },
      });
    });
  }

  async committedProgress(): Promise<RelayProgress | undefined> {
    const record = await readLastCommitted(this.kafka, {
      topic: this.progressTopic,
      key: this.options.stream,
      groupIdPrefix: `${relayTransactionalId(this.options.relaySchema, this.options.stream)}.progress-reader`,
    });
    if (!record) return undefined;
    const { schema, ...progress } = JSON.parse(record.value.toString()) as RelayProgress & {
      schema: string;
    };
    if (schema !== RELAY_PROGRESS_SCHEMA)
      throw new RelayProgressError(
        'RELAY.PROGRESS_UNSUPPORTED',
        `progress record ${this.progressTopic}@${record.offset} has schema '${schema}', expected ${RELAY_PROGRESS_SCHEMA}`,
        { topic: this.progressTopic, offset: record.offset, schema },
      );
    return progress;
  }

  private topicOf(contract: string): string {
    let topic = this.topicByContract.get(contract);
    if (topic === undefined) {
      topic = chainTopic(contract, this.options.topicPrefix);
      this.topicByContract.set(contract, topic);
    }
    return topic;
  }
}

export class RelayProgressError extends CodedError<'RELAY.PROGRESS_UNSUPPORTED'> {
  override readonly name = 'RelayProgressError';
}
