// The KurrentDB adapter's mapping (revisions, positions, filters, metadata, retries) held to
// the conformance suite against a fake client. The server itself is covered by
// kurrentdb.conformance.int.spec.ts when KURRENTDB_URL is set.
import { describeEventStoreConformance } from '../testing/event-store-conformance';
import { FakeKurrentClient } from '../testing/fake-kurrent-client';
import { KurrentDbEventStore } from './kurrentdb-event-store';

const client = new FakeKurrentClient();

describeEventStoreConformance('KurrentDB adapter over a fake client', {
  limits: { idsUniquePerStreamOnly: true },
  create: async ({ upcasters }) => new KurrentDbEventStore({ client, upcasters }),
});
