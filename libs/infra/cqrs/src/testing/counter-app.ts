// A test-only app for event-sourcing.int.spec.ts: a counter aggregate (defined here, not a
// real domain), its command and query with @nestjs/cqrs handlers, and a boot function.
// Loaded lazily by the spec: NestJS 12 is ESM-only, which jest can load only when run with
// NODE_OPTIONS=--experimental-vm-modules.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  Command,
  CommandHandler,
  CqrsModule,
  EventsHandler,
  Query,
  QueryHandler,
  type ICommandHandler,
  type IEventHandler,
  type IQueryHandler,
} from '@nestjs/cqrs';
import { z } from 'zod';
import { domainError, err, ok, type DomainError, type Result } from '@atelier/kernel';
import {
  defineAggregate,
  defineEventCodec,
  EventSourcedRepository,
  zUnsignedBigint,
  type Decider,
  type EventStore,
  type HandleSuccess,
} from '@atelier/eventsourcing';
import { AggregateEventsAppended, EventSourcingModule, InjectAggregateRepository } from '../index';

// ---- a test-only aggregate: a counter with a ceiling --------------------------------
type CounterCommand = { readonly type: 'Increment'; readonly by: bigint; readonly ceiling: bigint };
type CounterEvent = { readonly type: 'Incremented'; readonly data: { readonly by: bigint } };
type CounterState = { readonly value: bigint };
type CounterError = DomainError<'COUNTER.CEILING_REACHED' | 'COUNTER.INVALID_STEP'>;

const counterDecider: Decider<CounterCommand, CounterEvent, CounterState, CounterError> = {
  initialState: { value: 0n },
  decide(command, state) {
    switch (command.type) {
      case 'Increment':
        if (command.by <= 0n)
          return err(domainError('COUNTER.INVALID_STEP', 'step must be positive'));
        if (state.value + command.by > command.ceiling)
          return err(domainError('COUNTER.CEILING_REACHED', 'would pass the ceiling'));
        return ok([{ type: 'Incremented', data: { by: command.by } }]);
      default: {
        const _exhaustive: never = command.type;
        return _exhaustive;
      }
    }
  },
  evolve: (state, event) => ({ value: state.value + event.data.by }),
};

const Counter = defineAggregate({
  name: 'Counter',
  category: 'counter',
  decider: counterDecider,
  codec: defineEventCodec<CounterEvent>({
    Incremented: { schemaVersion: 1, schema: z.object({ by: zUnsignedBigint }) },
  }),
});
type CounterRepository = EventSourcedRepository<
  CounterCommand,
  CounterEvent,
  CounterState,
  CounterError
>;
type Outcome = Result<HandleSuccess<CounterEvent, CounterState>, CounterError>;

// ---- commands, queries and their handlers, as an application library would write them --
export class IncrementCounter extends Command<Outcome> {
  constructor(
    readonly counterId: string,
    readonly by: bigint,
    readonly ceiling = 1_000_000n,
  ) {
    super();
  }
}

export class GetCounter extends Query<{ value: bigint; revision: bigint | 'no_stream' }> {
  constructor(readonly counterId: string) {
    super();
  }
}

@CommandHandler(IncrementCounter)
class IncrementCounterHandler implements ICommandHandler<IncrementCounter> {
  constructor(@InjectAggregateRepository(Counter) private readonly counters: CounterRepository) {}
  execute(c: IncrementCounter): Promise<Outcome> {
    return this.counters.handle(
      c.counterId,
      { type: 'Increment', by: c.by, ceiling: c.ceiling },
      { correlationId: randomUUID(), actor: 'user:int-test' },
    );
  }
}

@QueryHandler(GetCounter)
class GetCounterHandler implements IQueryHandler<GetCounter> {
  constructor(@InjectAggregateRepository(Counter) private readonly counters: CounterRepository) {}
  async execute(q: GetCounter) {
    const loaded = await this.counters.load(q.counterId);
    return { value: loaded.state.value, revision: loaded.revision };
  }
}

const published: AggregateEventsAppended[] = [];
@EventsHandler(AggregateEventsAppended)
class RecordPublications implements IEventHandler<AggregateEventsAppended> {
  handle(e: AggregateEventsAppended): void {
    published.push(e);
  }
}

// ---- the app ---------------------------------------------------------------------------
export const observed = { conflicts: 0, published };

export async function boot(
  store: EventStore,
  maxAttempts: number,
): Promise<INestApplicationContext> {
  @Module({
    imports: [
      CqrsModule.forRoot(),
      EventSourcingModule.forRoot({
        store,
        publishToEventBus: true,
        onConflict: () => observed.conflicts++,
      }),
      EventSourcingModule.forFeature([Counter], { maxAttempts, retryJitterMs: 3 }),
    ],
    providers: [IncrementCounterHandler, GetCounterHandler, RecordPublications],
  })
  class AppModule {}
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  await app.init();
  return app;
}
