// Chain facts (Kafka chain.*) into the fillability tracker: one call per chunk of a partition,
// so a burst of facts costs one multicall and one decision per concerned market. A fact whose
// args are not what its event's ABI says is dead-lettered; anything else that fails (the RPC, the
// event store) fails the chunk and Kafka hands it over again: the tracker is idempotent. While the
// orders read model is behind the store (the tracker's ReadModelBehindError: after a broker
// restart, a crash, a burst) the chunk is tried again here, as long as the partition is ours:
// its facts wait rather than be decided on a read model that does not know their trades yet.
import type { Kafka } from 'kafkajs';
import {
  CHAIN_CONTRACTS,
  chainFactCodec,
  chainTopic,
  type ChainFactEnvelope,
} from '@atelier/chain-messages';
import {
  EnvelopeConsumer,
  HANDLER_FAILED,
  type ConsumerContext,
  type Delivery,
} from '@atelier/kafka';
import {
  ChainFactArgsError,
  effectsOf,
  ReadModelBehindError,
  type TrackFillability,
  type TrackResult,
} from '@atelier/market-application';
import type { Logger } from '@atelier/observability';

export interface FillabilityConsumerOptions {
  readonly groupId: string;
  readonly topicPrefix: string;
  readonly partitions: number;
  readonly replicationFactor: number;
}

export interface FillabilityStats {
  facts: number;
  chunks: number;
  events: number;
  deadLettered: number;
  /** Chunks tried again because the orders read model was behind the store. */
  readModelWaits: number;
}

export class FillabilityConsumer {
  private readonly consumer: EnvelopeConsumer<ChainFactEnvelope>;
  readonly stats: FillabilityStats = {
    facts: 0,
    chunks: 0,
    events: 0,
    deadLettered: 0,
    readModelWaits: 0,
  };

  constructor(
    kafka: Kafka,
    private readonly tracker: TrackFillability,
    options: FillabilityConsumerOptions,
    private readonly logger: Logger,
  ) {
    const topics = Object.keys(CHAIN_CONTRACTS).map((c) => chainTopic(c, options.topicPrefix));
    this.consumer = new EnvelopeConsumer(
      kafka,
      chainFactCodec,
      {
        groupId: options.groupId,
        topics,
        fromBeginning: true,
        chunkSize: 200,
        replicationFactor: options.replicationFactor,
        // The chain relay creates them too; whoever starts first does (same settings).
        ensureTopics: topics.map((topic) => ({
          topic,
          partitions: options.partitions,
          replicationFactor: options.replicationFactor,
        })),
      },
      logger,
    );
  }

  start(): Promise<void> {
    return this.consumer.start({ eachChunk: (d, ctx) => this.onChunk(d, ctx) });
  }

  /** Hears when the consumer stopped consuming for good (EnvelopeConsumer.onFailure). */
  onFailure(listener: (error: Error) => void): void {
    this.consumer.onFailure(listener);
  }

  stop(): Promise<void> {
    return this.consumer.stop();
  }

  private async onChunk(
    deliveries: readonly Delivery<ChainFactEnvelope>[],
    ctx: ConsumerContext,
  ): Promise<void> {
    const facts: ChainFactEnvelope[] = [];
    for (const d of deliveries) {
      try {
        effectsOf(d.envelope); // validates the args before anything is read or decided
        facts.push(d.envelope);
      } catch (e) {
        if (!(e instanceof ChainFactArgsError)) throw e;
        await ctx.deadLetter(d, { code: HANDLER_FAILED, error: e.message, attempts: 0 });
        this.stats.deadLettered++;
      }
    }
    if (facts.length === 0) return;
    const result = await this.trackWhileBehind(facts, ctx);
    this.stats.facts += facts.length;
    this.stats.chunks++;
    this.stats.events += result.events;
    if (result.refused.length > 0)
      this.logger.info({ refused: result.refused }, 'trade commands the markets refused');
    await ctx.heartbeat();
  }

  private async trackWhileBehind(
    facts: readonly ChainFactEnvelope[],
    ctx: ConsumerContext,
  ): Promise<TrackResult> {
    for (;;) {
      try {
        return await this.tracker.track(facts);
      } catch (e) {
        // Not ours any more (rebalance, stop): throw, the next owner starts from the commit.
        if (!(e instanceof ReadModelBehindError) || !ctx.isActive()) throw e;
        this.stats.readModelWaits++;
        this.logger.warn({ details: e.details }, 'orders read model behind; the chunk waits');
        await ctx.heartbeat();
      }
    }
  }
}
