// Root module of the gateway: wires the infrastructure the HTTP edge depends on, the market
// aggregate with its adapters (market/) and the orders API (orders/).
// Further domain modules (artworks, royalties) plug in here as their issues land.
import { Controller, Get, Inject, Module, type DynamicModule } from '@nestjs/common';
import { readDeployments, type Deployments } from '@atelier/chain';
import { serviceInfraModules, type HttpAppContext } from '@atelier/platform';
import type { GatewayConfig } from './config';
import { accessOptions } from './access/access.config';
import { AccessModule } from './access/access.module';
import { AnalyticsModule } from './analytics/analytics.module';
import { GraphqlApiModule } from './graphql/graphql.module';
import { LiveModule } from './live/live.module';
import { MarketModule } from './market/market.module';
import { OrderStreamModule } from './order-stream/order-stream.module';
import { OrdersModule } from './orders/orders.module';
import { PipelineModule } from './pipeline/pipeline.module';
import { ReadModule } from './read/read.module';

const DEPLOYMENTS = Symbol('DEPLOYMENTS');

/** Where the contracts live, for frontends and market makers that sign orders. */
@Controller('v1')
class ChainController {
  constructor(@Inject(DEPLOYMENTS) private readonly deployments: Deployments) {}

  @Get('deployments')
  get(): Deployments {
    return this.deployments;
  }
}

@Module({})
export class GatewayModule {
  static forRoot(ctx: HttpAppContext<GatewayConfig>): DynamicModule {
    const deployments = readDeployments(ctx.config.ATELIER_DEPLOYMENTS);
    const pipeline = PipelineModule.forRoot(ctx);
    const read = ReadModule.forRoot(ctx);
    return {
      module: GatewayModule,
      imports: [
        ...serviceInfraModules('gateway', ctx.config.GATEWAY_DATABASE_URL, ctx, [
          ...pipeline.checks,
          ...read.checks,
        ]),
        MarketModule.forRoot(ctx, deployments),
        OrdersModule.forRoot({ readYourWritesWaitMs: ctx.config.READ_YOUR_WRITES_WAIT_MS }),
        pipeline.module,
        read.module,
        GraphqlApiModule.forRoot(ctx, read.module, deployments),
        AccessModule.forRoot(accessOptions(ctx.config), ctx.logger),
        OrderStreamModule.forRoot({
          logger: ctx.logger,
          keepAliveMs: ctx.config.ORDER_STREAM_KEEPALIVE_MS,
        }),
        AnalyticsModule.forRoot({
          logger: ctx.logger,
          pageSize: ctx.config.ANALYTICS_PAGE_SIZE,
          keepAliveMs: ctx.config.ANALYTICS_KEEPALIVE_MS,
          followMaxMs: ctx.config.ANALYTICS_FOLLOW_MAX_MS,
          maxStreams: ctx.config.ANALYTICS_MAX_STREAMS,
        }),
        LiveModule.forRoot(ctx, read.module),
      ],
      controllers: [ChainController],
      providers: [{ provide: DEPLOYMENTS, useValue: deployments }],
    };
  }
}
