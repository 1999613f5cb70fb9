// The KurrentDB adapter's mapping (revisions, positions, filters, metadata, retries) held to
// the contract against a fake client. The server itself is covered by
// kurrentdb.contract.int.spec.ts when KURRENTDB_URL is set.
import { describeEventStoreContract } from '../contract/event-store-contract';
import { FakeKurrentClient } from './fake-kurrent-client';
import { KurrentDbEventStore } from './kurrentdb-event-store';

const client = new FakeKurrentClient();

describeEventStoreContract('KurrentDB adapter over a fake client', {
  limits: { idsUniquePerStreamOnly: true },
  create: async ({ upcasters }) => new KurrentDbEventStore({ client, upcasters }),
});
