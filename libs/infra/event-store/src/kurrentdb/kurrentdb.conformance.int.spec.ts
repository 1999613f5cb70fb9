// The EventStore conformance suite against a real KurrentDB server, when KURRENTDB_URL names one
// (e.g. kurrentdb://127.0.0.1:2113?tls=false). Without it the suite is reported as skipped,
// by name, rather than passing silently.
import { describeEventStoreConformance } from '../testing/event-store-conformance';
import { KurrentDbEventStore } from './kurrentdb-event-store';

const url = process.env['KURRENTDB_URL'];

if (url) {
  describeEventStoreConformance(`KurrentDB at ${url.replace(/\/\/[^@]*@/, '//***@')}`, {
    limits: { idsUniquePerStreamOnly: true },
    create: async ({ upcasters }) => new KurrentDbEventStore({ connectionString: url, upcasters }),
  });
} else {
  // the default reporter does not list skipped tests by name, so say it on the console too
  console.warn(
    'KurrentDB conformance suite — SKIPPED: KURRENTDB_URL not set (e.g. KURRENTDB_URL=kurrentdb://127.0.0.1:2113?tls=false)',
  );
  describe.skip('KurrentDB conformance suite — SKIPPED: KURRENTDB_URL not set', () => {
    it('runs the whole EventStore conformance suite against a KurrentDB server (set KURRENTDB_URL=kurrentdb://host:2113?tls=false)', () =>
      undefined);
  });
}
