// Wires the pipeline (pipeline.ts) into the gateway: its Kafka client, the fillability tracker
// over the market repository, the chain reader and the orders reader that MarketModule provides,
// its readiness check (`pipeline` in /health/ready) and its metrics. Started once the app is
// bootstrapped; stopped before any client closes (beforeApplicationShutdown runs before the
// market module's onApplicationShutdown closes the store and the read model).
import {
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { Gauge } from 'prom-client';
import type { DataSource } from 'typeorm';
import { EVENT_STORE, InjectAggregateRepository } from '@atelier/cqrs';
import type { EventStore } from '@atelier/eventsourcing';
import type { DependencyCheck } from '@atelier/health';
import { createKafka } from '@atelier/kafka';
import {
  MARKET_CHAIN_READER,
  TrackFillability,
  type MarketChainReader,
  type MarketRepository,
} from '@atelier/market-application';
import { marketAggregate } from '@atelier/market-domain';
import type { OrdersReader } from '@atelier/market-projections';
import type { HttpAppContext } from '@atelier/platform';
import type { GatewayConfig } from '../config';
import { ORDERS_READ_MODEL, ORDERS_READER } from '../market/market.tokens';
import { Pipeline } from './pipeline';
import { pipelineSettings } from './pipeline.config';

/** Where the running pipeline is found by its health check and metrics (made before DI runs). */
export class PipelineHandle {
  pipeline: Pipeline | undefined;
}

const PIPELINE_CONTEXT = Symbol('atelier.gateway.PipelineContext');

interface PipelineContext {
  readonly ctx: HttpAppContext<GatewayConfig>;
  readonly handle: PipelineHandle;
}

@Injectable()
class PipelineRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly pipeline: Pipeline | undefined;

  constructor(
    @Inject(PIPELINE_CONTEXT) { ctx, handle }: PipelineContext,
    @Inject(EVENT_STORE) store: EventStore,
    @InjectAggregateRepository(marketAggregate) markets: MarketRepository,
    @Inject(MARKET_CHAIN_READER) chain: MarketChainReader,
    @Inject(ORDERS_READER) reader: OrdersReader,
    @Inject(ORDERS_READ_MODEL) readModel: DataSource,
  ) {
    const settings = pipelineSettings(ctx.config);
    if (!settings.enabled) return;
    const logger = ctx.logger.child({ component: 'pipeline' });
    this.pipeline = new Pipeline(
      {
        kafka: createKafka({
          clientId: 'atelier-gateway-pipeline',
          brokers: ctx.config.KAFKA_BROKERS,
          logger,
        }),
        store,
        readModel,
        readModelSchema: ctx.config.READ_MODEL_SCHEMA,
        databaseUrl: ctx.config.GATEWAY_DATABASE_URL,
        tracker: new TrackFillability(markets, chain, reader, store),
        markets,
        logger,
      },
      settings,
    );
    handle.pipeline = this.pipeline;
  }

  onApplicationBootstrap(): void {
    this.pipeline?.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.pipeline?.stop();
  }
}

export class PipelineModule {
  /** The module, and the readiness check to list beside the app's others. */
  static forRoot(ctx: HttpAppContext<GatewayConfig>): {
    readonly module: DynamicModule;
    readonly checks: readonly DependencyCheck[];
  } {
    const handle = new PipelineHandle();
    registerMetrics(ctx, handle);
    return {
      module: {
        module: PipelineModuleRoot,
        providers: [
          { provide: PIPELINE_CONTEXT, useValue: { ctx, handle } satisfies PipelineContext },
          PipelineRunner,
        ],
      },
      checks: [
        {
          name: 'pipeline',
          check: async () => {
            const p = handle.pipeline;
            if (!p) return { enabled: false };
            const h = p.health();
            if (!h.ok)
              throw new Error(`pipeline loops down: ${JSON.stringify(h.details['states'])}`);
            return h.details;
          },
        },
      ],
    };
  }
}

@Module({})
class PipelineModuleRoot {}

function registerMetrics(ctx: HttpAppContext<GatewayConfig>, handle: PipelineHandle): void {
  const registers = [ctx.metrics.registry];
  new Gauge({
    name: 'atelier_pipeline_loop_up',
    help: '1 while the pipeline loop runs (relay, projector, tracker)',
    labelNames: ['loop'],
    registers,
    collect() {
      for (const [loop, state] of Object.entries(handle.pipeline?.states ?? {}))
        this.set({ loop }, state === 'running' || state === 'starting' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'atelier_pipeline_messages',
    help: 'messages handled since start: relay published, projector applied, tracker facts',
    labelNames: ['loop'],
    registers,
    collect() {
      const p = handle.pipeline;
      if (!p) return;
      this.set({ loop: 'relay' }, p.relay.status().published);
      this.set({ loop: 'projector' }, p.projector.stats.applied);
      this.set({ loop: 'tracker' }, p.fillability.stats.facts);
    },
  });
}
