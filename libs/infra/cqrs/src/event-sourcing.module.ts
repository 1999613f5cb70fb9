// NestJS wiring of the event-sourcing kit: forRoot provides the EventStore (and snapshot
// store) once for the app, forFeature provides one EventSourcedRepository per aggregate,
// injectable into @nestjs/cqrs command and query handlers with @InjectAggregateRepository.
// The module chooses no adapter: the app builds its store (PostgreSQL by default, see
// @atelier/event-store) and passes it in, so this library holds no connection logic.
import {
  Global,
  Inject,
  Injectable,
  Logger as NestLogger,
  Module,
  Optional,
  type DynamicModule,
  type FactoryProvider,
  type ModuleMetadata,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import type { Clock } from '@atelier/kernel';
import {
  EventSourcedRepository,
  type AggregateDefinition,
  type EventStore,
  type Logger,
  type RepositoryOptions,
  type SnapshotStore,
} from '@atelier/eventsourcing';
import { AggregateEventsAppended } from './aggregate-events-appended';
import { EVENT_SOURCING_OPTIONS, EVENT_STORE, repositoryToken, SNAPSHOT_STORE } from './tokens';

export interface EventSourcingOptions {
  readonly store: EventStore;
  readonly snapshots?: SnapshotStore;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Default for every repository; forFeature may override. Default 5. */
  readonly maxAttempts?: number;
  /** Publish AggregateEventsAppended on the in-memory EventBus after each commit. Default false. */
  readonly publishToEventBus?: boolean;
  /** Close the store when the app shuts down (when the module owns it). Default false. */
  readonly closeStoreOnShutdown?: boolean;
  readonly onConflict?: RepositoryOptions['onConflict'];
}

export interface EventSourcingAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  readonly inject?: FactoryProvider['inject'];
  readonly useFactory: (...args: never[]) => EventSourcingOptions | Promise<EventSourcingOptions>;
}

export type FeatureOptions = Omit<
  RepositoryOptions,
  'snapshots' | 'clock' | 'logger' | 'onAppended'
>;

@Injectable()
class StoreCloser implements OnApplicationShutdown {
  constructor(@Inject(EVENT_SOURCING_OPTIONS) private readonly options: EventSourcingOptions) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.options.closeStoreOnShutdown) await this.options.store.close();
  }
}

const rootProviders = (optionsProvider: Provider): Provider[] => [
  optionsProvider,
  {
    provide: EVENT_STORE,
    useFactory: (o: EventSourcingOptions) => o.store,
    inject: [EVENT_SOURCING_OPTIONS],
  },
  {
    provide: SNAPSHOT_STORE,
    useFactory: (o: EventSourcingOptions) => o.snapshots ?? null,
    inject: [EVENT_SOURCING_OPTIONS],
  },
  StoreCloser,
];

@Global()
@Module({})
export class EventSourcingModule {
  static forRoot(options: EventSourcingOptions): DynamicModule {
    return {
      module: EventSourcingModule,
      providers: rootProviders({ provide: EVENT_SOURCING_OPTIONS, useValue: options }),
      exports: [EVENT_STORE, SNAPSHOT_STORE, EVENT_SOURCING_OPTIONS],
    };
  }

  static forRootAsync(options: EventSourcingAsyncOptions): DynamicModule {
    return {
      module: EventSourcingModule,
      imports: options.imports ?? [],
      providers: rootProviders({
        provide: EVENT_SOURCING_OPTIONS,
        useFactory: options.useFactory as (...args: unknown[]) => EventSourcingOptions,
        inject: options.inject ?? [],
      }),
      exports: [EVENT_STORE, SNAPSHOT_STORE, EVENT_SOURCING_OPTIONS],
    };
  }

  /** One repository per aggregate, injectable with @InjectAggregateRepository(definition). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  static forFeature(
    definitions: readonly AggregateDefinition<any, any, any, any>[],
    overrides: FeatureOptions = {},
  ): DynamicModule {
    const providers: Provider[] = definitions.map((definition) => ({
      provide: repositoryToken(definition),
      useFactory: (options: EventSourcingOptions, eventBus: EventBus | null) => {
        const logger = options.logger;
        const publish = options.publishToEventBus && eventBus;
        if (options.publishToEventBus && !eventBus)
          new NestLogger('EventSourcingModule').warn(
            'publishToEventBus is set but no EventBus is available (import CqrsModule.forRoot())',
          );
        return new EventSourcedRepository(definition, options.store, {
          maxAttempts: options.maxAttempts,
          onConflict: options.onConflict,
          ...overrides,
          clock: options.clock,
          logger,
          snapshots: options.snapshots,
          onAppended: publish
            ? (info) =>
                eventBus.publish(
                  new AggregateEventsAppended(
                    info.aggregate,
                    info.streamName,
                    info.events,
                    info.revision,
                    info.position,
                    info.metadata,
                  ),
                )
            : undefined,
        });
      },
      inject: [EVENT_SOURCING_OPTIONS, { token: EventBus, optional: true }],
    }));
    return { module: EventSourcingFeatureModule, providers, exports: providers };
  }
}

/** Holder module for forFeature registrations (a feature may be imported many times). */
@Module({})
class EventSourcingFeatureModule {
  constructor(@Optional() @Inject(EVENT_SOURCING_OPTIONS) options?: EventSourcingOptions) {
    if (!options)
      throw new Error(
        'EventSourcingModule.forFeature needs EventSourcingModule.forRoot() (or forRootAsync) in the app',
      );
  }
}
