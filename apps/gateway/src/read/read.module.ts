// The read API over chain facts (/v1/artworks, /v1/trades, /v1/ledgers, /v1/collections), the
// order side read beside them (books, matched trades, pending ledger amounts, /v1/activity)
// and the projectors that feed the chain models. Owns its own DataSource over the chain-fact read models (same
// database and schema as the orders model, its own tables); the collection stats read the
// floor from the orders model (ORDERS_READ_MODEL of the global MarketModule). The projectors
// run when the pipeline does (PIPELINE_ENABLED), with its topic prefix, partitions and group
// naming, start after bootstrap and stop before the DataSource closes. The order books are
// served from memory (OrderBookCache), fed by the market-log tail the live module runs. The `read` readiness
// check is `readChecks` (listed beside the pipeline's).
import {
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { DependencyCheck } from '@atelier/health';
import { createKafka } from '@atelier/kafka';
import {
  ActivityReader,
  ArtworksReader,
  ChainTradesReader,
  LedgersReader,
  MatchedTradesReader,
  OrderBooksReader,
} from '@atelier/market-projections';
import type { HttpAppContext } from '@atelier/platform';
import {
  createProjectionDataSource,
  KEEP_PROJECTOR_CONNECTIONS,
  ProjectionStore,
} from '@atelier/projections';
import type { GatewayConfig } from '../config';
import { ORDERS_READ_MODEL } from '../market/market.tokens';
import { READ_YOUR_WRITES_WAIT_MS, ReadYourWrites } from '../orders/read-your-writes';
import { pipelineSettings } from '../pipeline/pipeline.config';
import { MarketTail } from '../live/market-tail';
import { ActivityHttpController } from './activity.http.controller';
import { ArtworksHttpController } from './artworks.http.controller';
import { BookAnswers } from './book-answer';
import { BookHttpController } from './book.http.controller';
import { CollectionsHttpController } from './collections.http.controller';
import { LedgersHttpController } from './ledgers.http.controller';
import { OrderBookCache } from './order-book-cache';
import { ReadPositions } from './read-positions';
import { ChainReadProjectors, chainReadProjections } from './read-projectors';
import {
  ACTIVITY_READER,
  ARTWORKS_READER,
  CHAIN_READ_MODEL,
  CHAIN_TRADES_READER,
  LEDGERS_READER,
  MATCHED_TRADES_READER,
  ORDER_BOOKS_READER,
} from './read.tokens';
import { TradesHttpController } from './trades.http.controller';

/** Where the running projectors are found by the readiness check (made before DI runs). */
class ReadHandle {
  projectors: ChainReadProjectors | undefined;
}

const READ_CONTEXT = Symbol('atelier.gateway.ReadContext');

interface ReadContext {
  readonly ctx: HttpAppContext<GatewayConfig>;
  readonly handle: ReadHandle;
}

@Injectable()
class ReadRunner
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly projectors: ChainReadProjectors | undefined;

  constructor(
    @Inject(READ_CONTEXT) { ctx, handle }: ReadContext,
    @Inject(CHAIN_READ_MODEL) private readonly dataSource: DataSource,
  ) {
    const settings = pipelineSettings(ctx.config);
    if (!settings.enabled) return;
    const logger = ctx.logger.child({ component: 'read-projectors' });
    this.projectors = new ChainReadProjectors(
      createKafka({
        clientId: 'atelier-gateway-read',
        brokers: ctx.config.KAFKA_BROKERS,
        logger,
      }),
      dataSource,
      ctx.config.READ_MODEL_SCHEMA,
      settings,
      logger,
    );
    handle.projectors = this.projectors;
  }

  onApplicationBootstrap(): void {
    this.projectors?.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.projectors?.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

@Module({})
class ReadModuleRoot {}

export class ReadModule {
  static forRoot(ctx: HttpAppContext<GatewayConfig>): {
    readonly module: DynamicModule;
    readonly checks: readonly DependencyCheck[];
  } {
    const handle = new ReadHandle();
    const { config } = ctx;
    return {
      module: {
        module: ReadModuleRoot,
        controllers: [
          ArtworksHttpController,
          TradesHttpController,
          LedgersHttpController,
          CollectionsHttpController,
          BookHttpController,
          ActivityHttpController,
        ],
        providers: [
          { provide: READ_CONTEXT, useValue: { ctx, handle } satisfies ReadContext },
          {
            provide: CHAIN_READ_MODEL,
            useFactory: async (): Promise<DataSource> => {
              const dataSource = await createProjectionDataSource({
                url: config.GATEWAY_DATABASE_URL,
                schema: config.READ_MODEL_SCHEMA,
                projections: chainReadProjections(),
                applicationName: 'atelier-gateway-chain-reads',
                // The chain projectors write through it: its backends stay (KEEP_PROJECTOR_CONNECTIONS).
                idleTimeoutMs: KEEP_PROJECTOR_CONNECTIONS,
              });
              // The projectors create the tables too; whoever starts first does (serialised).
              await new ProjectionStore(dataSource, config.READ_MODEL_SCHEMA).ensureSchema();
              return dataSource;
            },
          },
          {
            provide: ARTWORKS_READER,
            useFactory: (ds: DataSource) => new ArtworksReader(ds),
            inject: [CHAIN_READ_MODEL],
          },
          {
            provide: CHAIN_TRADES_READER,
            useFactory: (ds: DataSource, orders: DataSource) => new ChainTradesReader(ds, orders),
            inject: [CHAIN_READ_MODEL, ORDERS_READ_MODEL],
          },
          {
            provide: LEDGERS_READER,
            useFactory: (ds: DataSource) => new LedgersReader(ds),
            inject: [CHAIN_READ_MODEL],
          },
          {
            provide: ORDER_BOOKS_READER,
            useFactory: (orders: DataSource) => new OrderBooksReader(orders),
            inject: [ORDERS_READ_MODEL],
          },
          {
            provide: MATCHED_TRADES_READER,
            useFactory: (ds: DataSource, orders: DataSource) => new MatchedTradesReader(ds, orders),
            inject: [CHAIN_READ_MODEL, ORDERS_READ_MODEL],
          },
          {
            provide: ACTIVITY_READER,
            useFactory: (ds: DataSource, orders: DataSource) => new ActivityReader(ds, orders),
            inject: [CHAIN_READ_MODEL, ORDERS_READ_MODEL],
          },
          // The minimum-position waits: the orders API's ReadYourWrites and its bound.
          { provide: READ_YOUR_WRITES_WAIT_MS, useValue: config.READ_YOUR_WRITES_WAIT_MS },
          ReadYourWrites,
          ReadPositions,
          ReadRunner,
          // The in-memory order books, fed by the live feed's one tail of the market log
          // (LiveModule imports this module and hands its tail to MarketTail).
          MarketTail,
          OrderBookCache,
          BookAnswers,
        ],
        exports: [
          MarketTail,
          BookAnswers,
          CHAIN_READ_MODEL,
          ARTWORKS_READER,
          CHAIN_TRADES_READER,
          LEDGERS_READER,
          ORDER_BOOKS_READER,
          MATCHED_TRADES_READER,
          ACTIVITY_READER,
        ],
      },
      checks: [
        {
          name: 'read',
          check: async () => {
            const p = handle.projectors;
            if (!p) return { enabled: false };
            const h = p.health();
            if (!h.ok)
              throw new Error(`read projectors down: ${JSON.stringify(h.details['states'])}`);
            return h.details;
          },
        },
      ],
    };
  }
}
