// `npm run bench:eventstore`: the PostgreSQL event store on the bench stack, in a fresh
// schema, each figure beside a baseline measured in the same run:
//   appends/s, 1 event per append and 100 per append, 8 concurrent writers
//     vs raw INSERTs of the same rows into a plain table (goal: ratio >= 0.5)
//   catch-up replay events/s through a subscription (goal: >= 100,000/s)
//     vs a bare keyset SELECT of the same rows
//   loading a 10,000-event stream with and without a snapshot (decides whether snapshots pay)
// Sections are a list; bench/lib/messaging-sections.ts, when present, adds its own rows
// (outbox relay, projection rebuild) to the same report.
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { z } from 'zod';
import { domainError, err, ok, uuidv7, type DomainError } from '@atelier/kernel';
import {
  defineAggregate,
  defineEventCodec,
  EventSourcedRepository,
  zUnsignedBigint,
  type Decider,
  type NewEvent,
} from '@atelier/eventsourcing';
import { PostgresEventStore, PostgresSnapshotStore } from '@atelier/event-store';
import type { StackEnv } from '@atelier/testing';
import { benchEnv, percentile, report, round, timed, type BenchRow } from './lib/harness';

export interface BenchSection {
  readonly name: string;
  run(env: StackEnv): Promise<BenchRow[]>;
}

const WRITERS = 8;
const APPEND_SECONDS = Number(process.env['BENCH_APPEND_SECONDS'] ?? 8);
const SNAPSHOT_STREAM_EVENTS = 10_000;

const log = (msg: string): void => console.log(`[bench:eventstore] ${msg}`);
const meta = () => ({
  correlationId: randomUUID(),
  causationId: null,
  actor: 'system:bench',
  occurredAt: new Date().toISOString(),
});
/** ~200 bytes of JSON, like a market event: ids, an address, a bigint price. */
const payload = (i: number) => ({
  orderHash: `0x${randomBytes(32).toString('hex')}`,
  maker: '0x00000000000000000000000000000000000000a1',
  price: (1_000_000_000_000_000_000n + BigInt(i)).toString(),
  side: i % 2 ? 'bid' : 'ask',
});
/** Ids as the repository makes them (UUIDv7), for the store and the baseline alike. */
const newEvents = (n: number, base: number): NewEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    id: uuidv7(),
    type: 'OrderPlaced',
    schemaVersion: 1,
    data: payload(base + i),
    metadata: meta(),
  }));

/** Runs `writers` loops for `seconds`; each call of `step` returns the events it wrote. */
async function drive(
  writers: number,
  seconds: number,
  step: (writer: number, k: number) => Promise<number>,
) {
  const deadline = Date.now() + seconds * 1000;
  const latencies: number[] = [];
  let events = 0;
  const { seconds: elapsed } = await timed(() =>
    Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let k = 0; Date.now() < deadline; k++) {
          const t0 = performance.now();
          const wrote = await step(w, k); // not `events += await …`: that reads `events` before the await
          events += wrote;
          latencies.push(performance.now() - t0);
        }
      }),
    ),
  );
  return {
    perSecond: events / elapsed,
    events,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

interface Fixture {
  pool: Pool;
  schema: string;
  store: PostgresEventStore;
}

async function fixture(env: StackEnv): Promise<Fixture> {
  const pool = new Pool({
    connectionString: env.GATEWAY_DATABASE_URL,
    max: WRITERS + 4,
    application_name: 'atelier-bench-eventstore',
  });
  const schema = `es_bench_${randomBytes(4).toString('hex')}`;
  const store = new PostgresEventStore({ pool, schema });
  await store.migrate();
  await pool.query(`CREATE TABLE ${schema}.raw_events (
    id bigserial PRIMARY KEY, stream_name text NOT NULL, event_id uuid NOT NULL, type text NOT NULL,
    data jsonb NOT NULL, metadata jsonb NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now())`);
  return { pool, schema, store };
}

/** Raw baseline: `rows` rows per INSERT statement, autocommit, named prepared statement. */
function rawInsert(f: Fixture, rows: number) {
  const cols = 5;
  const values = Array.from(
    { length: rows },
    (_, r) => `(${Array.from({ length: cols }, (_, c) => `$${r * cols + c + 1}`).join(', ')})`,
  ).join(', ');
  const text = `INSERT INTO ${f.schema}.raw_events (stream_name, event_id, type, data, metadata) VALUES ${values}`;
  return async (w: number, k: number): Promise<number> => {
    const params: unknown[] = [];
    for (const e of newEvents(rows, k * rows))
      params.push(
        `bench-w${w}-${k % 100}`,
        e.id,
        e.type,
        JSON.stringify(e.data),
        JSON.stringify(e.metadata),
      );
    await f.pool.query({ name: `raw_${rows}`, text, values: params });
    return rows;
  };
}

/** The store: `rows` events per append, exact expected revisions, 100 streams per writer. */
function storeAppend(f: Fixture, rows: number, tag: string) {
  const revisions = new Map<string, bigint>();
  return async (w: number, k: number): Promise<number> => {
    const stream = `bench${tag}-w${w}s${k % 100}`;
    const current = revisions.get(stream);
    const r = await f.store.append(stream, newEvents(rows, k * rows), {
      expectedRevision: current ?? 'no_stream',
    });
    revisions.set(stream, r.nextExpectedRevision);
    return rows;
  };
}

const appendsSection: BenchSection = {
  name: 'appends',
  async run(env) {
    const f = await fixture(env);
    try {
      const rows: BenchRow[] = [];
      for (const size of [1, 100]) {
        log(`raw INSERT, ${size} row(s) per statement, ${WRITERS} writers, ${APPEND_SECONDS}s`);
        const raw = await drive(WRITERS, APPEND_SECONDS, rawInsert(f, size));
        log(
          `  ${round(raw.perSecond)} rows/s (p50 ${round(raw.p50)} ms, p99 ${round(raw.p99)} ms)`,
        );
        log(
          `event store append, ${size} event(s) per append, ${WRITERS} writers, ${APPEND_SECONDS}s`,
        );
        const es = await drive(WRITERS, APPEND_SECONDS, storeAppend(f, size, String(size)));
        log(`  ${round(es.perSecond)} events/s (p50 ${round(es.p50)} ms, p99 ${round(es.p99)} ms)`);
        const label = size === 1 ? '1 event per append' : `${size} events per append`;
        rows.push(
          {
            figure: `appends: events/s, ${label}, ${WRITERS} writers`,
            value: es.perSecond,
            unit: 'events/s',
            baseline: {
              figure: `raw INSERT, ${size} row(s)/statement, ${WRITERS} writers (rows/s)`,
              value: raw.perSecond,
            },
            goal: 'ratio >= 0.5',
          },
          {
            figure: `appends: append p99 latency, ${label}`,
            value: es.p99,
            unit: 'ms',
            baseline: { figure: 'raw INSERT p99 (ms)', value: raw.p99 },
          },
        );
      }
      const total = Number(
        (await f.pool.query(`SELECT count(*) AS n FROM ${f.schema}.events`)).rows[0].n,
      );
      rows.push(...(await replay(f, total)));
      return rows;
    } finally {
      await f.store.close();
      await f.pool.query(`DROP SCHEMA ${f.schema} CASCADE`);
      await f.pool.end();
    }
  },
};

/** Catch-up replay of everything the append runs wrote, vs a bare keyset scan of the same rows. */
async function replay(f: Fixture, total: number): Promise<BenchRow[]> {
  // The first scan after a write burst sets hint bits on every fresh row (and writes those
  // pages): whoever reads first pays it. Vacuum first, as autovacuum would have, so the two
  // readers below compare like with like.
  await f.pool.query(`VACUUM (ANALYZE) ${f.schema}.events`);
  log(`catch-up replay of ${total} events through a subscription`);
  const controller = new AbortController();
  let seen = 0;
  const sub = await timed(async () => {
    for await (const event of f.store.subscribe({
      signal: controller.signal,
      batchSize: 5000,
      onCaughtUp: () => controller.abort(),
    })) {
      if (event.position > 0n) seen++;
    }
  });
  log(`  ${seen} events in ${round(sub.seconds, 3)}s = ${round(seen / sub.seconds)} events/s`);
  log('bare keyset SELECT of the same rows (no ordering rule, no mapping)');
  let rawSeen = 0;
  const raw = await timed(async () => {
    let after = '0';
    for (;;) {
      const { rows } = await f.pool.query({
        name: 'raw_scan',
        text: `SELECT position, stream_name, stream_revision, event_id, type, schema_version, data, metadata, recorded_at
                 FROM ${f.schema}.events WHERE position > $1 ORDER BY position LIMIT 5000`,
        values: [after],
        rowMode: 'array',
      });
      if (rows.length === 0) break;
      rawSeen += rows.length;
      after = rows[rows.length - 1]![0];
    }
  });
  log(`  ${rawSeen} rows in ${round(raw.seconds, 3)}s = ${round(rawSeen / raw.seconds)} rows/s`);
  return [
    {
      figure: `replay: catch-up subscription events/s (${seen} events)`,
      value: seen / sub.seconds,
      unit: 'events/s',
      baseline: { figure: 'bare keyset SELECT, same rows (rows/s)', value: rawSeen / raw.seconds },
      goal: '>= 100000 events/s',
    },
  ];
}

// ---- snapshots: does loading a long stream justify them? ------------------------------------
type TallyCommand = { readonly type: 'Place'; readonly price: bigint };
type TallyEvent = {
  readonly type: 'Placed';
  readonly data: { readonly price: bigint; readonly maker: string; readonly orderHash: string };
};
type TallyState = { readonly count: number; readonly volume: bigint; readonly best: bigint };
const tallyDecider: Decider<TallyCommand, TallyEvent, TallyState, DomainError> = {
  initialState: { count: 0, volume: 0n, best: 0n },
  decide: (c) =>
    c.price > 0n
      ? ok([{ type: 'Placed', data: { price: c.price, maker: '0xa1', orderHash: randomUUID() } }])
      : err(domainError('TALLY.INVALID', 'bad price')),
  evolve: (s, e) => ({
    count: s.count + 1,
    volume: s.volume + e.data.price,
    best: e.data.price > s.best ? e.data.price : s.best,
  }),
};
const tally = defineAggregate({
  name: 'Tally',
  category: 'tally',
  decider: tallyDecider,
  codec: defineEventCodec<TallyEvent>({
    Placed: {
      schemaVersion: 1,
      schema: z.object({ price: zUnsignedBigint, maker: z.string(), orderHash: z.string() }),
    },
  }),
  snapshots: {
    schemaVersion: 1,
    every: 500,
    encode: (s: TallyState) => ({
      count: s.count,
      volume: s.volume.toString(),
      best: s.best.toString(),
    }),
    decode: (j) => {
      const o = j as { count: number; volume: string; best: string };
      return { count: o.count, volume: BigInt(o.volume), best: BigInt(o.best) };
    },
  },
});

const snapshotsSection: BenchSection = {
  name: 'snapshots',
  async run(env) {
    const f = await fixture(env);
    try {
      const snapshots = new PostgresSnapshotStore(f.pool, f.schema);
      const id = randomUUID();
      const stream = `tally-${id}`;
      log(`writing a ${SNAPSHOT_STREAM_EVENTS}-event stream`);
      for (let rev = -1n; rev < BigInt(SNAPSHOT_STREAM_EVENTS - 1);) {
        const batch: NewEvent[] = Array.from({ length: 500 }, (_, i) => ({
          id: randomUUID(),
          ...tally.codec.encode({
            type: 'Placed',
            data: { price: 1_000_000_000n + BigInt(i), maker: '0xa1', orderHash: randomUUID() },
          }),
          metadata: meta(),
        }));
        rev = (
          await f.store.append(stream, batch, { expectedRevision: rev < 0n ? 'no_stream' : rev })
        ).nextExpectedRevision;
      }
      const without = new EventSourcedRepository({ ...tally, snapshots: undefined }, f.store);
      const withSnapshots = new EventSourcedRepository(tally, f.store, { snapshots });
      const measure = async (repo: typeof without, runs = 15) => {
        await repo.load(id); // warm-up (plans, caches)
        const times: number[] = [];
        for (let i = 0; i < runs; i++)
          times.push((await timed(() => repo.load(id))).seconds * 1000);
        return percentile(times, 50);
      };
      const full = await measure(without);
      // a snapshot at the head (just taken), and one lagging by `every` events (the worst case)
      const head = await without.load(id);
      await snapshots.save({
        streamName: stream,
        revision: head.revision as bigint,
        schemaVersion: 1,
        state: tally.snapshots!.encode(head.state),
      });
      const fresh = await measure(withSnapshots);
      const lagging = await new EventSourcedRepository(
        { ...tally, snapshots: undefined },
        f.store,
      ).load(id);
      const behind = BigInt(tally.snapshots!.every);
      // rebuild the state at head - every by folding a prefix, then save it as the snapshot
      const prefix = await f.store.readStream(stream, {
        maxCount: SNAPSHOT_STREAM_EVENTS - Number(behind),
      });
      let state = tally.decider.initialState;
      for (const e of prefix) state = tally.decider.evolve(state, tally.codec.decode(e));
      await f.pool.query(`DELETE FROM ${f.schema}.snapshots`);
      await snapshots.save({
        streamName: stream,
        revision: prefix[prefix.length - 1]!.revision,
        schemaVersion: 1,
        state: tally.snapshots!.encode(state),
      });
      const worst = await measure(withSnapshots);
      const check = await withSnapshots.load(id);
      if (check.state.count !== lagging.state.count || check.state.volume !== lagging.state.volume)
        throw new Error('snapshot load disagrees with a full replay');
      log(
        `  load ${SNAPSHOT_STREAM_EVENTS} events: ${round(full)} ms; from a fresh snapshot: ${round(fresh)} ms; ${behind} events behind: ${round(worst)} ms`,
      );
      return [
        {
          figure: `snapshots: load a ${SNAPSHOT_STREAM_EVENTS}-event stream, no snapshot (p50)`,
          value: full,
          unit: 'ms',
        },
        {
          figure: 'snapshots: load from a snapshot at the head (p50)',
          value: fresh,
          unit: 'ms',
          baseline: { figure: 'full replay (ms)', value: full },
        },
        {
          figure: `snapshots: load from a snapshot ${behind} events behind (p50, the policy's worst case)`,
          value: worst,
          unit: 'ms',
          baseline: { figure: 'full replay (ms)', value: full },
        },
      ];
    } finally {
      await f.store.close();
      await f.pool.query(`DROP SCHEMA ${f.schema} CASCADE`);
      await f.pool.end();
    }
  },
};

async function main(): Promise<void> {
  const env = benchEnv();
  const sections: BenchSection[] = [appendsSection, snapshotsSection];
  const messagingFile = join(__dirname, 'lib', 'messaging-sections.ts');
  if (existsSync(messagingFile)) {
    const modulePath = './lib/messaging-sections'; // not a literal: the file is optional
    const mod = (await import(modulePath)) as { messagingSections?: BenchSection[] };
    sections.push(...(mod.messagingSections ?? []));
    log(`added ${mod.messagingSections?.length ?? 0} messaging section(s)`);
  }
  const rows: BenchRow[] = [];
  const started = Date.now();
  for (const section of sections) {
    log(`— ${section.name}`);
    rows.push(...(await section.run(env)));
  }
  const pg = new Pool({ connectionString: env.GATEWAY_DATABASE_URL, max: 1 });
  const settings = (
    await pg.query(
      `SELECT current_setting('server_version') AS version, current_setting('synchronous_commit') AS synchronous_commit, current_setting('shared_buffers') AS shared_buffers`,
    )
  ).rows[0];
  await pg.end();
  report('eventstore', rows, {
    writers: WRITERS,
    appendSeconds: APPEND_SECONDS,
    postgres: settings,
    sections: sections.map((s) => s.name),
    totalSeconds: round((Date.now() - started) / 1000, 1),
  });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
