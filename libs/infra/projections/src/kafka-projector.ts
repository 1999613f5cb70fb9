// Runs one projection from Kafka topics in a consumer group, decoding with the codec of the
// projection's format (market events, chain facts alike). Each chunk of a partition is
// applied in one transaction together with its checkpoint; Kafka's committed offset is only
// a hint of where to fetch next (it trails the database, never leads it). A chunk that
// fails is retried one event at a time so that one bad event cannot hold back the others:
// it is dead-lettered after N attempts and the partition goes on. A projection with
// applyBatch gets the chunk as one batch (see ProjectionStore.apply); the one-by-one retry
// uses its apply, so a bad event is still found and dead-lettered alone. A database outage is not
// a bad event: it is retried until the database answers, never dead-lettered.
import type { Kafka } from 'kafkajs';
import {
  EnvelopeConsumer,
  HANDLER_FAILED,
  type ConsumerContext,
  type Delivery,
  type EnvelopeConsumerOptions,
} from '@atelier/kafka';
import type { Logger } from '@atelier/observability';
import { assertProjectionName, ProjectionError, type Projection } from './projection';
import {
  ProjectionStore,
  type ApplyResult,
  type ProjectionItem,
  type SourceRef,
} from './projection-store';

export interface KafkaProjectorOptions extends Partial<Omit<EnvelopeConsumerOptions, 'topics'>> {
  readonly topics: readonly string[];
  /** Consumer group; default projection.<name>. */
  readonly groupId?: string;
}

export interface ProjectorStats {
  applied: number;
  duplicates: number;
  redelivered: number;
  deadLettered: number;
  gaps: number;
}

/**
 * Default chunk (and transaction) size of a projection with applyBatch: at the head of a topic a
 * chunk is what arrived meanwhile, far less; catching up, chunks are full (the consumer waits for
 * a chunk's worth while a partition is behind), and a larger chunk writes a row changed by several
 * of its events once. Market-orders from offset 0 (bench:projections' 80,462 events over 3
 * partitions), rounds alternated in one process: 3.7-4.5 s at 20,000 and 3.4-4.4 s at 30,000
 * against 5.0-5.3 s at 5,000 (PostgreSQL's CPU 2.0-2.9 s against 3.3-4.1 s). A partition catching
 * up holds two chunks of messages (one handled, the next queued: ~20 MB each of market events),
 * the one handled also decoded (~50-100 MB, as a replay's batch).
 */
export const BATCH_CHUNK_SIZE = 20_000;

/**
 * A partition's share of a fetch for a projection with applyBatch, which consumes pipelined
 * (EnvelopeConsumerOptions.pipelined): kafkajs fetches while chunks are written, and a chunk takes
 * what a few fetches brought. kafkajs reads and decodes a whole fetch before it hands over any of
 * it: 30,000 messages of ~900 bytes over 3 partitions took 0.36 s to consume at 2 MiB a
 * partition, 0.43 s at 1 or 4 MiB and 0.63 s at 8 MiB, whose first fetch alone took 0.56 s.
 */
export const PIPELINED_FETCH_BYTES = 2 * 1_048_576;

/** Partitions applied at once for a projection whose partitions are independent. */
export const CONCURRENT_PARTITIONS = 3;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const describe = (e: ProjectionError): string => {
  const cause = e.cause instanceof Error ? e.cause : undefined;
  return cause ? `${cause.name}: ${cause.message}` : e.message;
};

export class KafkaProjector<E> {
  private readonly consumer: EnvelopeConsumer<E>;
  private readonly logger: Logger;
  private readonly maxAttempts: number;
  private readonly retryBackoffMs: number;
  readonly stats: ProjectorStats = {
    applied: 0,
    duplicates: 0,
    redelivered: 0,
    deadLettered: 0,
    gaps: 0,
  };

  constructor(
    kafka: Kafka,
    private readonly store: ProjectionStore,
    private readonly projection: Projection<E>,
    options: KafkaProjectorOptions,
    logger: Logger,
  ) {
    assertProjectionName(projection.name);
    this.logger = logger.child({ component: 'projector', projection: projection.name });
    this.maxAttempts = options.maxAttempts ?? 5;
    this.retryBackoffMs = options.retryBackoffMs ?? 200;
    this.consumer = new EnvelopeConsumer(
      kafka,
      projection.format.codec,
      {
        ...options,
        groupId: options.groupId ?? `projection.${projection.name}`,
        // A projection that applies a chunk with multi-row statements gains from larger chunks
        // (one transaction each); one applying per event keeps the consumer's default.
        chunkSize: options.chunkSize ?? (projection.applyBatch ? BATCH_CHUNK_SIZE : undefined),
        // ... filled by fetches made while the chunk before is written (fetching waits only once
        // two chunks' worth are queued): see PIPELINED_FETCH_BYTES.
        pipelined: options.pipelined ?? Boolean(projection.applyBatch),
        maxBytesPerPartition:
          options.maxBytesPerPartition ??
          (projection.applyBatch ? PIPELINED_FETCH_BYTES : undefined),
        // Chunks of different partitions at once when no row is shared between them (one
        // transaction each, so one is written while another is decoded and folded).
        partitionsConsumedConcurrently:
          options.partitionsConsumedConcurrently ??
          (projection.partitionsIndependent ? CONCURRENT_PARTITIONS : 1),
      },
      this.logger,
    );
  }

  get deadLetterTopic(): string {
    return this.consumer.deadLetterTopic;
  }

  get events(): EnvelopeConsumer<E>['events'] {
    return this.consumer.events;
  }

  on: EnvelopeConsumer<E>['on'] = (...args) => this.consumer.on(...args);

  /** Hears when the consumer stopped consuming for good (EnvelopeConsumer.onFailure). */
  onFailure(listener: (error: Error) => void): void {
    this.consumer.onFailure(listener);
  }

  async start(): Promise<void> {
    await this.store.ensureSchema();
    await this.consumer.start({ eachChunk: (deliveries, ctx) => this.onChunk(deliveries, ctx) });
  }

  /** Finishes the in-flight chunk transaction, commits offsets, leaves the group. */
  stop(): Promise<void> {
    return this.consumer.stop();
  }

  private async onChunk(deliveries: readonly Delivery<E>[], ctx: ConsumerContext): Promise<void> {
    const { topic, partition } = deliveries[0]!;
    const ref: SourceRef = { source: topic, partition };
    const items: ProjectionItem<E>[] = deliveries.map((d) => ({
      position: BigInt(d.offset),
      envelope: d.envelope,
    }));
    try {
      this.count(await this.store.apply(this.projection, ref, items));
      return;
    } catch (e) {
      if (!(e instanceof ProjectionError)) throw e; // database trouble: the consumer retries the chunk
      this.logger.warn(
        { err: e, topic, partition, from: deliveries[0]!.offset },
        'chunk failed; applying its events one by one',
      );
    }
    for (let i = 0; i < deliveries.length; i++) {
      await this.applyAlone(deliveries[i]!, items[i]!, ref, ctx);
      await ctx.heartbeat();
    }
  }

  private async applyAlone(
    delivery: Delivery<E>,
    item: ProjectionItem<E>,
    ref: SourceRef,
    ctx: ConsumerContext,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        this.count(await this.store.apply(this.projection, ref, [item]));
        return;
      } catch (e) {
        if (!(e instanceof ProjectionError)) throw e;
        if (attempt >= this.maxAttempts) {
          await ctx.deadLetter(delivery, {
            code: HANDLER_FAILED,
            error: describe(e),
            attempts: attempt,
          });
          await this.store.skip(this.projection, ref, item.position);
          this.stats.deadLettered++;
          return;
        }
        await sleep(Math.min(5000, this.retryBackoffMs * 2 ** (attempt - 1)));
      }
    }
  }

  private count(r: ApplyResult): void {
    this.stats.applied += r.applied;
    this.stats.duplicates += r.duplicates;
    this.stats.redelivered += r.redelivered;
    this.stats.gaps += r.gaps.length;
    if (r.duplicates > 0 || r.redelivered > 0)
      this.logger.debug(
        { duplicates: r.duplicates, redelivered: r.redelivered },
        'discarded redeliveries',
      );
    for (const g of r.gaps) {
      this.logger.warn(
        {
          code: 'PROJECTION.STREAM_GAP',
          streamName: g.streamName,
          expected: g.expected.toString(),
          got: g.got.toString(),
        },
        'stream revision gap: events before this one never reached the projection',
      );
    }
  }
}
