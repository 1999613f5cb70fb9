// Wires the worker into the app: the event store (its own database and schema, migrated at
// start), the Kafka client, viem clients for the operator, the 'settlement' health check and
// the metrics. The loops start once the app is bootstrapped and stop before the pool closes.
import {
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Gauge, Histogram } from 'prom-client';
import type { Pool } from 'pg';
import { connectDeployment } from '@atelier/chain-actions';
import { createEventStore } from '@atelier/event-store';
import type { EventStore } from '@atelier/eventsourcing';
import type { DependencyCheck } from '@atelier/health';
import { createKafka } from '@atelier/kafka';
import { createPool } from '@atelier/persistence';
import type { HttpAppContext } from '@atelier/platform';
import type { SettlementConfig } from '../config';
import { operatorAccount } from './operator';
import { SettleChain } from './settle-chain';
import { SettlementWorker } from './worker';
import { ADMIN_CONTEXT, PauseController, type AdminContext } from '../admin/pause.http.controller';

const WORKER = Symbol('atelier.settlement.Worker');
const RESOURCES = Symbol('atelier.settlement.Resources');

interface Resources {
  readonly pool: Pool;
  readonly store: EventStore;
}

@Injectable()
class WorkerRunner
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  constructor(
    @Inject(WORKER) private readonly worker: SettlementWorker | undefined,
    @Inject(RESOURCES) private readonly resources: Resources,
  ) {}

  onApplicationBootstrap(): void {
    this.worker?.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker?.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.resources.store.close?.();
    await this.resources.pool.end();
  }
}

export class WorkerModule {
  static async forRoot(ctx: HttpAppContext<SettlementConfig>): Promise<{
    readonly module: DynamicModule;
    readonly checks: readonly DependencyCheck[];
  }> {
    const c = ctx.config;
    const logger = ctx.logger.child({ component: 'settlement' });
    const pool = createPool(c.SETTLEMENT_DATABASE_URL, 'atelier-settlement-store');
    const store = await createEventStore(c, { pool, logger });
    const deployment = connectDeployment({
      rpcUrl: c.RPC_URL,
      deployments: c.ATELIER_DEPLOYMENTS,
      cacheTime: 0,
      timeout: 30_000,
    });
    const chain = new SettleChain({
      client: deployment.client,
      wallet: deployment.wallet(operatorAccount(c)),
      marketplace: deployment.address('Marketplace'),
    });
    const scope = c.EVENT_STORE_SCHEMA === 'event_store' ? '' : `.${c.EVENT_STORE_SCHEMA}`;
    const metrics = registerMetrics(ctx);
    const worker = c.SETTLEMENT_ENABLED
      ? new SettlementWorker(
          store,
          createKafka({ clientId: 'atelier-settlement', brokers: c.KAFKA_BROKERS, logger }),
          chain,
          {
            batchSize: c.SETTLEMENT_BATCH_SIZE,
            windowMs: c.SETTLEMENT_BATCH_WINDOW_MS,
            confirmations: c.SETTLEMENT_CONFIRMATIONS,
            pollMs: c.SETTLEMENT_POLL_MS,
            paused: c.SETTLEMENT_PAUSED,
            fault: c.SETTLEMENT_TEST_FAULT,
            replaceAfterMs: c.SETTLEMENT_REPLACE_AFTER_MS,
            confirmFrom: c.SETTLEMENT_CONFIRM_FROM,
            chainTopicPrefix: c.SETTLEMENT_CHAIN_TOPIC_PREFIX,
            chainId: c.CHAIN_ID,
            marketTopicPrefix: c.SETTLEMENT_MARKET_TOPIC_PREFIX,
            settlementTopicPrefix: `${c.SETTLEMENT_TOPIC_PREFIX}${scope}`,
            group: `${c.SETTLEMENT_GROUP}${scope}`,
            partitions: c.SETTLEMENT_TOPIC_PARTITIONS,
            replicationFactor: c.SETTLEMENT_TOPIC_REPLICATION,
            databaseUrl: c.SETTLEMENT_DATABASE_URL,
          },
          logger,
          {
            onConfirmed: (batch, gasUsed, trades) => {
              const n = batch.tradeIds.length;
              metrics.batchSize.observe(n);
              if (n > 0) metrics.gasPerTrade.observe(Number(gasUsed) / n);
              const now = Date.now();
              for (const t of trades)
                metrics.matchToConfirmed.observe((now - Date.parse(t.matchedAt)) / 1000);
            },
          },
        )
      : undefined;
    metrics.attach(worker);
    return {
      module: {
        module: WorkerModuleRoot,
        controllers: [PauseController],
        providers: [
          {
            provide: ADMIN_CONTEXT,
            useValue: {
              token: c.SETTLEMENT_ADMIN_TOKEN,
              switch: worker?.submitter.settings,
            } satisfies AdminContext,
          },
          { provide: WORKER, useValue: worker },
          { provide: RESOURCES, useValue: { pool, store } satisfies Resources },
          WorkerRunner,
        ],
      },
      checks: [
        {
          name: 'settlement',
          check: async () => {
            if (!worker) return { enabled: false };
            const h = await worker.health();
            if (!h.ok)
              throw new Error(`settlement loops down: ${JSON.stringify(h.details['states'])}`);
            return h.details;
          },
        },
      ],
    };
  }
}

@Module({})
class WorkerModuleRoot {}

function registerMetrics(ctx: HttpAppContext<SettlementConfig>) {
  const registers = [ctx.metrics.registry];
  let worker: SettlementWorker | undefined;
  new Gauge({
    name: 'atelier_settlement_pending_trades',
    help: 'trades matched and not yet in a submitted batch',
    registers,
    async collect() {
      if (!worker) return;
      const s = await worker.submitter.state();
      let n = 0;
      for (const t of s.trades.values()) if (t.status === 'batched') n++;
      this.set(n);
    },
  });
  return {
    attach: (w: SettlementWorker | undefined) => {
      worker = w;
    },
    batchSize: new Histogram({
      name: 'atelier_settlement_batch_size',
      help: 'pairs per confirmed settleBatch',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200],
      registers,
    }),
    gasPerTrade: new Histogram({
      name: 'atelier_settlement_gas_per_trade',
      help: 'gas used by a confirmed settleBatch divided by its pairs',
      buckets: [40_000, 50_000, 55_000, 60_000, 70_000, 90_000, 120_000, 150_000, 200_000],
      registers,
    }),
    matchToConfirmed: new Histogram({
      name: 'atelier_settlement_match_to_confirmed_seconds',
      help: 'time from TradeMatched to the confirmation of its batch',
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300],
      registers,
    }),
  };
}
