// The settlement worker's loops in one place: the TradeMatched consumer (market.* -> the
// settlement stream), the submitter (stream -> chain -> stream), the chain facts consumer (the
// indexer's BatchSettled facts and their retractions -> the stream, which is what confirms a
// batch in chain-facts mode) and the outbox relay (the
// settlement stream -> Kafka settlement.*, where the gateway picks up pairs excluded by
// simulation and releases them in the market). Started after the app is wired, stopped before
// its clients close. `health()` feeds /health, `metrics` /metrics.
import type { Kafka } from 'kafkajs';
import type { EventStore } from '@atelier/eventsourcing';
import { EventSourcedRepository } from '@atelier/eventsourcing';
import { MARKET_CATEGORY } from '@atelier/market-domain';
import { marketTopic } from '@atelier/market-messages';
import type { Logger } from '@atelier/observability';
import { OutboxRelay, OutboxRelayCheckpoints } from '@atelier/outbox';
import {
  SETTLEMENT_CATEGORY,
  settlementAggregate,
  type SettlementCommand,
} from '@atelier/settlement-domain';
import { randomUUID } from 'node:crypto';
import { ChainFactsConsumer } from './chain-facts.consumer';
import { MatchedTradesConsumer } from './matched-trades.consumer';
import type { SettleChain } from './settle-chain';
import { Submitter, type SubmitterObserver, type SubmitterSettings } from './submitter';

export interface WorkerSettings extends SubmitterSettings {
  readonly marketTopicPrefix: string;
  /** The indexer relay's topic prefix (chain-facts confirmation). */
  readonly chainTopicPrefix: string;
  readonly chainId: number;
  readonly settlementTopicPrefix: string;
  readonly group: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly databaseUrl: string;
}

export type LoopState = 'starting' | 'running' | 'stopped' | 'failed';

export class SettlementWorker {
  readonly submitter: Submitter;
  readonly consumer: MatchedTradesConsumer;
  readonly relay: OutboxRelay;
  /** Present in chain-facts mode: the indexer's BatchSettled facts into the stream. */
  readonly chainFacts: ChainFactsConsumer | undefined;
  readonly states: Record<'consumer' | 'relay' | 'submitter' | 'chainFacts', LoopState> = {
    consumer: 'stopped',
    relay: 'stopped',
    submitter: 'stopped',
    chainFacts: 'stopped',
  };
  readonly errors: Record<string, string> = {};
  private stopping = false;

  constructor(
    store: EventStore,
    kafka: Kafka,
    readonly chain: SettleChain,
    readonly settings: WorkerSettings,
    private readonly logger: Logger,
    observer: SubmitterObserver = {},
  ) {
    const repo = new EventSourcedRepository(settlementAggregate, store, {
      cachedStreams: 4,
      retryJitterMs: 1,
    });
    this.submitter = new Submitter(repo, chain, settings, logger, observer);
    this.consumer = new MatchedTradesConsumer(
      kafka,
      async (commands: readonly SettlementCommand[]) => {
        // Batches are closed by size here, as trades arrive: a burst of trades between two
        // rounds fills several batches of at most batchSize instead of one oversized one.
        const sized = commands.map((c) =>
          c.type === 'AddTrade' ? { ...c, maxBatchSize: settings.batchSize } : c,
        );
        const r = await repo.handleAll(this.submitter.id, sized, {
          correlationId: randomUUID(),
          actor: 'settlement',
        });
        for (const o of r.outcomes)
          if (!o.ok) this.logger.warn({ error: o.error }, 'a trade was refused');
        this.submitter.poke();
      },
      {
        groupId: `${settings.group}.matched`,
        topics: [marketTopic(MARKET_CATEGORY, settings.marketTopicPrefix)],
        partitions: settings.partitions,
        replicationFactor: settings.replicationFactor,
      },
      logger,
    );
    this.chainFacts =
      (settings.confirmFrom ?? 'chain-facts') === 'chain-facts'
        ? new ChainFactsConsumer(
            kafka,
            async (commands) => {
              const r = await repo.handleAll(this.submitter.id, commands, {
                correlationId: randomUUID(),
                actor: 'settlement',
              });
              for (const o of r.outcomes)
                if (!o.ok) this.logger.warn({ error: o.error }, 'a chain fact was refused');
              this.submitter.poke();
            },
            {
              groupId: `${settings.group}.chain`,
              topicPrefix: settings.chainTopicPrefix,
              chainId: settings.chainId,
              marketplace: chain.marketplace,
              operator: chain.operator,
              replicationFactor: settings.replicationFactor,
            },
            logger,
          )
        : undefined;
    this.relay = new OutboxRelay(
      {
        source: store,
        kafka,
        checkpoints: new OutboxRelayCheckpoints(
          { connection: settings.databaseUrl, schema: 'messaging' },
          logger,
        ),
        logger,
      },
      {
        name: `${settings.group}.outbox`,
        routes: {
          [SETTLEMENT_CATEGORY]: `${settings.settlementTopicPrefix}.${SETTLEMENT_CATEGORY}`,
        },
        topics: { partitions: settings.partitions, replicationFactor: settings.replicationFactor },
      },
    );
  }

  start(): void {
    this.states.submitter = 'running';
    this.submitter.start();
    this.states.relay = 'running';
    this.relay.run().then(
      () => this.settle('relay', 'stopped'),
      (e: unknown) => this.settle('relay', 'failed', e),
    );
    if (this.chainFacts) {
      this.states.chainFacts = 'starting';
      this.chainFacts.start().then(
        () => {
          if (!this.stopping) this.states.chainFacts = 'running';
        },
        (e: unknown) => this.settle('chainFacts', 'failed', e),
      );
    } else this.states.chainFacts = 'running'; // receipt mode: nothing to run
    this.states.consumer = 'starting';
    this.consumer.start().then(
      () => {
        if (!this.stopping) this.states.consumer = 'running';
      },
      (e: unknown) => this.settle('consumer', 'failed', e),
    );
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.chainFacts?.stop().catch(() => undefined);
    await this.consumer.stop().catch(() => undefined);
    await this.submitter.stop();
    await this.relay.stop();
  }

  /** /health: loops, operator balance, pending trades, live batches, oldest unsettled age. */
  async health(): Promise<{ ok: boolean; details: Record<string, unknown> }> {
    const s = await this.submitter.state();
    let pending = 0;
    let oldest: number | undefined;
    for (const t of s.trades.values()) {
      if (t.status !== 'batched') continue;
      pending++;
      const at = Date.parse(t.trade.matchedAt);
      if (oldest === undefined || at < oldest) oldest = at;
    }
    const live = [...s.batches.values()].filter((b) =>
      ['open', 'simulated', 'submitted'].includes(b.status),
    );
    const balance = await this.chain.balance();
    const ok = Object.values(this.states).every((v) => v === 'running' || v === 'starting');
    return {
      ok,
      details: {
        states: { ...this.states },
        ...(Object.keys(this.errors).length ? { errors: { ...this.errors } } : {}),
        ...(this.submitter.lastError ? { lastRoundError: this.submitter.lastError } : {}),
        paused: this.settings.paused,
        confirmFrom: this.settings.confirmFrom ?? 'chain-facts',
        // Mined per its receipt maybe, but no BatchSettled fact from the indexer yet.
        awaitingChainFacts: live.filter((b) => b.status === 'submitted' && !b.seen).length,
        operator: this.chain.operator,
        // The chain (block 0 hash) the stream sends to; a new one re-batches what was in flight.
        genesis: s.genesis,
        operatorBalanceEth: Number(balance) / 1e18,
        pendingTrades: pending,
        liveBatches: live.map((b) => ({
          batchId: b.batchId,
          status: b.status,
          pairs: b.tradeIds.length,
          ...(b.nonce !== null ? { nonce: b.nonce } : {}),
        })),
        oldestUnsettledSeconds: oldest === undefined ? 0 : (Date.now() - oldest) / 1000,
      },
    };
  }

  private settle(loop: keyof SettlementWorker['states'], state: LoopState, error?: unknown): void {
    if (this.stopping && state !== 'failed') return;
    this.states[loop] = state;
    if (error) {
      this.errors[loop] = (error as Error).message;
      this.logger.error({ err: error, loop }, `settlement ${loop} failed`);
    }
  }
}
