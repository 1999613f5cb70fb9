// What the module publishes on @nestjs/cqrs's EventBus after a command's events committed.
// The EventBus is in memory and best effort: a crash between the commit and the publish
// loses the notification, and nothing replays it. Use it for in-process conveniences
// (caches, logs). Anything that must happen follows the store: the outbox relay to Kafka
// and the projections consume the committed log (docs/event-store.md, "Durable propagation").
import type { IEvent } from '@nestjs/cqrs';
import type { DomainEvent, EventMetadata } from '@atelier/eventsourcing';

export class AggregateEventsAppended implements IEvent {
  constructor(
    readonly aggregate: string,
    readonly streamName: string,
    readonly events: readonly DomainEvent[],
    readonly revision: bigint,
    readonly position: bigint,
    readonly metadata: EventMetadata,
  ) {}
}
