// The repository against the in-memory store: metadata stamping, refusals, bounded retries
// that re-decide on the fresh state, and snapshot loading (used when valid, ignored when not).
import { FixedClock } from '@atelier/kernel';
import {
  ConcurrencyRetriesExhaustedError,
  defineAggregate,
  EventSourcedRepository,
  InMemoryEventStore,
  InMemorySnapshotStore,
  type AppendOptions,
  type EventStore,
  type NewEvent,
  type RepositoryOptions,
} from './index';
import {
  BUYER,
  listingCodec,
  listingDecider,
  NOW,
  SELLER,
  type ListingState,
} from './testing/listing';

const listing = defineAggregate({
  name: 'Listing',
  category: 'listing',
  decider: listingDecider,
  codec: listingCodec,
});
const ctx = { correlationId: 'corr-1', actor: 'user:seller' };

function sequentialIds(): () => string {
  let n = 0;
  return () => `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, '0')}`;
}

/** Lets a test run a competing write right before the repository's own append. */
class InterferingStore implements EventStore {
  interfere: ((stream: string) => Promise<void>) | undefined;
  appends = 0;
  constructor(readonly inner: InMemoryEventStore) {}
  async append(stream: string, events: readonly NewEvent[], options: AppendOptions) {
    this.appends++;
    const hook = this.interfere;
    if (hook) await hook(stream);
    return this.inner.append(stream, events, options);
  }
  readStream = (...a: Parameters<EventStore['readStream']>) => this.inner.readStream(...a);
  readAll = (...a: Parameters<EventStore['readAll']>) => this.inner.readAll(...a);
  subscribe = (...a: Parameters<EventStore['subscribe']>) => this.inner.subscribe(...a);
  close = () => this.inner.close();
}

function setup(options: RepositoryOptions = {}) {
  const inner = new InMemoryEventStore();
  const store = new InterferingStore(inner);
  const clock = new FixedClock(NOW);
  const repo = new EventSourcedRepository(listing, store, {
    clock,
    newId: sequentialIds(),
    retryJitterMs: 0,
    ...options,
  });
  // a second writer with its own repository, as another process would be
  const other = new EventSourcedRepository(listing, inner, { clock, retryJitterMs: 0 });
  return { inner, store, repo, other, clock };
}

describe('EventSourcedRepository', () => {
  it('appends the decided events with stamped metadata and returns the new state', async () => {
    const { repo, inner } = setup();
    const r = await repo.handle(
      'a1',
      { type: 'List', seller: SELLER, price: 10n, now: NOW },
      { ...ctx, extra: { requestId: 'r-9' } },
    );
    expect(r.ok && r.value).toMatchObject({
      streamName: 'listing-a1',
      revision: 0n,
      attempts: 1,
      state: { status: 'listed', price: 10n },
    });
    const [stored] = await inner.readStream('listing-a1');
    expect(stored).toMatchObject({
      id: '00000000-0000-4000-8000-000000000001',
      type: 'Listed',
      schemaVersion: 2,
      data: { seller: SELLER, price: '10', listedAt: NOW },
      metadata: {
        correlationId: 'corr-1',
        causationId: 'corr-1',
        actor: 'user:seller',
        occurredAt: NOW,
        requestId: 'r-9',
      },
    });
  });

  it('returns a refusal as a Result and appends nothing', async () => {
    const { repo, store } = setup();
    const r = await repo.handle('a1', { type: 'Cancel', seller: SELLER }, ctx);
    expect(r).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'LISTING.NOT_LISTED' }),
    });
    expect(store.appends).toBe(0);
  });

  it('a decision with no events appends nothing', async () => {
    const { repo, store } = setup();
    await repo.handle('a1', { type: 'List', seller: SELLER, price: 10n, now: NOW }, ctx);
    const r = await repo.handle('a1', { type: 'Reprice', seller: SELLER, price: 10n }, ctx);
    expect(r.ok && r.value.events).toEqual([]);
    expect(store.appends).toBe(1);
  });

  it('on a conflict, catches up and decides again on the fresh state', async () => {
    const conflicts: number[] = [];
    const { repo, store, other } = setup({ onConflict: ({ attempt }) => conflicts.push(attempt) });
    await repo.handle('a1', { type: 'List', seller: SELLER, price: 10n, now: NOW }, ctx);
    // another writer reprices between our load and our append
    store.interfere = async () => {
      store.interfere = undefined;
      await other.handle('a1', { type: 'Reprice', seller: SELLER, price: 12n }, ctx);
    };
    const buy = await repo.handle('a1', { type: 'Purchase', buyer: BUYER, price: 10n }, ctx);
    // the retry saw the new price and refused, instead of selling at a stale one
    expect(buy).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'LISTING.PRICE_MISMATCH' }),
    });
    expect(conflicts).toEqual([1]);

    store.interfere = async () => {
      store.interfere = undefined;
      await other.handle('a1', { type: 'Reprice', seller: SELLER, price: 15n }, ctx);
    };
    const reprice = await repo.handle('a1', { type: 'Reprice', seller: SELLER, price: 20n }, ctx);
    expect(reprice.ok && reprice.value).toMatchObject({
      attempts: 2,
      revision: 3n,
      state: { price: 20n },
    });
  });

  it('gives up after maxAttempts with a typed error', async () => {
    const { repo, store, other } = setup({ maxAttempts: 3 });
    await repo.handle('a1', { type: 'List', seller: SELLER, price: 10n, now: NOW }, ctx);
    let price = 100n;
    store.interfere = async () => {
      await other.handle('a1', { type: 'Reprice', seller: SELLER, price: price++ }, ctx);
    };
    const attempt = repo.handle('a1', { type: 'Reprice', seller: SELLER, price: 1n }, ctx);
    await expect(attempt).rejects.toBeInstanceOf(ConcurrencyRetriesExhaustedError);
    await expect(attempt).rejects.toMatchObject({
      code: 'EVENT_STORE.CONCURRENCY_RETRIES_EXHAUSTED',
      attempts: 3,
    });
  });

  it('other store errors are not retried', async () => {
    const { repo, store } = setup();
    store.interfere = async () => {
      throw new Error('connection reset');
    };
    await expect(
      repo.handle('a1', { type: 'List', seller: SELLER, price: 10n, now: NOW }, ctx),
    ).rejects.toThrow('connection reset');
    expect(store.appends).toBe(1);
  });
});

describe('EventSourcedRepository with snapshots', () => {
  const snapshotted = defineAggregate({
    ...listing,
    snapshots: {
      schemaVersion: 1,
      every: 3,
      encode: (s: ListingState) =>
        JSON.parse(JSON.stringify(s, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))),
      decode: (j) =>
        JSON.parse(JSON.stringify(j), (_k, v) =>
          typeof v === 'string' && /^\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v,
        ) as ListingState,
    },
  });

  async function build() {
    const store = new InMemoryEventStore();
    const snapshots = new InMemorySnapshotStore();
    const repo = new EventSourcedRepository(snapshotted, store, { snapshots, retryJitterMs: 0 });
    await repo.handle('s1', { type: 'List', seller: SELLER, price: 1n, now: NOW }, ctx);
    for (let p = 2n; p <= 7n; p++)
      await repo.handle('s1', { type: 'Reprice', seller: SELLER, price: p }, ctx);
    return { store, snapshots, repo };
  }

  it('takes a snapshot every N events and loads from it', async () => {
    const { snapshots, repo } = await build(); // revisions 0..6
    const snap = await snapshots.load('listing-s1');
    expect(snap?.revision).toBe(5n); // taken at revision 2 (3 events), then at 5
    const loaded = await repo.load('s1');
    expect(loaded).toMatchObject({
      revision: 6n,
      snapshotRevision: 5n,
      eventsRead: 1,
      state: { status: 'listed', price: 7n },
    });
  });

  it('ignores a snapshot of another schema version, and survives an unreadable one', async () => {
    const { snapshots, store } = await build();
    await snapshots.save({ streamName: 'listing-s1', revision: 99n, schemaVersion: 0, state: {} });
    const repo = new EventSourcedRepository(snapshotted, store, { snapshots });
    expect(await repo.load('s1')).toMatchObject({
      revision: 6n,
      snapshotRevision: undefined,
      eventsRead: 7,
    });

    const broken = new EventSourcedRepository(snapshotted, store, {
      snapshots: {
        load: async () => Promise.reject(new Error('disk')),
        save: async () => undefined,
      },
    });
    expect(await broken.load('s1')).toMatchObject({
      revision: 6n,
      eventsRead: 7,
      state: { price: 7n },
    });
  });

  it('a failing snapshot save never fails the command', async () => {
    const store = new InMemoryEventStore();
    const repo = new EventSourcedRepository(snapshotted, store, {
      snapshots: {
        load: async () => undefined,
        save: async () => Promise.reject(new Error('full')),
      },
    });
    for (let i = 0; i < 4; i++) {
      const r = await repo.handle(
        'f1',
        i === 0
          ? { type: 'List', seller: SELLER, price: 1n, now: NOW }
          : { type: 'Reprice', seller: SELLER, price: BigInt(i + 1) },
        ctx,
      );
      expect(r.ok).toBe(true);
    }
  });
});

describe('EventSourcedRepository.handleAll', () => {
  it('decides each command against the state the previous ones leave, reports refusals, appends once', async () => {
    const { repo, store, inner } = setup();
    const result = await repo.handleAll(
      'a1',
      [
        { type: 'List', seller: SELLER, price: 10n, now: NOW },
        { type: 'Reprice', seller: BUYER, price: 11n }, // refused: not the seller
        { type: 'Reprice', seller: SELLER, price: 12n },
        { type: 'Purchase', buyer: BUYER, price: 12n }, // sees the price of command 3
      ],
      ctx,
    );
    expect(result.outcomes.map((o) => (o.ok ? o.events.map((e) => e.type) : o.error.code))).toEqual(
      [['Listed'], 'LISTING.NOT_SELLER', ['Repriced'], ['Sold']],
    );
    expect(store.appends).toBe(1);
    expect(result.revision).toBe(2n);
    expect(result.state).toMatchObject({ status: 'sold', price: 12n });
    expect((await inner.readStream('listing-a1')).map((e) => e.type)).toEqual([
      'Listed',
      'Repriced',
      'Sold',
    ]);
  });

  it('decides the whole batch again after a conflict', async () => {
    const { repo, store, other } = setup({ retryJitterMs: 0 });
    await repo.handle('a1', { type: 'List', seller: SELLER, price: 10n, now: NOW }, ctx);
    store.interfere = async () => {
      store.interfere = undefined;
      await other.handle('a1', { type: 'Reprice', seller: SELLER, price: 12n }, ctx);
    };
    const result = await repo.handleAll(
      'a1',
      [{ type: 'Purchase', buyer: BUYER, price: 10n }],
      ctx,
    );
    expect(result.attempts).toBe(2);
    expect(result.outcomes).toEqual([
      { ok: false, error: expect.objectContaining({ code: 'LISTING.PRICE_MISMATCH' }) },
    ]);
    expect(result.position).toBeUndefined();
  });

  it('never folds a tentative decision into the state it started from (cloneState)', async () => {
    const clones: ListingState[] = [];
    const mutableListing = defineAggregate({
      ...listing,
      cloneState: (s: ListingState) => {
        const copy = { ...s };
        clones.push(copy);
        return copy;
      },
    });
    const repo = new EventSourcedRepository(mutableListing, new InMemoryEventStore(), {
      retryJitterMs: 0,
      cachedStreams: 10,
    });
    await repo.handleAll('a1', [{ type: 'List', seller: SELLER, price: 10n, now: NOW }], ctx);
    expect(clones).toHaveLength(1);
  });
});

describe('EventSourcedRepository with a stream cache', () => {
  it('reads only the events appended since its last command, including other writers', async () => {
    const inner = new InMemoryEventStore();
    const reads: bigint[] = [];
    const store: EventStore = {
      append: (...a) => inner.append(...a),
      readStream: (stream, options) => {
        reads.push(BigInt(options?.fromRevision ?? 0n));
        return inner.readStream(stream, options);
      },
      readAll: (...a) => inner.readAll(...a),
      subscribe: (...a) => inner.subscribe(...a),
      close: () => inner.close(),
    };
    const repo = new EventSourcedRepository(listing, store, {
      cachedStreams: 10,
      retryJitterMs: 0,
    });
    const other = new EventSourcedRepository(listing, inner, { retryJitterMs: 0 });
    await repo.handle('a1', { type: 'List', seller: SELLER, price: 10n, now: NOW }, ctx);
    await other.handle('a1', { type: 'Reprice', seller: SELLER, price: 12n }, ctx);
    const buy = await repo.handle('a1', { type: 'Purchase', buyer: BUYER, price: 12n }, ctx);
    expect(buy.ok).toBe(true);
    // first load from 0; then only from revision 1 (our List was cached, the Reprice read)
    expect(reads).toEqual([0n, 1n]);
  });

  it('runs one process’s commands on a stream one at a time: concurrent commands never conflict', async () => {
    const conflicts: number[] = [];
    const repo = new EventSourcedRepository(listing, new InMemoryEventStore(), {
      cachedStreams: 10,
      retryJitterMs: 0,
      onConflict: ({ attempt }) => conflicts.push(attempt),
    });
    await repo.handle('a1', { type: 'List', seller: SELLER, price: 1n, now: NOW }, ctx);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        repo.handle('a1', { type: 'Reprice', seller: SELLER, price: BigInt(i + 2) }, ctx),
      ),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(conflicts).toEqual([]);
    const loaded = await repo.load('a1');
    expect(loaded.revision).toBe(20n);
    expect(loaded.state).toMatchObject({ price: 21n });
  });
});

describe('EventSourcedRepository group commit (stream cache on)', () => {
  it('decides commands waiting for one stream together, appends them at once, answers each', async () => {
    const { repo, store, inner } = setup({ cachedStreams: 10 });
    await repo.handle('a1', { type: 'List', seller: SELLER, price: 1n, now: NOW }, ctx);
    const before = store.appends;
    const answers = await Promise.all([
      repo.handle(
        'a1',
        { type: 'Reprice', seller: SELLER, price: 2n },
        { ...ctx, correlationId: 'c-2' },
      ),
      repo.handle(
        'a1',
        { type: 'Reprice', seller: BUYER, price: 3n },
        { ...ctx, correlationId: 'c-3' },
      ),
      repo.handle(
        'a1',
        { type: 'Reprice', seller: SELLER, price: 4n },
        { ...ctx, correlationId: 'c-4' },
      ),
    ]);
    expect(answers.map((a) => (a.ok ? a.value.events.map((e) => e.type) : a.error.code))).toEqual([
      ['Repriced'],
      'LISTING.NOT_SELLER',
      ['Repriced'],
    ]);
    expect(store.appends - before).toBeLessThan(3); // the waiting ones went in one append
    const events = await inner.readStream('listing-a1');
    expect(events.map((e) => e.metadata.correlationId)).toEqual(['corr-1', 'c-2', 'c-4']);
    expect((await repo.load('a1')).state).toMatchObject({ price: 4n });
  });

  it('after a conflict, a group is decided again from the store', async () => {
    const { repo, store, other } = setup({ cachedStreams: 10 });
    await repo.handle('a1', { type: 'List', seller: SELLER, price: 10n, now: NOW }, ctx);
    store.interfere = async () => {
      store.interfere = undefined;
      await other.handle('a1', { type: 'Reprice', seller: SELLER, price: 12n }, ctx);
    };
    const [buyStale, buyNow] = await Promise.all([
      repo.handle('a1', { type: 'Purchase', buyer: BUYER, price: 10n }, ctx),
      repo.handle('a1', { type: 'Purchase', buyer: BUYER, price: 12n }, ctx),
    ]);
    // The first attempt decided both against price 10 (the second refused); the retry saw 12.
    expect(buyStale).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'LISTING.PRICE_MISMATCH' }),
    });
    expect(buyNow.ok && buyNow.value).toMatchObject({
      attempts: 2,
      state: { status: 'sold', price: 12n },
    });
  });

  it('forget drops the cached state: the next command decides on a fresh fold of the stream', async () => {
    const { repo } = setup({ cachedStreams: 10 });
    const listed = await repo.handleAll(
      'a1',
      [{ type: 'List', seller: SELLER, price: 10n, now: NOW }],
      ctx,
    );
    // A garbled cache (the state handed back is the one cached): decisions follow it...
    (listed.state as { price: bigint }).price = 99n;
    const buy = { type: 'Purchase', buyer: BUYER, price: 10n } as const;
    const stale = await repo.handleAll('a1', [buy], ctx);
    expect(stale.outcomes).toEqual([
      { ok: false, error: expect.objectContaining({ code: 'LISTING.PRICE_MISMATCH' }) },
    ]);
    // ...until it is forgotten: the store's fold says price 10.
    await repo.forget('a1');
    const fresh = await repo.handleAll('a1', [buy], ctx);
    expect(fresh.outcomes).toEqual([
      { ok: true, events: [expect.objectContaining({ type: 'Sold' })] },
    ]);
  });
});
