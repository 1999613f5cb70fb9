// Publishing exactly once: a Kafka transaction around a batch of envelopes (and whatever
// progress record the caller writes beside them), committed or aborted as one. Consumers that
// read with isolation read_committed (the kafkajs default, and this library's consumer's) see
// all of a transaction or none of it. A stable transactionalId per logical publisher makes a
// restarted process fence its predecessor: once connect() returns, a zombie of the same id can
// no longer commit, and its open transaction has been aborted. readLastCommitted() reads back
// the last committed record of a key, so a publisher resumes exactly after what Kafka holds
// instead of trusting a second store (docs/decisions/0009).
import { randomUUID } from 'node:crypto';
import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import { CodedError } from '@atelier/kernel';
import type { Logger } from '@atelier/observability';
import type { EncodedMessage, EnvelopeCodec } from './codec';
import { KafkaError } from './errors';
import { cachedDefaultPartitioner } from './producer';

export type TransactionErrorCode =
  /** Nothing of the transaction was committed (it failed before its commit was asked for). */
  | 'KAFKA.TRANSACTION_ABORTED'
  /** The commit request failed: the transaction may or may not be committed; read back. */
  | 'KAFKA.TRANSACTION_OUTCOME_UNKNOWN'
  /** Another producer with the same transactionalId took over: stop publishing. */
  | 'KAFKA.PRODUCER_FENCED'
  | 'KAFKA.PROGRESS_READ_FAILED';

export class TransactionError extends CodedError<TransactionErrorCode> {
  override readonly name = 'TransactionError';
}

export interface TransactionalProducerOptions {
  /** Stable per logical publisher (not per process): it is what fences a zombie. */
  readonly transactionalId: string;
  /** Upper bound of one produce request inside the transaction (Kafka's default limit is ~1 MB). */
  readonly maxRequestBytes?: number;
  /** The broker aborts a transaction left open longer than this (kafkajs default 60 s). */
  readonly transactionTimeoutMs?: number;
}

/** What a transaction's body may do: queue messages. Nothing leaves before the body returns. */
export interface Transaction<E> {
  /** Queues an envelope, encoded (and validated) by the codec now: a bad one fails the body. */
  publish(topic: string, envelope: E): void;
  /** Queues a message of another format in the same transaction (a progress record). */
  publishEncoded(topic: string, message: EncodedMessage): void;
}

const MESSAGE_OVERHEAD_BYTES = 200;
const DEFAULT_MAX_REQUEST_BYTES = 900 * 1024;
const FENCED = new Set(['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'TRANSACTIONAL_ID_NOT_FOUND']);

/** True if a kafkajs error (or one it wraps) says another producer owns the transactionalId. */
const isFenced = (e: unknown): boolean => {
  for (let c = e as { type?: string; cause?: unknown; originalError?: unknown } | undefined; c;) {
    if (typeof c.type === 'string' && FENCED.has(c.type)) return true;
    c = (c.originalError ?? c.cause) as typeof c;
  }
  return false;
};

const toKafka = ({ key, value, headers }: EncodedMessage): Message => ({
  key,
  value,
  headers: { ...headers },
});

export class TransactionalProducer<E> {
  private producer: Producer | undefined;
  /** After a failed transaction kafkajs' transaction state is unreliable: start a new producer. */
  private broken = false;
  private readonly maxRequestBytes: number;

  constructor(
    private readonly kafka: Kafka,
    private readonly codec: EnvelopeCodec<E>,
    private readonly logger: Logger,
    private readonly options: TransactionalProducerOptions,
  ) {
    this.maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  }

  get transactionalId(): string {
    return this.options.transactionalId;
  }

  /**
   * Connects and fences: registers the transactionalId with its coordinator (InitProducerId),
   * which bumps the epoch, so an older producer of the same id can no longer write or commit,
   * and completes (aborts) any transaction it left open. Only then is a read of the last
   * committed progress final.
   */
  async connect(): Promise<void> {
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      transactionalId: this.options.transactionalId,
      ...(this.options.transactionTimeoutMs === undefined
        ? {}
        : { transactionTimeout: this.options.transactionTimeoutMs }),
      createPartitioner: cachedDefaultPartitioner,
    });
    await producer.connect();
    try {
      // kafkajs registers the transactionalId lazily, at the first transaction: do it now.
      const txn = await producer.transaction();
      await txn.abort(); // empty: no request, the producer is just ready
    } catch (cause) {
      await producer.disconnect().catch(() => undefined);
      throw cause;
    }
    this.producer = producer;
    this.broken = false;
  }

  async disconnect(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }

  /**
   * Runs `body`, then sends everything it queued, in order (per topic, and so per key), and
   * commits. Resolves with the body's result once committed. Throws TransactionError:
   * TRANSACTION_ABORTED (nothing is visible to read_committed consumers),
   * TRANSACTION_OUTCOME_UNKNOWN (read back before going on), or PRODUCER_FENCED (stop). A body
   * that throws, or queues nothing, sends nothing.
   */
  async transaction<T>(body: (tx: Transaction<E>) => T | Promise<T>): Promise<T> {
    const queued: { topic: string; message: Message; bytes: number }[] = [];
    const tx: Transaction<E> = {
      publish: (topic, envelope) => tx.publishEncoded(topic, this.codec.encode(envelope)),
      publishEncoded: (topic, message) =>
        queued.push({
          topic,
          message: toKafka(message),
          bytes: message.value.length + MESSAGE_OVERHEAD_BYTES,
        }),
    };
    const result = await body(tx);
    if (queued.length === 0) return result;

    if (this.broken) {
      await this.disconnect();
      await this.connect();
    }
    const producer = this.producer;
    if (!producer) throw new KafkaError('KAFKA.NOT_CONNECTED', 'producer is not connected');

    const txn = await producer.transaction().catch((cause: unknown) => {
      this.broken = true;
      throw this.failure('KAFKA.TRANSACTION_ABORTED', 'could not begin the transaction', cause);
    });
    try {
      for (const request of this.requests(queued))
        await txn.sendBatch({ topicMessages: request, acks: -1 });
    } catch (cause) {
      this.broken = true;
      // Best effort: if the abort is lost too, the coordinator aborts the transaction when it
      // times out, or when the next producer of this id fences this one. Its commit was never
      // asked for, so it can never become visible.
      await txn.abort().catch(() => undefined);
      throw this.failure('KAFKA.TRANSACTION_ABORTED', 'publish failed; transaction aborted', cause);
    }
    try {
      await txn.commit();
    } catch (cause) {
      this.broken = true;
      throw this.failure(
        'KAFKA.TRANSACTION_OUTCOME_UNKNOWN',
        'commit failed; the transaction may or may not be committed',
        cause,
      );
    }
    return result;
  }

  /** Splits the queue into produce requests under maxRequestBytes, keeping the queue's order. */
  private *requests(
    queued: readonly { topic: string; message: Message; bytes: number }[],
  ): Generator<{ topic: string; messages: Message[] }[]> {
    let request = new Map<string, Message[]>();
    let bytes = 0;
    for (const q of queued) {
      if (bytes > 0 && bytes + q.bytes > this.maxRequestBytes) {
        yield [...request].map(([topic, messages]) => ({ topic, messages }));
        request = new Map();
        bytes = 0;
      }
      const list = request.get(q.topic) ?? [];
      list.push(q.message);
      request.set(q.topic, list);
      bytes += q.bytes;
    }
    if (request.size > 0) yield [...request].map(([topic, messages]) => ({ topic, messages }));
  }

  private failure(code: TransactionErrorCode, message: string, cause: unknown): TransactionError {
    const fenced = isFenced(cause);
    const error = new TransactionError(
      fenced ? 'KAFKA.PRODUCER_FENCED' : code,
      `${fenced ? 'another producer took over this transactionalId' : message}: ${(cause as Error).message}`,
      { transactionalId: this.options.transactionalId },
      { cause },
    );
    this.logger.error({ err: cause, code: error.code }, error.message);
    return error;
  }
}

/** One record as read back from Kafka. */
export interface CommittedRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: string;
  readonly value: Buffer;
}

export interface ReadLastCommittedOptions {
  readonly topic: string;
  readonly key: string;
  /** Consumer group prefix of the short-lived reader (a fresh group per read). */
  readonly groupIdPrefix?: string;
  readonly timeoutMs?: number;
}

/**
 * The last committed record with `key` on its partition, or undefined if there is none. Reads
 * read_committed from the partition's end backwards in growing windows, so a compacted
 * progress topic costs a few records per read however long it is. Call it after the writer of
 * that key has fenced (TransactionalProducer.connect), so no transaction of its is still open.
 */
export async function readLastCommitted(
  kafka: Kafka,
  options: ReadLastCommittedOptions,
): Promise<CommittedRecord | undefined> {
  const { topic, key } = options;
  const admin = kafka.admin();
  await admin.connect();
  let offsets: { partition: number; high: string; low: string }[];
  try {
    offsets = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  // The producer's partitioner (Java-compatible murmur2) depends only on the key and the count.
  const partition = Partitioners.DefaultPartitioner()({
    topic,
    partitionMetadata: offsets.map((o) => ({
      partitionId: o.partition,
      leader: 0,
      replicas: [],
      isr: [],
      partitionErrorCode: 0,
    })),
    message: { key, value: null },
  });
  const at = offsets.find((o) => o.partition === partition)!;
  const high = Number(at.high);
  const low = Number(at.low);
  for (let back = 64; ; back *= 64) {
    const from = Math.max(low, high - back);
    if (from >= high) return undefined;
    const found = await readRange(kafka, options, partition, from, high);
    if (found || from === low) return found;
  }
}

/** The last record with the key in [from, high) of one partition, read_committed. */
async function readRange(
  kafka: Kafka,
  options: ReadLastCommittedOptions,
  partition: number,
  from: number,
  high: number,
): Promise<CommittedRecord | undefined> {
  const { topic, key } = options;
  const consumer = kafka.consumer({
    groupId: `${options.groupIdPrefix ?? 'atelier-read-last'}.${randomUUID()}`,
    readUncommitted: false,
    maxWaitTimeInMs: 100,
    allowAutoTopicCreation: false,
  });
  let found: CommittedRecord | undefined;
  let position = from;
  let reached: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (reached = resolve));
  // Control records (transaction markers) and aborted records take offsets but are never handed
  // to eachBatch; the batch events still report how far the fetch got.
  const advance = (t: string, p: number, lastOffset: string | null | undefined) => {
    if (t !== topic || p !== partition || lastOffset === null || lastOffset === undefined) return;
    position = Math.max(position, Number(lastOffset) + 1);
    if (position >= high) reached();
  };
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) =>
    advance(payload.topic, payload.partition, payload.lastOffset),
  );
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (batch.partition !== partition) return;
        for (const m of batch.messages) {
          if (Number(m.offset) < high && m.key?.toString() === key && m.value)
            found = { partition, offset: m.offset, key, value: m.value };
        }
        advance(batch.topic, batch.partition, batch.lastOffset());
      },
    });
    consumer.seek({ topic, partition, offset: String(from) });
    const timeoutMs = options.timeoutMs ?? 30_000;
    await Promise.race([
      done,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new TransactionError(
                'KAFKA.PROGRESS_READ_FAILED',
                `reading ${topic}[${partition}] up to offset ${high} took over ${timeoutMs} ms (at ${position})`,
                { topic, partition, high, position },
              ),
            ),
          timeoutMs,
        );
      }),
    ]);
    return found;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
  }
}
