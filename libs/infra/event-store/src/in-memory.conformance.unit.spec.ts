// The conformance suite against the in-memory store, so unit tests that use it can trust it.
import { InMemoryEventStore } from '@atelier/eventsourcing';
import { describeEventStoreConformance } from './testing/event-store-conformance';

// one log behind every store the suite creates, as one database would be
const shared = new InMemoryEventStore();

describeEventStoreConformance('in-memory', {
  create: async ({ upcasters }) => new InMemoryEventStore({ upcasters, sharing: shared }),
});
