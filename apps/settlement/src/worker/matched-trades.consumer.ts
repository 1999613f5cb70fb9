// market.* -> the settlement stream: each chunk of TradeMatched envelopes becomes one append of
// AddTrade commands. Idempotent: a trade already in the stream (a redelivery, a replay from
// the beginning) decides nothing, and trade ids are one-to-one with TradeMatched event ids.
// A TradeMatched that does not decode is dead-lettered; a store failure fails the chunk and
// Kafka delivers it again.
import type { Kafka } from 'kafkajs';
import {
  EnvelopeConsumer,
  HANDLER_FAILED,
  type ConsumerContext,
  type Delivery,
} from '@atelier/kafka';
import { marketEnvelopeCodec, type EventEnvelope } from '@atelier/market-messages';
import type { Logger } from '@atelier/observability';
import type { SettlementCommand, SettlementTrade } from '@atelier/settlement-domain';
import { tradeOf } from './trade-matched';

export interface MatchedTradesConsumerOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly partitions: number;
  readonly replicationFactor: number;
}

export class MatchedTradesConsumer {
  private readonly consumer: EnvelopeConsumer<EventEnvelope>;
  readonly stats = { messages: 0, trades: 0, deadLettered: 0 };

  constructor(
    kafka: Kafka,
    private readonly add: (commands: readonly SettlementCommand[]) => Promise<void>,
    options: MatchedTradesConsumerOptions,
    private readonly logger: Logger,
  ) {
    this.consumer = new EnvelopeConsumer(
      kafka,
      marketEnvelopeCodec,
      {
        groupId: options.groupId,
        topics: options.topics,
        fromBeginning: true,
        chunkSize: 500,
        replicationFactor: options.replicationFactor,
        ensureTopics: options.topics.map((topic) => ({
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

  stop(): Promise<void> {
    return this.consumer.stop();
  }

  private async onChunk(
    deliveries: readonly Delivery<EventEnvelope>[],
    ctx: ConsumerContext,
  ): Promise<void> {
    const trades: SettlementTrade[] = [];
    for (const d of deliveries) {
      this.stats.messages++;
      try {
        const t = tradeOf(d.envelope);
        if (t) trades.push(t);
      } catch (e) {
        this.logger.warn({ err: e, eventId: d.envelope.eventId }, 'TradeMatched does not decode');
        await ctx.deadLetter(d, { code: HANDLER_FAILED, error: (e as Error).message, attempts: 0 });
        this.stats.deadLettered++;
      }
    }
    if (trades.length === 0) return;
    const at = new Date().toISOString();
    await this.add(trades.map((trade) => ({ type: 'AddTrade', trade, at })));
    this.stats.trades += trades.length;
    await ctx.heartbeat();
  }
}
