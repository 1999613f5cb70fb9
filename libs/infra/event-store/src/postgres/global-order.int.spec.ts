// The global order under concurrency, against real PostgreSQL: a reader never skips an event
// that commits late with a lower position, an unrelated long transaction does not hold
// readers back, an abandoned appender holds them back only until the store's idle timeout
// ends it, and concurrent writers with out-of-order commits still give every reader the
// same gap-free sequence. Also: the first-write rule, wake-ups across processes, snapshots.
import { randomUUID } from 'node:crypto';
import { Client, type Pool } from 'pg';
import { NO_STREAM, ANY, type NewEvent, type RecordedEvent } from '@atelier/eventsourcing';
import { newEvent, uniqueCategory } from '../testing/event-store-conformance';
import { dropSchema, freshSchemaName, testDatabaseUrl, testPool } from '../testing/pg-fixture';
import { PostgresEventStore } from './postgres-event-store';
import { PostgresSnapshotStore } from './postgres-snapshot-store';
import { POSITION_SHIFT } from './global-order';

const schema = freshSchemaName();
let pool: Pool;
let store: PostgresEventStore;
const extraStores: PostgresEventStore[] = [];
const openClients: Client[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const events = (n: number): NewEvent[] =>
  Array.from({ length: n }, (_, i) => newEvent('Happened', { i }));

/** A running subscription that records what it delivers. */
function collector(s: PostgresEventStore, options: { category?: string; batchSize?: number } = {}) {
  const controller = new AbortController();
  const seen: RecordedEvent[] = [];
  const done = (async () => {
    for await (const e of s.subscribe({ ...options, signal: controller.signal })) seen.push(e);
  })();
  return {
    seen,
    async until(n: number, timeoutMs = 15_000): Promise<number> {
      const started = Date.now();
      while (seen.length < n) {
        if (Date.now() - started > timeoutMs)
          throw new Error(`only ${seen.length} of ${n} events after ${timeoutMs}ms`);
        await sleep(10);
      }
      return Date.now() - started;
    },
    async stop() {
      controller.abort();
      await done;
    },
  };
}

async function openTransaction(): Promise<Client> {
  const c = new Client({
    connectionString: testDatabaseUrl(),
    application_name: 'atelier-es-slow-tx',
  });
  c.on('error', () => undefined); // a server-side termination is expected in one test
  openClients.push(c);
  await c.connect();
  await c.query('BEGIN');
  return c;
}

const increasing = (xs: readonly bigint[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]!);

beforeAll(async () => {
  pool = testPool(20);
  store = new PostgresEventStore({
    pool,
    schema,
    pollIntervalMs: 100,
    appendIdleTimeoutMs: 30_000,
  });
  await store.migrate();
  await pool.query(`CREATE TABLE ${schema}.unrelated (id serial PRIMARY KEY, note text)`);
});

afterAll(async () => {
  await Promise.all(openClients.map((c) => c.end().catch(() => undefined)));
  await Promise.all([store, ...extraStores].map((s) => s.close()));
  await dropSchema(pool, schema);
  await pool.end();
});

describe('PostgreSQL event store: global order under concurrency', () => {
  it('never skips an event that commits late with a lower position (the slow transaction is delivered first)', async () => {
    const cat = uniqueCategory();
    const reader = collector(store, { category: cat, batchSize: 5 });
    const before = newEvent();
    await store.append(`${cat}-before`, [before], { expectedRevision: NO_STREAM });
    await reader.until(1);

    // a transaction takes a low position, then stays open
    const slow = await openTransaction();
    const slowEvent = newEvent('Slow');
    const slowAppend = await store.appendInTransaction(slow, `${cat}-slow`, [slowEvent], {
      expectedRevision: NO_STREAM,
    });

    // concurrent writers commit 80 events meanwhile, all at higher positions
    const writes = await Promise.all(
      Array.from({ length: 4 }, (_, w) =>
        (async () => {
          const results = [];
          for (let i = 0; i < 20; i++)
            results.push(await store.append(`${cat}-w${w}`, events(1), { expectedRevision: ANY }));
          return results;
        })(),
      ),
    );
    const later = writes.flat().map((r) => r.position);
    expect(later.every((p) => p > slowAppend.position)).toBe(true);

    // the hazard is real: a naive "position > checkpoint" reader sees the later events now
    // and, once past them, would never go back for the slow one
    const naive = await pool.query(
      `SELECT count(*)::int AS n FROM ${schema}.events WHERE category = $1 AND position > $2`,
      [cat, slowAppend.position.toString()],
    );
    expect(naive.rows[0].n).toBe(80);
    const slowVisible = await pool.query(
      `SELECT count(*)::int AS n FROM ${schema}.events WHERE position = $1`,
      [slowAppend.position.toString()],
    );
    expect(slowVisible.rows[0].n).toBe(0);

    // the safe reader holds back instead
    await sleep(400);
    expect(reader.seen.map((e) => e.id)).toEqual([before.id]);
    expect((await store.readAll({ category: cat })).map((e) => e.id)).toEqual([before.id]);

    await slow.query('COMMIT');
    await reader.until(82);
    await sleep(150);
    await reader.stop();
    const ids = reader.seen.map((e) => e.id);
    expect(ids.slice(0, 2)).toEqual([before.id, slowEvent.id]);
    expect(new Set(ids).size).toBe(82);
    expect(ids).toHaveLength(82);
    expect(increasing(reader.seen.map((e) => e.position))).toBe(true);
    expect((await store.readAll({ category: cat, maxCount: 500 })).map((e) => e.id)).toEqual(ids);
  });

  it('is not held back by a long transaction that does not append events', async () => {
    const cat = uniqueCategory();
    const long = await openTransaction();
    await long.query(`INSERT INTO ${schema}.unrelated (note) VALUES ('held open')`);
    const longXid = BigInt((await long.query('SELECT pg_current_xact_id()::text AS x')).rows[0].x);
    // the database-wide xmin is pinned by it: a plain "xid < xmin" rule would stall here
    const xmin = BigInt(
      (await pool.query('SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS x')).rows[0].x,
    );
    expect(xmin).toBeLessThanOrEqual(longXid);

    const reader = collector(store, { category: cat });
    const written = events(10);
    for (const e of written) await store.append(`${cat}-1`, [e], { expectedRevision: ANY });
    const waited = await reader.until(10, 5_000);
    expect(reader.seen.every((e) => e.position >> BigInt(POSITION_SHIFT) > longXid)).toBe(true);
    expect(waited).toBeLessThan(2_000);
    await reader.stop();
    await long.query('ROLLBACK');
  });

  it('an abandoned appending transaction stalls readers only until the idle timeout ends it', async () => {
    const cat = uniqueCategory();
    const strict = new PostgresEventStore({
      pool,
      schema,
      pollIntervalMs: 100,
      appendIdleTimeoutMs: 1_500,
    });
    extraStores.push(strict);
    const reader = collector(strict, { category: cat });
    const stuck = await openTransaction();
    const lost = newEvent('Lost');
    await strict.appendInTransaction(stuck, `${cat}-stuck`, [lost], {
      expectedRevision: NO_STREAM,
    });
    const started = Date.now();
    const written = events(10);
    for (const e of written) await strict.append(`${cat}-1`, [e], { expectedRevision: ANY });
    await sleep(300);
    expect(reader.seen).toHaveLength(0); // held back behind the open appender

    await reader.until(10, 10_000); // the server ends the idle transaction, readers move on
    const stalledFor = Date.now() - started;
    expect(stalledFor).toBeGreaterThanOrEqual(1_000);
    expect(stalledFor).toBeLessThan(6_000);
    expect(reader.seen.map((e) => e.id)).toEqual(written.map((e) => e.id));
    expect(await strict.readStream(`${cat}-stuck`)).toEqual([]); // rolled back, never delivered
    await reader.stop();
  });

  it('8 writers with out-of-order commits: every reader sees the same gap-free sequence', async () => {
    const cat = uniqueCategory();
    const live = collector(store, { category: cat, batchSize: 16 });
    const committed: string[] = [];
    const writers = Array.from({ length: 8 }, (_, w) =>
      (async () => {
        for (let i = 0; i < 25; i++) {
          const batch = events(1 + ((w + i) % 4));
          if ((w + i) % 5 === 0) {
            // an explicit transaction that sits on its position for a while
            const c = await pool.connect();
            try {
              await c.query('BEGIN');
              await store.appendInTransaction(c, `${cat}-w${w}`, batch, { expectedRevision: ANY });
              await sleep(20 + ((w * 7 + i * 13) % 80));
              await c.query('COMMIT');
            } finally {
              c.release();
            }
          } else {
            await store.append(i % 2 ? `${cat}-shared` : `${cat}-w${w}`, batch, {
              expectedRevision: ANY,
            });
          }
          committed.push(...batch.map((e) => e.id));
        }
      })(),
    );
    await Promise.all(writers);
    await live.until(committed.length, 20_000);
    await sleep(200);
    await live.stop();

    const ids = live.seen.map((e) => e.id);
    expect(ids).toHaveLength(committed.length);
    expect(new Set(ids)).toEqual(new Set(committed));
    expect(increasing(live.seen.map((e) => e.position))).toBe(true);
    // a replay from the start, later, sees exactly the same sequence
    const replay = await store.readAll({ category: cat, maxCount: 10_000 });
    expect(replay.map((e) => e.id)).toEqual(ids);
    // and every stream is dense
    for (const name of [...new Set(replay.map((e) => e.streamName))]) {
      const revisions = (await store.readStream(name)).map((e) => e.revision);
      expect(revisions).toEqual(revisions.map((_, i) => BigInt(i)));
    }
  });
});

describe('PostgreSQL event store: transactions, wake-ups, snapshots', () => {
  it('an append must be the first write of its transaction; several appends in one are fine', async () => {
    const cat = uniqueCategory();
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      await c.query(`INSERT INTO ${schema}.unrelated (note) VALUES ('first')`);
      await expect(
        store.appendInTransaction(c, `${cat}-1`, events(1), { expectedRevision: ANY }),
      ).rejects.toMatchObject({
        code: 'EVENT_STORE.APPEND_NOT_FIRST_WRITE',
      });
      await c.query('ROLLBACK');
      await c.query('BEGIN');
      const a = await store.appendInTransaction(c, `${cat}-1`, events(2), {
        expectedRevision: NO_STREAM,
      });
      const b = await store.appendInTransaction(c, `${cat}-2`, events(3), {
        expectedRevision: NO_STREAM,
      });
      await c.query(`INSERT INTO ${schema}.unrelated (note) VALUES ('after the appends is fine')`);
      await c.query('COMMIT');
      expect(b.position - a.position).toBe(3n); // one transaction id, consecutive indexes
    } finally {
      c.release();
    }
    expect((await store.readAll({ category: cat })).map((e) => e.streamName)).toEqual([
      `${cat}-1`,
      `${cat}-1`,
      `${cat}-2`,
      `${cat}-2`,
      `${cat}-2`,
    ]);
  });

  it('a subscriber in another process is woken by NOTIFY; without LISTEN it still gets there by polling', async () => {
    const cat = uniqueCategory();
    const otherPool = testPool(4);
    const listening = new PostgresEventStore({ pool: otherPool, schema, pollIntervalMs: 60_000 });
    const polling = new PostgresEventStore({
      pool: otherPool,
      schema,
      pollIntervalMs: 300,
      listen: false,
    });
    extraStores.push(listening, polling);
    const a = collector(listening, { category: cat });
    const b = collector(polling, { category: cat });
    await sleep(300); // both caught up (nothing yet) and asleep; the listener is connected
    await store.append(`${cat}-1`, events(1), { expectedRevision: NO_STREAM });
    expect(await a.until(1, 5_000)).toBeLessThan(1_000); // far below the 60 s poll: NOTIFY woke it
    expect(await b.until(1, 5_000)).toBeLessThan(2_000);
    await Promise.all([a.stop(), b.stop()]);
    await Promise.all([listening.close(), polling.close()]);
    await otherPool.end();
  });

  it('snapshots: the newest wins, another schema version replaces it', async () => {
    const snapshots = new PostgresSnapshotStore(pool, schema);
    const name = `${uniqueCategory()}-${randomUUID()}`;
    expect(await snapshots.load(name)).toBeUndefined();
    await snapshots.save({
      streamName: name,
      revision: 10n,
      schemaVersion: 1,
      state: { n: 10, big: '12345678901234567890' },
    });
    await snapshots.save({ streamName: name, revision: 5n, schemaVersion: 1, state: { n: 5 } });
    expect(await snapshots.load(name)).toEqual({
      streamName: name,
      revision: 10n,
      schemaVersion: 1,
      state: { n: 10, big: '12345678901234567890' },
    });
    await snapshots.save({ streamName: name, revision: 3n, schemaVersion: 2, state: { v2: true } });
    expect(await snapshots.load(name)).toMatchObject({ revision: 3n, schemaVersion: 2 });
  });
});
