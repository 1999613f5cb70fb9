// Settlement's verdicts that never reach the chain, back into the market: a BatchSimulated on
// Kafka settlement.* (published by the settlement worker's outbox) lists the pairs its eth_call
// would have skipped; each becomes ReleaseTrade(tradeId, reason) on its collection's market, as
// an on-chain PairSkipped does through the fillability tracker. Idempotent: a trade already
// released is unknown to its market (TRADE.UNKNOWN, ignored). The payload is parsed here with
// zod (the gateway does not import settlement's domain).
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { z } from 'zod';
import { EnvelopeConsumer, type ConsumerContext, type Delivery } from '@atelier/kafka';
import { asAddress } from '@atelier/kernel';
import type { MarketRepository } from '@atelier/market-application';
import { isSkipReason, marketId, type MarketCommand } from '@atelier/market-domain';
import { marketEnvelopeCodec, type EventEnvelope } from '@atelier/market-messages';
import type { Logger } from '@atelier/observability';

const batchSimulated = z.object({
  excluded: z.array(
    z.object({
      tradeId: z.string().min(1),
      reason: z.string().min(1),
      collection: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
    }),
  ),
});

export interface SettlementConsumerOptions {
  readonly groupId: string;
  readonly topic: string;
  readonly partitions: number;
  readonly replicationFactor: number;
}

export class SettlementConsumer {
  private readonly consumer: EnvelopeConsumer<EventEnvelope>;
  readonly stats = { released: 0, refused: 0 };

  constructor(
    kafka: Kafka,
    private readonly markets: MarketRepository,
    options: SettlementConsumerOptions,
    private readonly logger: Logger,
  ) {
    this.consumer = new EnvelopeConsumer(
      kafka,
      marketEnvelopeCodec,
      {
        groupId: options.groupId,
        topics: [options.topic],
        fromBeginning: true,
        replicationFactor: options.replicationFactor,
        ensureTopics: [
          {
            topic: options.topic,
            partitions: options.partitions,
            replicationFactor: options.replicationFactor,
          },
        ],
      },
      logger,
    );
  }

  start(): Promise<void> {
    return this.consumer.start({ eachMessage: (d, ctx) => this.onMessage(d, ctx) });
  }

  /** Hears when the consumer stopped consuming for good (EnvelopeConsumer.onFailure). */
  onFailure(listener: (error: Error) => void): void {
    this.consumer.onFailure(listener);
  }

  stop(): Promise<void> {
    return this.consumer.stop();
  }

  private async onMessage(d: Delivery<EventEnvelope>, _ctx: ConsumerContext): Promise<void> {
    if (d.envelope.type !== 'BatchSimulated') return;
    const { excluded } = batchSimulated.parse(d.envelope.data);
    const byMarket = new Map<string, MarketCommand[]>();
    const now = BigInt(Math.floor(Date.now() / 1000));
    const at = new Date().toISOString();
    for (const x of excluded) {
      const reason = isSkipReason(x.reason) ? x.reason : 'Abandoned';
      const id = marketId(asAddress(x.collection));
      const list = byMarket.get(id) ?? [];
      list.push({ type: 'ReleaseTrade', tradeId: x.tradeId, reason, now, at });
      byMarket.set(id, list);
    }
    for (const [id, commands] of byMarket) {
      const r = await this.markets.handleAll(id, commands, {
        correlationId: d.envelope.correlationId ?? randomUUID(),
        causationId: d.envelope.eventId,
        actor: 'settlement',
      });
      for (const o of r.outcomes) {
        if (o.ok) this.stats.released++;
        else {
          this.stats.refused++;
          this.logger.info({ error: o.error }, 'a release from settlement was refused');
        }
      }
    }
  }
}
