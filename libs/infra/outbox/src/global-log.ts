// What the relay and replays need from the event store: its global log, read forward in
// batches after a checkpoint (exclusive), in global order with no event skipped under
// concurrent writers. That is the EventStore port's readAll and nothing more, so any
// adapter of the port fits (PostgreSQL, KurrentDB, the in-memory one in unit tests).
import type { EventStore, RecordedEvent } from '@atelier/eventsourcing';

export type GlobalLogReader = Pick<EventStore, 'readAll'>;
export type LoggedEvent = RecordedEvent;
