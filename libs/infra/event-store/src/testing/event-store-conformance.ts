// The conformance suite: the behaviour every EventStore adapter is held to (PostgreSQL,
// KurrentDB, in-memory), one describe block per adapter.
// Every test works in its own category and streams, so the suite can run against a shared
// server (KurrentDB's $all holds everything ever written) as well as a fresh schema.
import { randomUUID } from 'node:crypto';
import {
  ANY,
  NO_STREAM,
  STREAM_EXISTS,
  UpcasterRegistry,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
} from '@atelier/eventsourcing';

export interface ConformanceTarget {
  /** What the adapter cannot promise; the suite skips those tests visibly, saying why. */
  readonly limits?: {
    /** KurrentDB: event ids are unique per stream (within a window), not across streams. */
    readonly idsUniquePerStreamOnly?: boolean;
  };
  /** A store for one test file; `upcasters` must be applied by its read path. */
  create(options: { upcasters?: UpcasterRegistry }): Promise<EventStore>;
  /** Called once after all tests (drop the schema, close clients). */
  dispose?(): Promise<void>;
}

const meta = (extra: Record<string, string> = {}) => ({
  correlationId: randomUUID(),
  causationId: null,
  actor: 'system:conformance-test',
  occurredAt: '2025-01-01T00:00:00.000Z',
  ...extra,
});

export const newEvent = (
  type = 'Happened',
  data: NewEvent['data'] = { n: 1 },
  schemaVersion = 1,
): NewEvent => ({
  id: randomUUID(),
  type,
  schemaVersion,
  data,
  metadata: meta(),
});

const events = (n: number, type = 'Happened'): NewEvent[] =>
  Array.from({ length: n }, (_, i) => newEvent(type, { i }));

/** Category names unique per test: the suite never sees another test's events. */
export const uniqueCategory = (): string => `t${randomUUID().replace(/-/g, '').slice(0, 12)}`;

/** Takes `n` events from an iterable within `timeoutMs`, then stops it. */
export async function take(
  subscribe: (signal: AbortSignal) => AsyncIterable<RecordedEvent>,
  n: number,
  timeoutMs = 10_000,
): Promise<RecordedEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const out: RecordedEvent[] = [];
  try {
    for await (const e of subscribe(controller.signal)) {
      out.push(e);
      if (out.length >= n) break;
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return out;
}

const expectCode = async (
  p: Promise<unknown>,
  code: string,
  fields: Record<string, unknown> = {},
) => {
  await expect(p).rejects.toMatchObject({ code, ...fields });
};

export function describeEventStoreConformance(name: string, target: ConformanceTarget): void {
  describe(`EventStore conformance: ${name}`, () => {
    let store: EventStore;
    let upcasting: EventStore;
    const registry = new UpcasterRegistry([
      {
        type: 'Priced',
        fromVersion: 1,
        upcast: (e) => ({
          type: 'Priced',
          schemaVersion: 2,
          data: { price: String(e.data['cents']), currency: 'USD' },
        }),
      },
    ]);

    beforeAll(async () => {
      store = await target.create({});
      upcasting = await target.create({ upcasters: registry });
    });
    afterAll(async () => {
      await store?.close();
      await upcasting?.close();
      await target.dispose?.();
    });

    describe('append with an expected revision', () => {
      it('creates a stream with NO_STREAM: revisions from 0, the result is the next expected revision', async () => {
        const s = `${uniqueCategory()}-1`;
        const batch = events(3);
        const r = await store.append(s, batch, { expectedRevision: NO_STREAM });
        expect(r.nextExpectedRevision).toBe(2n);
        const read = await store.readStream(s);
        expect(read.map((e) => e.revision)).toEqual([0n, 1n, 2n]);
        expect(read.map((e) => e.id)).toEqual(batch.map((e) => e.id));
        expect(r.position).toBe(read[2]!.position);
      });

      it('refuses NO_STREAM on an existing stream with a typed WrongExpectedVersion', async () => {
        const s = `${uniqueCategory()}-1`;
        await store.append(s, events(2), { expectedRevision: NO_STREAM });
        await expectCode(
          store.append(s, events(1), { expectedRevision: NO_STREAM }),
          'EVENT_STORE.WRONG_EXPECTED_VERSION',
          {
            streamName: s,
            expected: NO_STREAM,
            actual: 1n,
          },
        );
      });

      it('appends at the exact revision and refuses a stale one', async () => {
        const s = `${uniqueCategory()}-1`;
        await store.append(s, events(2), { expectedRevision: NO_STREAM });
        expect(
          (await store.append(s, events(2), { expectedRevision: 1n })).nextExpectedRevision,
        ).toBe(3n);
        await expectCode(
          store.append(s, events(1), { expectedRevision: 1n }),
          'EVENT_STORE.WRONG_EXPECTED_VERSION',
          {
            expected: 1n,
            actual: 3n,
          },
        );
        await expectCode(
          store.append(`${uniqueCategory()}-none`, events(1), { expectedRevision: 0n }),
          'EVENT_STORE.WRONG_EXPECTED_VERSION',
          {
            actual: NO_STREAM,
          },
        );
      });

      it('STREAM_EXISTS needs the stream; ANY takes either', async () => {
        const s = `${uniqueCategory()}-1`;
        await expectCode(
          store.append(s, events(1), { expectedRevision: STREAM_EXISTS }),
          'EVENT_STORE.WRONG_EXPECTED_VERSION',
          {
            expected: STREAM_EXISTS,
            actual: NO_STREAM,
          },
        );
        expect(
          (await store.append(s, events(1), { expectedRevision: ANY })).nextExpectedRevision,
        ).toBe(0n);
        expect(
          (await store.append(s, events(2), { expectedRevision: ANY })).nextExpectedRevision,
        ).toBe(2n);
        expect(
          (await store.append(s, events(1), { expectedRevision: STREAM_EXISTS }))
            .nextExpectedRevision,
        ).toBe(3n);
      });

      it('exactly one of many concurrent writers at the same revision wins', async () => {
        const s = `${uniqueCategory()}-1`;
        await store.append(s, events(1), { expectedRevision: NO_STREAM });
        const results = await Promise.allSettled(
          Array.from({ length: 8 }, () => store.append(s, events(2), { expectedRevision: 0n })),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected'))
          expect(r.reason).toMatchObject({
            code: 'EVENT_STORE.WRONG_EXPECTED_VERSION',
            actual: 2n,
          });
        expect(await store.readStream(s)).toHaveLength(3);
      });

      it('rejects malformed appends with INVALID_APPEND', async () => {
        const s = `${uniqueCategory()}-1`;
        const e = newEvent();
        await expectCode(
          store.append(s, [], { expectedRevision: ANY }),
          'EVENT_STORE.INVALID_APPEND',
        );
        await expectCode(
          store.append(s, [e, e], { expectedRevision: ANY }),
          'EVENT_STORE.INVALID_APPEND',
        );
        await expectCode(
          store.append(s, [{ ...e, id: 'not-a-uuid' }], { expectedRevision: ANY }),
          'EVENT_STORE.INVALID_APPEND',
        );
        await expectCode(
          store.append('$system', [newEvent()], { expectedRevision: ANY }),
          'EVENT_STORE.INVALID_APPEND',
        );
        const noActor = { ...e, metadata: { ...e.metadata, actor: '' } };
        await expectCode(
          store.append(s, [noActor], { expectedRevision: ANY }),
          'EVENT_STORE.INVALID_APPEND',
        );
        expect(await store.readStream(s)).toEqual([]);
      });
    });

    describe('idempotent append by event id', () => {
      it.each([
        ['NO_STREAM', NO_STREAM],
        ['ANY', ANY],
      ] as const)(
        'a retried first append (%s) returns the original result and stores nothing twice',
        async (_label, expected) => {
          const s = `${uniqueCategory()}-1`;
          const batch = events(3);
          const first = await store.append(s, batch, { expectedRevision: expected });
          const retry = await store.append(s, batch, { expectedRevision: expected });
          expect(retry).toEqual(first);
          expect(await store.readStream(s)).toHaveLength(3);
        },
      );

      it('a retried append at an exact revision returns the original result after later appends', async () => {
        const s = `${uniqueCategory()}-1`;
        await store.append(s, events(1), { expectedRevision: NO_STREAM });
        const batch = events(2);
        const first = await store.append(s, batch, { expectedRevision: 0n });
        await store.append(s, events(1), { expectedRevision: 2n });
        expect(await store.append(s, batch, { expectedRevision: 0n })).toEqual(first);
        expect(await store.append(s, batch, { expectedRevision: STREAM_EXISTS })).toEqual(first);
        expect(await store.readStream(s)).toHaveLength(4);
      });

      it('a retry with a partial overlap or in another order is an IDEMPOTENCY_CONFLICT', async () => {
        const s = `${uniqueCategory()}-1`;
        const batch = events(2);
        await store.append(s, batch, { expectedRevision: NO_STREAM });
        await expectCode(
          store.append(s, [batch[0]!, newEvent()], { expectedRevision: NO_STREAM }),
          'EVENT_STORE.IDEMPOTENCY_CONFLICT',
        );
        await expectCode(
          store.append(s, [batch[1]!, batch[0]!], { expectedRevision: NO_STREAM }),
          'EVENT_STORE.IDEMPOTENCY_CONFLICT',
        );
        await expectCode(
          store.append(s, [batch[1]!, newEvent()], { expectedRevision: ANY }),
          'EVENT_STORE.IDEMPOTENCY_CONFLICT',
        );
        expect(await store.readStream(s)).toHaveLength(2);
      });

      const crossStream = target.limits?.idsUniquePerStreamOnly
        ? it.skip.bind(
            it,
            `event ids stored in another stream are an IDEMPOTENCY_CONFLICT — SKIPPED: ${name} keeps ids unique per stream only`,
          )
        : it.bind(it, 'event ids stored in another stream are an IDEMPOTENCY_CONFLICT');
      crossStream(async () => {
        const batch = events(2);
        await store.append(`${uniqueCategory()}-1`, batch, { expectedRevision: NO_STREAM });
        await expectCode(
          store.append(`${uniqueCategory()}-other`, batch, { expectedRevision: NO_STREAM }),
          'EVENT_STORE.IDEMPOTENCY_CONFLICT',
        );
        await expectCode(
          store.append(`${uniqueCategory()}-other`, [newEvent(), batch[0]!], {
            expectedRevision: ANY,
          }),
          'EVENT_STORE.IDEMPOTENCY_CONFLICT',
        );
      });
    });

    describe('reading a stream', () => {
      let s: string;
      let written: NewEvent[];
      beforeAll(async () => {
        s = `${uniqueCategory()}-read`;
        written = events(10);
        await store.append(s, written.slice(0, 4), { expectedRevision: NO_STREAM });
        await store.append(s, written.slice(4), { expectedRevision: 3n });
      });

      it('forwards from a revision, with a max count', async () => {
        const read = await store.readStream(s, { fromRevision: 3n, maxCount: 4 });
        expect(read.map((e) => e.revision)).toEqual([3n, 4n, 5n, 6n]);
        expect(read.map((e) => e.id)).toEqual(written.slice(3, 7).map((e) => e.id));
        expect(await store.readStream(s, { fromRevision: 10n })).toEqual([]);
      });

      it('backwards from the end or from a revision', async () => {
        expect(
          (await store.readStream(s, { direction: 'backwards', maxCount: 3 })).map(
            (e) => e.revision,
          ),
        ).toEqual([9n, 8n, 7n]);
        expect(
          (await store.readStream(s, { direction: 'backwards', fromRevision: 2n })).map(
            (e) => e.revision,
          ),
        ).toEqual([2n, 1n, 0n]);
      });

      it('a stream that does not exist reads as empty', async () => {
        expect(await store.readStream(`${uniqueCategory()}-missing`)).toEqual([]);
      });

      it('returns data and metadata as written, with positions and a record time', async () => {
        const t = `${uniqueCategory()}-json`;
        const data = {
          price: '123456789012345678901234567890',
          nested: { list: [1, 'two', null, true] },
          text: 'ünïcødé ✓',
        };
        const e = {
          ...newEvent('Typed', data, 3),
          metadata: { ...meta(), causationId: 'cmd-1', requestId: 'req-7' },
        };
        await store.append(t, [e], { expectedRevision: NO_STREAM });
        const [read] = await store.readStream(t);
        expect(read).toMatchObject({
          id: e.id,
          type: 'Typed',
          schemaVersion: 3,
          data,
          metadata: e.metadata,
          streamName: t,
          revision: 0n,
        });
        expect(read!.position).toBeGreaterThan(0n);
        expect(read!.recordedAt).toBeInstanceOf(Date);
      });
    });

    describe('reading all streams', () => {
      it('in global order, after an exclusive checkpoint, with a max count, filtered by category', async () => {
        const cat = uniqueCategory();
        const other = uniqueCategory();
        const written: string[] = [];
        for (let i = 0; i < 6; i++) {
          const e = newEvent('Happened', { i });
          written.push(e.id);
          await store.append(`${cat}-${i % 3}`, [e], { expectedRevision: ANY });
          await store.append(`${other}-${i}`, [newEvent()], { expectedRevision: ANY });
          // a category is the part before the first '-': 'cat' must not match 'catx-…'
          await store.append(`${cat}x-${i}`, [newEvent()], { expectedRevision: ANY });
        }
        const mine = await store.readAll({ category: cat, maxCount: 100 });
        expect(mine.map((e) => e.id)).toEqual(written);
        const positions = mine.map((e) => e.position);
        expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions);
        const after = await store.readAll({ category: cat, after: positions[1]!, maxCount: 3 });
        expect(after.map((e) => e.id)).toEqual(written.slice(2, 5));

        const all = await store.readAll({ after: positions[0]! - 1n, maxCount: 1000 });
        const ids = new Set(all.map((e) => e.id));
        expect(written.every((id) => ids.has(id))).toBe(true);
        expect(all.map((e) => e.position)).toEqual(
          [...all.map((e) => e.position)].sort((a, b) => (a < b ? -1 : 1)),
        );
      });
    });

    describe('upcasting on read', () => {
      it('stream reads, reads of all and subscriptions return the current version', async () => {
        const cat = uniqueCategory();
        await upcasting.append(
          `${cat}-1`,
          [
            newEvent('Priced', { cents: 250 }, 1),
            newEvent('Priced', { price: '9', currency: 'EUR' }, 2),
          ],
          {
            expectedRevision: NO_STREAM,
          },
        );
        const expected = [
          { type: 'Priced', schemaVersion: 2, data: { price: '250', currency: 'USD' } },
          { type: 'Priced', schemaVersion: 2, data: { price: '9', currency: 'EUR' } },
        ];
        expect(await upcasting.readStream(`${cat}-1`)).toMatchObject(expected);
        expect(await upcasting.readAll({ category: cat })).toMatchObject(expected);
        expect(
          await take((signal) => upcasting.subscribe({ category: cat, signal }), 2),
        ).toMatchObject(expected);
        // the stored event is unchanged: a store without the upcaster sees v1
        expect((await store.readStream(`${cat}-1`))[0]).toMatchObject({
          schemaVersion: 1,
          data: { cents: 250 },
        });
      });
    });

    describe('catch-up subscriptions', () => {
      it('delivers history, turns live, and delivers new events, each once and in order', async () => {
        const cat = uniqueCategory();
        const history = events(5);
        await store.append(`${cat}-a`, history, { expectedRevision: NO_STREAM });
        const controller = new AbortController();
        const seen: RecordedEvent[] = [];
        let caughtUpAt: bigint | undefined;
        let resolveCaughtUp!: () => void;
        const caughtUp = new Promise<void>((r) => (resolveCaughtUp = r));
        const done = (async () => {
          for await (const e of store.subscribe({
            category: cat,
            signal: controller.signal,
            batchSize: 2,
            onCaughtUp: (p) => {
              caughtUpAt ??= p;
              resolveCaughtUp();
            },
          })) {
            seen.push(e);
            if (seen.length === 9) controller.abort();
          }
        })();
        const never = new Promise((_, reject) =>
          setTimeout(() => reject(new Error('never caught up')), 10_000).unref(),
        );
        await Promise.race([caughtUp, never]);
        expect(caughtUpAt).toBe(seen[4]?.position);
        const live = events(4);
        await store.append(`${cat}-a`, live.slice(0, 2), { expectedRevision: 4n });
        await store.append(`${cat}-b`, live.slice(2), { expectedRevision: NO_STREAM });
        const deadline = setTimeout(() => controller.abort(), 10_000);
        await done;
        clearTimeout(deadline);
        expect(seen.map((e) => e.id)).toEqual([...history, ...live].map((e) => e.id));
      });

      it('starts after a checkpoint', async () => {
        const cat = uniqueCategory();
        await store.append(`${cat}-a`, events(4), { expectedRevision: NO_STREAM });
        const all = await store.readAll({ category: cat });
        const got = await take(
          (signal) => store.subscribe({ category: cat, after: all[1]!.position, signal }),
          2,
        );
        expect(got.map((e) => e.id)).toEqual(all.slice(2).map((e) => e.id));
      });

      it('stops when its signal aborts', async () => {
        const controller = new AbortController();
        const subscription = store.subscribe({
          category: uniqueCategory(),
          signal: controller.signal,
        });
        const it = subscription[Symbol.asyncIterator]();
        const next = it.next();
        setTimeout(() => controller.abort(), 50);
        await expect(next).resolves.toEqual({ done: true, value: undefined });
      });

      it('with concurrent writers, a live subscriber sees every event once, in the order of readAll', async () => {
        const cat = uniqueCategory();
        const writers = 6;
        const appendsPerWriter = 15;
        const total = writers * appendsPerWriter * 2;
        const seen = take(
          (signal) => store.subscribe({ category: cat, signal, batchSize: 7 }),
          total,
          30_000,
        );
        await Promise.all(
          Array.from({ length: writers }, async (_, w) => {
            for (let i = 0; i < appendsPerWriter; i++) {
              // half to a private stream, half to a stream all writers contend on
              await store.append(`${cat}-w${w}`, events(1), { expectedRevision: ANY });
              await store.append(`${cat}-shared`, events(1), { expectedRevision: ANY });
            }
          }),
        );
        const delivered = await seen;
        expect(delivered).toHaveLength(total);
        expect(new Set(delivered.map((e) => e.id)).size).toBe(total);
        const positions = delivered.map((e) => e.position);
        for (let i = 1; i < positions.length; i++)
          expect(positions[i]! > positions[i - 1]!).toBe(true);
        const replay = await store.readAll({ category: cat, maxCount: total + 10 });
        expect(replay.map((e) => e.id)).toEqual(delivered.map((e) => e.id));
        const shared = await store.readStream(`${cat}-shared`);
        expect(shared.map((e) => e.revision)).toEqual(shared.map((_, i) => BigInt(i)));
      });
    });
  });
}
