// chain.marketplace (the indexer relay's facts) -> the settlement stream: each Marketplace
// BatchSettled fact of this operator becomes RecordSighting (a transaction of ours mined in that
// block), each retraction of one RetractSighting (the block left the canonical chain; a batch
// confirmed by it is reorged and its trades settle again). The anti-corruption layer for chain
// facts: the envelope is validated by the chain-messages codec, the args here. Facts of other
// contracts, events or operators are skipped; a BatchSettled whose args do not parse is
// dead-lettered. Idempotent (the decider ignores a sighting it has), so a redelivery or a replay
// from the beginning is harmless; a store failure fails the chunk and Kafka delivers it again.
import type { Kafka } from 'kafkajs';
import {
  CHAIN_TOPIC_PARTITIONS,
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
import type { Logger } from '@atelier/observability';
import type { Hex, SettlementCommand } from '@atelier/settlement-domain';

export interface ChainFactsConsumerOptions {
  readonly groupId: string;
  readonly topicPrefix: string;
  readonly chainId: number;
  readonly marketplace: Hex;
  readonly operator: Hex;
  readonly replicationFactor: number;
}

const count = (v: unknown): number => {
  if (typeof v !== 'string' || !/^\d{1,15}$/.test(v)) throw new Error(`not a count: ${String(v)}`);
  return Number(v);
};

/** The command a fact means for this operator's settlement, if any (throws on bad args). */
export function sightingOf(
  f: ChainFactEnvelope,
  o: Pick<ChainFactsConsumerOptions, 'chainId' | 'marketplace' | 'operator'>,
  at: string,
): SettlementCommand | null {
  if (f.event !== 'BatchSettled' || f.chainId !== o.chainId) return null;
  if (f.address !== o.marketplace.toLowerCase()) return null;
  const operator = f.args['operator'];
  if (typeof operator !== 'string') throw new Error('BatchSettled without an operator');
  if (operator.toLowerCase() !== o.operator.toLowerCase()) return null;
  const transactionHash = f.transactionHash as Hex;
  const blockHash = f.blockHash as Hex;
  if (f.kind === 'retracted') return { type: 'RetractSighting', transactionHash, blockHash, at };
  return {
    type: 'RecordSighting',
    transactionHash,
    block: BigInt(f.blockNumber),
    blockHash,
    settled: count(f.args['settled']),
    skipped: count(f.args['skipped']),
    at,
  };
}

export class ChainFactsConsumer {
  private readonly consumer: EnvelopeConsumer<ChainFactEnvelope>;
  readonly stats = { facts: 0, sightings: 0, retractions: 0, deadLettered: 0 };

  constructor(
    kafka: Kafka,
    private readonly record: (commands: readonly SettlementCommand[]) => Promise<void>,
    private readonly options: ChainFactsConsumerOptions,
    private readonly logger: Logger,
  ) {
    const topic = chainTopic('Marketplace', options.topicPrefix);
    this.consumer = new EnvelopeConsumer(
      kafka,
      chainFactCodec,
      {
        groupId: options.groupId,
        topics: [topic],
        fromBeginning: true,
        chunkSize: 500,
        replicationFactor: options.replicationFactor,
        // The relay creates it too; whoever starts first does (the relay's default partitions).
        ensureTopics: [
          {
            topic,
            partitions: CHAIN_TOPIC_PARTITIONS,
            replicationFactor: options.replicationFactor,
          },
        ],
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
    deliveries: readonly Delivery<ChainFactEnvelope>[],
    ctx: ConsumerContext,
  ): Promise<void> {
    const at = new Date().toISOString();
    const commands: SettlementCommand[] = [];
    for (const d of deliveries) {
      this.stats.facts++;
      try {
        const c = sightingOf(d.envelope, this.options, at);
        if (!c) continue;
        commands.push(c);
        if (c.type === 'RecordSighting') this.stats.sightings++;
        else this.stats.retractions++;
      } catch (e) {
        this.logger.warn({ err: e, factId: d.envelope.factId }, 'BatchSettled fact does not parse');
        await ctx.deadLetter(d, { code: HANDLER_FAILED, error: (e as Error).message, attempts: 0 });
        this.stats.deadLettered++;
      }
    }
    if (commands.length === 0) return;
    await this.record(commands);
    await ctx.heartbeat();
  }
}
