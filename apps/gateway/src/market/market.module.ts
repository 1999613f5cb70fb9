// The market aggregate in the gateway: its event store (PostgreSQL through @atelier/event-store,
// one `market-<collection>` stream per collection), its repository with a per-stream cache (one
// process runs its commands on a stream in order and reads only new events; other gateway
// instances are fenced by the expected revision), and the adapters of the market's application
// ports: signatures and chain reads over @atelier/chain-actions (viem), the order directory over
// the orders read model of @atelier/market-projections. Global: the orders API and the pipeline
// inject what it exports.
import {
  Global,
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { Pool } from 'pg';
import { createPublicClient, defineChain, http, type PublicClient } from 'viem';
import type { DataSource } from 'typeorm';
import type { Deployments } from '@atelier/chain';
import { EventSourcingModule } from '@atelier/cqrs';
import { createEventStore } from '@atelier/event-store';
import { asAddress } from '@atelier/kernel';
import {
  INTAKE_POLICY,
  MARKET_CHAIN_READER,
  ORDER_DIRECTORY,
  ORDER_SIGNATURES,
  type IntakePolicy,
} from '@atelier/market-application';
import { marketAggregate } from '@atelier/market-domain';
import { ordersProjection, OrdersReader } from '@atelier/market-projections';
import { PG_POOL } from '@atelier/persistence';
import type { HttpAppContext } from '@atelier/platform';
import {
  createProjectionDataSource,
  KEEP_PROJECTOR_CONNECTIONS,
  ProjectionStore,
} from '@atelier/projections';
import { marketplaceDomain } from '@atelier/contracts-abi';
import type { GatewayConfig } from '../config';
import { ViemMarketChainReader } from './viem-market-chain-reader';
import { ViemOrderSignatures } from './viem-order-signatures';
import { MARKET_CHAIN_CLIENT, ORDERS_READ_MODEL, ORDERS_READER } from './market.tokens';

@Injectable()
class ReadModelCloser implements OnApplicationShutdown {
  constructor(@Inject(ORDERS_READ_MODEL) private readonly dataSource: DataSource) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** The contract address the deployments file gives, or a start failure naming it. */
function marketplaceOf(deployments: Deployments) {
  const marketplace = deployments.contracts['Marketplace']?.address;
  if (!marketplace)
    throw new Error('the deployments file names no Marketplace: the gateway cannot take orders');
  return marketplace;
}

@Global()
@Module({})
export class MarketModule {
  static forRoot(ctx: HttpAppContext<GatewayConfig>, deployments: Deployments): DynamicModule {
    const { config, logger } = ctx;
    const marketplace = marketplaceOf(deployments);
    const domain = marketplaceDomain(deployments.chainId, marketplace);
    const policy: IntakePolicy = {
      chainId: deployments.chainId,
      marketplace: asAddress(marketplace),
      maxLifetimeSeconds: BigInt(config.ORDER_MAX_LIFETIME_SECONDS),
      cancelMaxAgeSeconds: BigInt(config.CANCEL_MAX_AGE_SECONDS),
    };
    const feature = EventSourcingModule.forFeature([marketAggregate], {
      cachedStreams: config.MARKET_CACHED_STREAMS,
      maxAttempts: 8,
    });
    const providers: Provider[] = [
      { provide: INTAKE_POLICY, useValue: policy },
      {
        provide: MARKET_CHAIN_CLIENT,
        useFactory: (): PublicClient =>
          createPublicClient({
            chain: defineChain({
              id: deployments.chainId,
              name: `chain ${deployments.chainId}`,
              nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
              rpcUrls: { default: { http: [config.RPC_URL] } },
            }),
            transport: http(config.RPC_URL, { retryCount: 2, timeout: 10_000 }),
          }),
      },
      {
        provide: ORDER_SIGNATURES,
        useFactory: (client: PublicClient) => new ViemOrderSignatures(client, domain),
        inject: [MARKET_CHAIN_CLIENT],
      },
      {
        provide: MARKET_CHAIN_READER,
        useFactory: (client: PublicClient) =>
          new ViemMarketChainReader(client, deployments, marketplace),
        inject: [MARKET_CHAIN_CLIENT],
      },
      {
        provide: ORDERS_READ_MODEL,
        useFactory: async (): Promise<DataSource> => {
          const projection = ordersProjection();
          const dataSource = await createProjectionDataSource({
            url: config.GATEWAY_DATABASE_URL,
            schema: config.READ_MODEL_SCHEMA,
            projections: [projection],
            applicationName: 'atelier-gateway-reads',
            // The orders projector writes through it: its backends stay (KEEP_PROJECTOR_CONNECTIONS).
            idleTimeoutMs: KEEP_PROJECTOR_CONNECTIONS,
          });
          // The projector creates the tables too; whoever starts first does (serialised).
          await new ProjectionStore(dataSource, config.READ_MODEL_SCHEMA).ensureSchema();
          return dataSource;
        },
      },
      {
        provide: ORDERS_READER,
        useFactory: (dataSource: DataSource) => new OrdersReader(dataSource),
        inject: [ORDERS_READ_MODEL],
      },
      // The reader answers the OrderDirectory port structurally (collectionsOf, reservedElsewhere).
      { provide: ORDER_DIRECTORY, useExisting: ORDERS_READER },
      ReadModelCloser,
    ];
    return {
      module: MarketModule,
      imports: [
        CqrsModule.forRoot(),
        EventSourcingModule.forRootAsync({
          inject: [PG_POOL],
          useFactory: async (pool: Pool) => ({
            store: await createEventStore(config, { pool, logger }),
            logger,
            closeStoreOnShutdown: true,
          }),
        }),
        feature,
      ],
      providers,
      exports: [
        feature,
        INTAKE_POLICY,
        MARKET_CHAIN_CLIENT,
        ORDER_SIGNATURES,
        MARKET_CHAIN_READER,
        ORDERS_READ_MODEL,
        ORDERS_READER,
        ORDER_DIRECTORY,
      ],
    };
  }
}
