// The analysts' endpoints (issue 10): GET /v1/events (the market event log as NDJSON, from a
// position, block or time, filtered, optionally followed) and GET
// /v1/analytics/collections/:address/book (a collection's order book as of a chain block). Both
// read the event store the market module provides (EVENT_STORE) through its port; the
// as-of-block ledgers are the read module's /v1/ledgers/:account?asOfBlock=. docs/analysts.md.
import { Module, type DynamicModule } from '@nestjs/common';
import { EVENT_STORE } from '@atelier/cqrs';
import type { EventStore } from '@atelier/eventsourcing';
import type { Logger } from '@atelier/observability';
import type { AnalyticsOptions } from './analytics.config';
import { EventLogStreams } from './event-log-streams';
import { EventsHttpController } from './events.http.controller';
import { MarketBookReader } from './market-book-as-of';
import { MarketBookHttpController } from './market-book.http.controller';

@Module({})
export class AnalyticsModule {
  static forRoot(options: AnalyticsOptions & { readonly logger: Logger }): DynamicModule {
    const { logger, ...settings } = options;
    return {
      module: AnalyticsModule,
      controllers: [EventsHttpController, MarketBookHttpController],
      providers: [
        {
          provide: EventLogStreams,
          useFactory: (store: EventStore) =>
            new EventLogStreams(
              store,
              settings satisfies AnalyticsOptions,
              logger.child({ component: 'analytics' }),
            ),
          inject: [EVENT_STORE],
        },
        {
          provide: MarketBookReader,
          useFactory: (store: EventStore) => new MarketBookReader(store, settings.pageSize),
          inject: [EVENT_STORE],
        },
      ],
    };
  }
}
