// The live feeds (docs/live.md): LiveFeed (one tail of the market log and one poller of the
// ledgers model per process), their SSE routes under /v1/live and the GraphQL subscriptions.
// Reads the event store and the orders read model the global MarketModule provides, and the
// ledgers model of the read module it is given (the app's own instance, imported here).
import { Module, type DynamicModule } from '@nestjs/common';
import type { HttpAppContext } from '@atelier/platform';
import type { GatewayConfig } from '../config';
import { liveOptions } from './live.config';
import { LIVE_LOGGER, LIVE_OPTIONS, LiveFeed } from './live-feed';
import { LiveHttpController } from './live.http.controller';
import { registerLiveMetrics } from './live.metrics';
import { LiveResolver } from './live.resolver';

const LIVE_METRICS = Symbol('atelier.gateway.LIVE_METRICS');

@Module({})
export class LiveModule {
  static forRoot(ctx: HttpAppContext<GatewayConfig>, read: DynamicModule): DynamicModule {
    return {
      module: LiveModule,
      imports: [read],
      controllers: [LiveHttpController],
      providers: [
        { provide: LIVE_OPTIONS, useValue: liveOptions(ctx.config) },
        { provide: LIVE_LOGGER, useValue: ctx.logger.child({ component: 'live' }) },
        LiveFeed,
        {
          provide: LIVE_METRICS,
          useFactory: (feed: LiveFeed) => registerLiveMetrics(ctx.metrics.registry, feed),
          inject: [LiveFeed],
        },
        // Joins the app's GraphQL schema (graphql/ scans every module for resolvers).
        LiveResolver,
      ],
      exports: [LiveFeed],
    };
  }
}
