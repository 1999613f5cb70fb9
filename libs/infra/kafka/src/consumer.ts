// Consuming envelopes in a consumer group without the three ways it usually goes wrong:
// - a slow handler loses the group membership: kafkajs only heartbeats between messages, so
//   a handler slower than the session timeout gets its partitions taken away and its work
//   redelivered. Here a keeper heartbeats on a timer for as long as a batch is in progress.
// - one poison message blocks a partition forever: an invalid envelope goes straight to the
//   group's dead-letter topic, a handler failure after N attempts too, each with the reason
//   and the original topic/partition/offset in headers; the partition goes on. What is
//   invalid is the codec's call (`isPoison`): this file knows no message format.
// - shutdown drops or repeats work: stop() lets the in-flight item (a message, or a chunk in
//   chunk mode) finish, commits what was handled, leaves the group, then disconnects.
import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '@atelier/observability';
import type { EnvelopeCodec } from './codec';
import {
  DEAD_LETTER_HEADERS,
  HANDLER_FAILED,
  deadLetterTopic,
  type DeadLetterReasonCode,
} from './dead-letter';
import { KafkaError } from './errors';
import { MessageProducer } from './producer';
import { ensureTopics, type TopicSpec } from './topics';

/** A consumed message whose value the codec decoded into an envelope. */
export interface Delivery<E> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly headers: IHeaders;
  readonly envelope: E;
  readonly message: KafkaMessage;
}

export interface DeadLetterReason {
  readonly code: DeadLetterReasonCode;
  readonly error: string;
  readonly attempts: number;
}

export interface ConsumerContext {
  /** Sends a heartbeat now if one is due (the keeper also does so on a timer). */
  heartbeat(): Promise<void>;
  /** False once stop() was called or the group is rebalancing: finish the current item and return. */
  isActive(): boolean;
  /** Copies a message to the dead-letter topic with the reason in its headers; resolves once acked. */
  deadLetter(delivery: DeliveryOrigin, reason: DeadLetterReason): Promise<void>;
}

/** Where a message came from: enough to dead-letter it, decoded or not. */
export type DeliveryOrigin = Pick<Delivery<unknown>, 'topic' | 'partition' | 'offset' | 'message'>;

export type MessageHandler<E> = (delivery: Delivery<E>, ctx: ConsumerContext) => Promise<void>;
/**
 * Handles a chunk of consecutive messages of one partition. The handler owns retries and
 * dead-lettering of its failures (through ctx); throwing makes the consumer restart from the
 * last committed offset, so the chunk is redelivered.
 */
export type ChunkHandler<E> = (
  deliveries: readonly Delivery<E>[],
  ctx: ConsumerContext,
) => Promise<void>;

export type EnvelopeHandler<E> =
  { readonly eachMessage: MessageHandler<E> } | { readonly eachChunk: ChunkHandler<E> };

export interface EnvelopeConsumerOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where a new group starts (default: the beginning, so nothing published before it is missed). */
  readonly fromBeginning?: boolean;
  /** The broker drops the member after this long without a heartbeat (broker minimum: 6000). */
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly rebalanceTimeoutMs?: number;
  /** Handler attempts per message before it is dead-lettered (eachMessage mode). */
  readonly maxAttempts?: number;
  /** First retry delay; doubles per attempt, capped at 5 s. */
  readonly retryBackoffMs?: number;
  /** Messages handled between offset commits (and per call in eachChunk mode). */
  readonly chunkSize?: number;
  readonly deadLetterTopic?: string;
  readonly deadLetterPartitions?: number;
  readonly replicationFactor?: number;
  /** Topics to create (idempotently) before subscribing, e.g. the source topics with their partition count. */
  readonly ensureTopics?: readonly TopicSpec[];
  readonly maxBytesPerPartition?: number;
  /** Bytes of one fetch over all partitions (default 10 MiB, kafkajs's own default). */
  readonly maxBytes?: number;
  /**
   * Partitions handled at once (default 1: one after another). Chunks of different partitions
   * then run concurrently, each still in its partition's order: only for a handler whose work on
   * one partition never waits on, or races with, its work on another (disjoint rows).
   */
  readonly partitionsConsumedConcurrently?: number;
  /** Longest a fetch waits on the broker for new data; also bounds how long stop() waits for an idle fetch. */
  readonly maxWaitTimeMs?: number;
  /** After a crash kafkajs restarts from, how long to wait for a new group join (default 90 s). */
  readonly rejoinTimeoutMs?: number;
  /**
   * Chunk mode only: fetch while chunks are handled (default false). kafkajs fetches the next
   * batch only once every batch of the last fetch is handled, so a partition's chunks and its
   * fetches took turns. Pipelined, a fetched batch joins its partition's queue and kafkajs fetches
   * the next at once, while the partition's chunks are handled one after another from the queue:
   * chunkSize messages, over as many batches as that takes, while the partition is behind (more
   * to fetch), else what is queued (see EnvelopeConsumer.fill); a queue holding chunkSize
   * messages (the next chunk, while one is handled) holds kafkajs back. Offsets are committed
   * after each chunk is handled (the committed offset still trails the handled ones). A chunk
   * whose handler throws is fetched again from its first offset (seek), after retryBackoffMs,
   * doubling while it keeps failing (up to 5 s). On a rebalance the queues are dropped (the
   * partitions are fetched again from their committed offsets) and a chunk under way is
   * finished: for a handler that, like a projection, skips what it has already handled, under a
   * lock shared with whoever takes the partition over.
   */
  readonly pipelined?: boolean;
  /**
   * Pipelined only: how long a partial chunk of a partition that is behind waits for more before
   * it is handled as it is (default FILL_WAIT_MS; see EnvelopeConsumer.fill).
   */
  readonly fillWaitMs?: number;
}

/** A partition's fetched messages waiting to be handled (pipelined chunk mode). */
interface Lane {
  readonly topic: string;
  readonly partition: number;
  queue: KafkaMessage[];
  /** The loop handling the queue, while one runs. */
  draining: Promise<void> | undefined;
  /** eachBatch calls waiting for the queue to have room. */
  waiters: Array<() => void>;
  /** The last offset commit, so that commits of one partition go in order. */
  committing: Promise<void>;
  /**
   * Where to go on once a queued message is handled: the offset after its batch (past control
   * records ending the batch, or making up a later batch of their own), in queue order.
   */
  marks: Array<{ readonly after: bigint; readonly next: bigint }>;
  /** Chunks that failed in a row: the retry backs off as retryBackoffMs says. */
  failures: number;
  /**
   * Whether the partition had more to fetch past the latest batch (its offset lag, from the
   * high watermark the broker gave with it): a chunk then waits to be full (see fill).
   */
  behind: boolean;
  /** The timer that drains a partial chunk waiting for more, should more not come (fillWaitMs). */
  fillTimer: NodeJS.Timeout | undefined;
}

/** A partition's progress: every message before `next` is handled (pipelined chunk mode). */
export interface ConsumerProgress {
  readonly topic: string;
  readonly partition: number;
  readonly next: bigint;
}

/**
 * Pipelined chunk mode: how long a partial chunk of a partition that is behind waits for the next
 * fetch before it is handled as it is (see EnvelopeConsumer.fill).
 */
export const FILL_WAIT_MS = 100;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const truncate = (s: string, n = 1000) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** Heartbeats on a timer while a batch is being handled; remembers a failure (rebalance, expired session). */
class HeartbeatKeeper {
  private timer: NodeJS.Timeout | undefined;
  failure: Error | undefined;

  constructor(
    private readonly beat: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.now(), this.intervalMs);
  }

  async now(): Promise<void> {
    if (this.failure) return;
    try {
      await this.beat();
    } catch (e) {
      this.failure = e as Error;
      this.logger.warn(
        { err: e },
        'heartbeat failed; finishing the current item and giving the partition back',
      );
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

export class EnvelopeConsumer<E> {
  private readonly consumer: Consumer;
  private readonly deadLetters: MessageProducer;
  private readonly dlqTopic: string;
  private readonly opts: Required<
    Omit<EnvelopeConsumerOptions, 'ensureTopics' | 'deadLetterTopic' | 'rejoinTimeoutMs'>
  >;
  private readonly lanes = new Map<string, Lane>();
  /** Pipelined chunk mode: the handler of start(), which every lane's chunks go to. */
  private chunkHandler: { readonly eachChunk: ChunkHandler<E> } | undefined;
  /** The runner's heartbeat, taken from the latest batch (pipelined chunks heartbeat with it). */
  private beat: (() => Promise<void>) | undefined;
  private readonly progressListeners: ((progress: ConsumerProgress) => void)[] = [];
  private running = false;
  private stopping: Promise<void> | undefined;
  private readonly failureListeners: ((error: Error) => void)[] = [];
  private rejoinWatch: NodeJS.Timeout | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly codec: EnvelopeCodec<E>,
    private readonly options: EnvelopeConsumerOptions,
    private readonly logger: Logger,
  ) {
    this.opts = {
      groupId: options.groupId,
      topics: options.topics,
      fromBeginning: options.fromBeginning ?? true,
      sessionTimeoutMs: options.sessionTimeoutMs ?? 30_000,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 3000,
      rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 60_000,
      maxAttempts: options.maxAttempts ?? 5,
      retryBackoffMs: options.retryBackoffMs ?? 200,
      chunkSize: options.chunkSize ?? 200,
      deadLetterPartitions: options.deadLetterPartitions ?? 1,
      replicationFactor: options.replicationFactor ?? 1,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
      maxBytes: options.maxBytes ?? 10_485_760,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
      maxWaitTimeMs: options.maxWaitTimeMs ?? 1000,
      pipelined: options.pipelined ?? false,
      fillWaitMs: options.fillWaitMs ?? FILL_WAIT_MS,
    };
    this.dlqTopic = options.deadLetterTopic ?? deadLetterTopic(options.groupId);
    this.consumer = kafka.consumer({
      groupId: this.opts.groupId,
      sessionTimeout: this.opts.sessionTimeoutMs,
      heartbeatInterval: this.opts.heartbeatIntervalMs,
      rebalanceTimeout: this.opts.rebalanceTimeoutMs,
      maxBytesPerPartition: this.opts.maxBytesPerPartition,
      maxBytes: this.opts.maxBytes,
      maxWaitTimeInMs: this.opts.maxWaitTimeMs,
      allowAutoTopicCreation: false,
    });
    this.deadLetters = new MessageProducer(kafka, logger);
    this.logger = logger.child({ component: 'consumer', groupId: this.opts.groupId });
    this.watchCrashes(options.rejoinTimeoutMs ?? 90_000);
    // A batch of control records only (a transaction's commit marker) never reaches eachBatch:
    // kafkajs resolves it itself. Pipelined, the partition is done through it once the messages
    // queued before it are; and when it ends the partition, what is queued is a chunk (fill).
    if (this.opts.pipelined)
      this.consumer.on(this.consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        if (payload.batchSize !== 0) return;
        const lane = this.lanes.get(`${payload.topic}|${payload.partition}`);
        const next = BigInt(payload.lastOffset) + 1n;
        const last = lane?.queue[lane.queue.length - 1];
        if (lane && (last || lane.draining))
          lane.marks.push({ after: last ? BigInt(last.offset) : -1n, next });
        else this.progress(lane, payload.topic, payload.partition, next, false);
        if (lane) {
          lane.behind = payload.offsetLag !== '0';
          this.fill(lane);
        }
      });
  }

  get deadLetterTopic(): string {
    return this.dlqTopic;
  }

  /** kafkajs instrumentation events (GROUP_JOIN, HEARTBEAT, CRASH, …), for metrics and tests. */
  get events(): Consumer['events'] {
    return this.consumer.events;
  }

  on: Consumer['on'] = (...args) => this.consumer.on(...args);

  /**
   * `listener` hears when this consumer has stopped consuming for good without stop(): kafkajs
   * crashed it and does not restart it (a non-retriable error), or restarts it but it has not
   * joined its group again within `rejoinTimeoutMs` (seen after a broker restart during a join:
   * no error, no member, nothing consumed, for minutes). Whoever supervises it stops it and
   * starts it again; without that the consumer looked alive and consumed nothing.
   */
  onFailure(listener: (error: Error) => void): void {
    this.failureListeners.push(listener);
  }

  /**
   * Pipelined chunk mode: `listener` hears, after each chunk is handled (and after a batch of
   * control records only, once everything before it is), up to which offset a partition is done.
   * kafkajs's END_BATCH_PROCESS tells when a batch is queued, not handled.
   */
  onProgress(listener: (progress: ConsumerProgress) => void): void {
    this.progressListeners.push(listener);
  }

  private watchCrashes(rejoinTimeoutMs: number): void {
    const { CRASH, GROUP_JOIN } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, () => {
      this.disarmRejoinWatch();
      // A new assignment: what was queued is fetched again from the committed offsets, by this
      // member or by the partition's new owner.
      for (const lane of this.lanes.values()) this.dropQueue(lane);
    });
    this.consumer.on(CRASH, ({ payload }) => {
      if (this.stopping || !this.running) return;
      if (!payload.restart) {
        this.fail(
          new KafkaError(
            'KAFKA.CONSUMER_CRASHED',
            `consumer ${this.opts.groupId} crashed and kafkajs does not restart it: ${payload.error.message}`,
            { groupId: this.opts.groupId },
            { cause: payload.error },
          ),
        );
        return;
      }
      this.rejoinWatch ??= setTimeout(() => {
        this.rejoinWatch = undefined;
        if (this.stopping || !this.running) return;
        this.fail(
          new KafkaError(
            'KAFKA.REJOIN_TIMEOUT',
            `consumer ${this.opts.groupId} crashed (${payload.error.message}) and has not joined its group again within ${rejoinTimeoutMs} ms`,
            { groupId: this.opts.groupId, rejoinTimeoutMs },
            { cause: payload.error },
          ),
        );
      }, rejoinTimeoutMs);
    });
  }

  private disarmRejoinWatch(): void {
    if (this.rejoinWatch) clearTimeout(this.rejoinWatch);
    this.rejoinWatch = undefined;
  }

  private fail(error: KafkaError): void {
    this.logger.error({ err: error }, 'consumer stopped consuming');
    for (const listener of this.failureListeners) listener(error);
  }

  async start(handler: EnvelopeHandler<E>): Promise<void> {
    if (this.running)
      throw new KafkaError(
        'KAFKA.ALREADY_STARTED',
        `consumer ${this.opts.groupId} already started`,
        {
          groupId: this.opts.groupId,
        },
      );
    // A consumer stopped after a failed start can be started again (a supervisor restarts it).
    this.stopping = undefined;
    await ensureTopics(
      this.kafka,
      [
        ...(this.options.ensureTopics ?? []),
        {
          topic: this.dlqTopic,
          partitions: this.opts.deadLetterPartitions,
          replicationFactor: this.opts.replicationFactor,
        },
      ],
      this.logger,
    );
    await this.deadLetters.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: [...this.opts.topics],
      fromBeginning: this.opts.fromBeginning,
    });
    if (await this.stoppedWhileStarting()) return;
    this.running = true;
    const pipelined = this.opts.pipelined && 'eachChunk' in handler ? handler : undefined;
    this.chunkHandler = pipelined;
    await this.consumer.run({
      // Pipelined, an offset is resolved when its batch is queued (so that kafkajs fetches on),
      // and committed by the lane once handled: kafkajs must not commit what it resolved.
      autoCommit: !pipelined,
      partitionsConsumedConcurrently: this.opts.partitionsConsumedConcurrently,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => (pipelined ? this.enqueue(payload) : this.onBatch(payload, handler)),
    });
    // (Again: a stop() during run's own start may have disconnected before the runner was there.)
    if (await this.stoppedWhileStarting()) return;
    this.logger.info(
      { topics: this.opts.topics, deadLetterTopic: this.dlqTopic },
      'consumer started',
    );
  }

  /**
   * Whether stop() was called while start() was under way (a supervisor stops a consumer that has
   * not finished starting). That stop disconnected what was there then; what connected since is
   * disconnected here, and start() returns without running. Without this the consumer ran on after
   * its stop, unowned.
   */
  private async stoppedWhileStarting(): Promise<boolean> {
    const stopping = this.stopping;
    if (!stopping) return false;
    await stopping;
    await this.consumer.disconnect().catch(() => undefined);
    await this.deadLetters.disconnect().catch(() => undefined);
    return true;
  }

  /** Finishes the in-flight item, commits, leaves the group and disconnects. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.running = false;
      this.disarmRejoinWatch();
      // Pipelined: the chunk under way is finished and its offset committed, the rest dropped.
      for (const lane of this.lanes.values()) this.dropQueue(lane);
      await Promise.all(
        [...this.lanes.values()].map(async (lane) => {
          await lane.draining;
          await lane.committing;
        }),
      );
      await this.consumer
        .disconnect()
        .catch((e: unknown) => this.logger.warn({ err: e }, 'consumer disconnect failed'));
      await this.deadLetters.disconnect().catch(() => undefined);
      this.logger.info('consumer stopped');
    })();
    return this.stopping;
  }

  private async onBatch(payload: EachBatchPayload, handler: EnvelopeHandler<E>): Promise<void> {
    const {
      batch,
      resolveOffset,
      heartbeat,
      commitOffsetsIfNecessary,
      uncommittedOffsets,
      isRunning,
      isStale,
    } = payload;
    const keeper = this.keeper(heartbeat);
    const ctx: ConsumerContext = {
      heartbeat: () => keeper.now(),
      isActive: () => this.running && isRunning() && !isStale() && !keeper.failure,
      deadLetter: (d, reason) => this.deadLetter(d, reason),
    };
    keeper.start();
    try {
      const { messages } = batch;
      for (let i = 0; i < messages.length && ctx.isActive(); i += this.opts.chunkSize) {
        const chunk = messages.slice(i, i + this.opts.chunkSize);
        if ('eachMessage' in handler) {
          for (const message of chunk) {
            if (!ctx.isActive()) break;
            const done = await this.handleOne(
              batch.topic,
              batch.partition,
              message,
              handler.eachMessage,
              ctx,
            );
            if (!done) break;
            resolveOffset(message.offset);
          }
        } else {
          await this.handleChunk(batch.topic, batch.partition, chunk, handler, ctx);
          resolveOffset(chunk[chunk.length - 1]!.offset);
        }
        await commitOffsetsIfNecessary(uncommittedOffsets());
        await keeper.now();
      }
    } finally {
      keeper.stop();
    }
  }

  /** A heartbeat keeper at the consumer's interval (at least every 250 ms). */
  private keeper(beat: () => Promise<void>): HeartbeatKeeper {
    return new HeartbeatKeeper(
      beat,
      Math.max(250, Math.floor(this.opts.heartbeatIntervalMs)),
      this.logger,
    );
  }

  /**
   * Pipelined chunk mode: queues the batch on its partition's lane and resolves its offsets, so
   * that kafkajs fetches on; returns once the lane has room (heartbeating meanwhile).
   */
  private async enqueue(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isStale } = payload;
    this.beat = heartbeat;
    // A batch fetched before a seek (a failed chunk is fetched again) is dropped.
    if (!this.running || isStale() || batch.messages.length === 0) return;
    const key = `${batch.topic}|${batch.partition}`;
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = {
        topic: batch.topic,
        partition: batch.partition,
        queue: [],
        draining: undefined,
        waiters: [],
        committing: Promise.resolve(),
        marks: [],
        failures: 0,
        behind: false,
        fillTimer: undefined,
      };
      this.lanes.set(key, lane);
    }
    lane.behind = batch.offsetLag() !== '0';
    const lastMessage = batch.messages[batch.messages.length - 1]!;
    lane.queue = lane.queue.concat(batch.messages); // (spreading a large batch overflows the stack)
    lane.marks.push({
      after: BigInt(lastMessage.offset),
      next: BigInt(batch.lastOffset()) + 1n,
    });
    resolveOffset(lastMessage.offset);
    this.fill(lane);
    const full = () => this.running && lane.queue.length >= this.opts.chunkSize;
    if (!full()) return;
    const keeper = this.keeper(heartbeat);
    keeper.start();
    try {
      while (full()) await new Promise<void>((r) => lane.waiters.push(r));
    } finally {
      keeper.stop();
    }
  }

  /**
   * Starts handling a lane's queue when a chunk is ready: a full one (chunkSize messages), or
   * whatever is queued once the partition has nothing more to fetch (at its head a chunk is what
   * arrived). A partition behind gets its chunks full, where the fetches that fill them took turns
   * with small chunks before (the first chunk of a lane was the first fetch's ~2,000 messages):
   * fewer transactions, and fewer rows written twice. Should nothing more arrive for
   * FILL_WAIT_MS (a fetch held back, or a transaction still open past what was fetched), the
   * partial chunk is handled anyway.
   */
  private fill(lane: Lane): void {
    if (lane.fillTimer) clearTimeout(lane.fillTimer);
    lane.fillTimer = undefined;
    if (!this.running || lane.draining || lane.queue.length === 0) return;
    if (lane.queue.length >= this.opts.chunkSize || !lane.behind) this.startDrain(lane, false);
    else lane.fillTimer = setTimeout(() => this.startDrain(lane, true), this.opts.fillWaitMs);
  }

  private startDrain(lane: Lane, partial: boolean): void {
    if (lane.fillTimer) clearTimeout(lane.fillTimer);
    lane.fillTimer = undefined;
    const handler = this.chunkHandler;
    if (!handler) return;
    lane.draining ??= this.drain(lane, handler, partial).finally(() => {
      lane.draining = undefined;
      this.fill(lane);
    });
  }

  /**
   * Handles a lane's queue, a chunk at a time, while a chunk is ready (fill); the first one
   * whatever is queued when `partial`.
   */
  private async drain(
    lane: Lane,
    handler: { readonly eachChunk: ChunkHandler<E> },
    partial: boolean,
  ) {
    const keeper = this.keeper(() => this.beat?.() ?? Promise.resolve());
    const ctx: ConsumerContext = {
      heartbeat: () => keeper.now(),
      isActive: () => this.running && !keeper.failure,
      deadLetter: (d, reason) => this.deadLetter(d, reason),
    };
    keeper.start();
    try {
      for (let first = true; this.running && lane.queue.length > 0; first = false) {
        if (lane.behind && lane.queue.length < this.opts.chunkSize && !(first && partial)) break;
        const chunk = lane.queue.splice(0, this.opts.chunkSize);
        this.wake(lane);
        try {
          await this.handleChunk(lane.topic, lane.partition, chunk, handler, ctx);
        } catch (e) {
          // As kafkajs does when a handler throws: the chunk is fetched again from its start.
          // What is queued goes, and batches of fetches already under way arrive stale (the seek
          // is pending) and are dropped, so the next queued message is the chunk's first again.
          const from = chunk[0]!.offset;
          this.logger.warn(
            {
              err: e,
              topic: lane.topic,
              partition: lane.partition,
              offset: from,
              failures: lane.failures + 1,
            },
            'chunk failed; fetching it again',
          );
          this.dropQueue(lane);
          if (this.running)
            this.consumer.seek({ topic: lane.topic, partition: lane.partition, offset: from });
          lane.failures++;
          await sleep(Math.min(5000, this.opts.retryBackoffMs * 2 ** (lane.failures - 1)));
          continue;
        }
        lane.failures = 0;
        const last = BigInt(chunk[chunk.length - 1]!.offset);
        let next = last + 1n;
        while (lane.marks.length > 0 && lane.marks[0]!.after <= last) {
          const mark = lane.marks.shift()!;
          if (mark.next > next) next = mark.next;
        }
        this.progress(lane, lane.topic, lane.partition, next, true);
      }
    } finally {
      keeper.stop();
    }
  }

  /** Commits a partition's offset; a failure (a rebalance under way) only delays the hint. */
  private async commit(lane: Lane, next: bigint): Promise<void> {
    const offset = next.toString();
    try {
      await this.consumer.commitOffsets([{ topic: lane.topic, partition: lane.partition, offset }]);
    } catch (e) {
      this.logger.debug(
        { err: e, topic: lane.topic, partition: lane.partition, offset },
        'offset commit failed; a later one will carry it',
      );
    }
  }

  /** Commits a partition's offset (when `commit`) and tells the progress listeners. */
  private progress(
    lane: Lane | undefined,
    topic: string,
    partition: number,
    next: bigint,
    commit: boolean,
  ): void {
    if (lane && commit) lane.committing = lane.committing.then(() => this.commit(lane, next));
    for (const listener of this.progressListeners) listener({ topic, partition, next });
  }

  private dropQueue(lane: Lane): void {
    if (lane.fillTimer) clearTimeout(lane.fillTimer);
    lane.fillTimer = undefined;
    lane.queue = [];
    lane.marks = [];
    this.wake(lane);
  }

  private wake(lane: Lane): void {
    const waiters = lane.waiters.splice(0);
    for (const w of waiters) w();
  }

  /** Decodes a chunk (dead-lettering what is no envelope) and hands the rest to the handler. */
  private async handleChunk(
    topic: string,
    partition: number,
    chunk: readonly KafkaMessage[],
    handler: { readonly eachChunk: ChunkHandler<E> },
    ctx: ConsumerContext,
  ): Promise<void> {
    const deliveries: Delivery<E>[] = [];
    for (const message of chunk) {
      const delivery = await this.decodeOrDeadLetter(topic, partition, message, ctx);
      if (delivery) deliveries.push(delivery);
    }
    if (deliveries.length > 0) await handler.eachChunk(deliveries, ctx);
  }

  private async decodeOrDeadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    ctx: ConsumerContext,
  ): Promise<Delivery<E> | undefined> {
    try {
      const envelope = this.codec.decode(message.value);
      return {
        topic,
        partition,
        offset: message.offset,
        key: message.key?.toString('utf8') ?? null,
        headers: message.headers ?? {},
        envelope,
        message,
      };
    } catch (e) {
      if (!this.codec.isPoison(e)) throw e;
      await ctx.deadLetter(
        { topic, partition, offset: message.offset, message },
        { code: e.code, error: e.message, attempts: 0 },
      );
      return undefined;
    }
  }

  /** true when the message is done with (handled or dead-lettered); false when stopping cut it short. */
  private async handleOne(
    topic: string,
    partition: number,
    message: KafkaMessage,
    handle: MessageHandler<E>,
    ctx: ConsumerContext,
  ): Promise<boolean> {
    const delivery = await this.decodeOrDeadLetter(topic, partition, message, ctx);
    if (!delivery) return true;
    for (let attempt = 1; ; attempt++) {
      try {
        await handle(delivery, ctx);
        return true;
      } catch (e) {
        const error = e as Error;
        if (attempt >= this.opts.maxAttempts) {
          await ctx.deadLetter(delivery, {
            code: HANDLER_FAILED,
            error: `${error.name}: ${error.message}`,
            attempts: attempt,
          });
          return true;
        }
        const delay = Math.min(5000, this.opts.retryBackoffMs * 2 ** (attempt - 1));
        this.logger.warn(
          {
            err: error,
            topic,
            partition,
            offset: message.offset,
            eventId: this.codec.id(delivery.envelope),
            attempt,
            retryInMs: delay,
          },
          'handler failed; retrying',
        );
        await sleep(delay);
        if (!ctx.isActive()) return false; // not resolved: the next owner retries it
      }
    }
  }

  private async deadLetter(d: DeliveryOrigin, reason: DeadLetterReason): Promise<void> {
    const headers: IHeaders = {
      ...(d.message.headers ?? {}),
      [DEAD_LETTER_HEADERS.errorCode]: reason.code,
      [DEAD_LETTER_HEADERS.error]: truncate(reason.error),
      [DEAD_LETTER_HEADERS.originalTopic]: d.topic,
      [DEAD_LETTER_HEADERS.originalPartition]: String(d.partition),
      [DEAD_LETTER_HEADERS.originalOffset]: d.offset,
      [DEAD_LETTER_HEADERS.group]: this.opts.groupId,
      [DEAD_LETTER_HEADERS.attempts]: String(reason.attempts),
      [DEAD_LETTER_HEADERS.failedAt]: new Date().toISOString(),
    };
    try {
      await this.deadLetters.sendRaw([
        {
          topic: this.dlqTopic,
          messages: [{ key: d.message.key, value: d.message.value, headers }],
        },
      ]);
    } catch (cause) {
      throw new KafkaError(
        'KAFKA.DEAD_LETTER_FAILED',
        `could not dead-letter ${d.topic}/${d.partition}@${d.offset}`,
        { ...reason },
        { cause },
      );
    }
    this.logger.error(
      {
        topic: d.topic,
        partition: d.partition,
        offset: d.offset,
        code: reason.code,
        error: reason.error,
        attempts: reason.attempts,
        deadLetterTopic: this.dlqTopic,
      },
      'message dead-lettered',
    );
  }
}
