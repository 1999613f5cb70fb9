// `npm run bench:events`: GET /v1/events (apps/gateway/src/analytics) on the bench stack's
// PostgreSQL, in a fresh event-store schema of market-like events, each figure beside a baseline
// measured in the same run:
//   the whole log as NDJSON over HTTP, events/s at the client
//     vs the store's own catch-up subscription over the same log (what the stream pages through)
//   a type filter matching 10 % of the log: events scanned per second, same baseline
//   how far the store's reads run ahead of a slow client (backpressure: bounded, not the
//     log's size)
//   follow mode: time from an append call to its line at the client, p50 / p95
// The stream runs in EventLogStreams itself behind a bare node:http server (no NestJS
// bootstrap, so the figure is the stream's, not the app's start-up).
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, get, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { PostgresEventStore } from '@atelier/event-store';
import type { JsonObject, NewEvent } from '@atelier/eventsourcing';
import { uuidv7 } from '@atelier/kernel';
import { EventLogStreams } from '../apps/gateway/src/analytics/event-log-streams';
import { eventsQuery } from '../apps/gateway/src/analytics/events.query';
import { benchEnv, percentile, report, round, timed, type BenchRow } from './lib/harness';

const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 100_000);
const STREAMS = 100;
const PAGE = 1_000;
const log = (msg: string): void => console.log(`[bench:events] ${msg}`);

const silent = {
  child: () => silent,
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
} as never;

const collection = (i: number) => `0x${(i + 1).toString(16).padStart(40, '0')}`;
/** Market-like events: 10 % FundsObserved (with a block), the rest orders and status changes. */
function batch(base: number, n: number): { stream: string; events: NewEvent[] }[] {
  const byStream = new Map<string, NewEvent[]>();
  for (let i = base; i < base + n; i++) {
    const stream = `market-${collection(i % STREAMS)}`;
    const kind =
      i % 10 === 0 ? 'FundsObserved' : i % 3 === 0 ? 'OrderStatusChanged' : 'OrderAccepted';
    const data: JsonObject =
      kind === 'FundsObserved'
        ? {
            maker: collection(i % 37),
            currency: collection(999),
            balance: (1_000_000_000n + BigInt(i)).toString(),
            reservedElsewhere: '0',
            block: String(1_000 + Math.floor(i / 100)),
          }
        : {
            hash: `0x${randomBytes(32).toString('hex')}`,
            status: 'fillable',
            price: (100_000_000n + BigInt(i)).toString(),
            maker: collection(i % 37),
            at: new Date().toISOString(),
          };
    const list = byStream.get(stream) ?? [];
    list.push({
      id: uuidv7(),
      type: kind,
      schemaVersion: 1,
      data,
      metadata: {
        correlationId: randomUUID(),
        causationId: null,
        actor: 'system:bench',
        occurredAt: new Date().toISOString(),
      },
    });
    byStream.set(stream, list);
  }
  return [...byStream.entries()].map(([stream, events]) => ({ stream, events }));
}

/** Reads `url` line by line until `onLine` says stop (or the end), counting lines. */
async function readLines(
  url: string,
  { onLine }: { onLine?: (line: string) => boolean } = {},
): Promise<number> {
  const abort = new AbortController();
  const res = await fetch(url, { signal: abort.signal });
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let lines = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return lines;
      buffer += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 1);
        lines++;
        if (onLine?.(line)) {
          abort.abort();
          return lines;
        }
      }
    }
  } catch (e) {
    if (abort.signal.aborted) return lines;
    throw e;
  }
}

async function main(): Promise<void> {
  const env = benchEnv();
  const pool = new Pool({ connectionString: env.GATEWAY_DATABASE_URL, max: 8 });
  const schema = `bench_events_${randomBytes(4).toString('hex')}`;
  const store = new PostgresEventStore({ pool, schema });
  let server: Server | undefined;
  try {
    await store.migrate();
    log(`appending ${EVENTS} events over ${STREAMS} streams into ${schema}`);
    for (let base = 0; base < EVENTS; base += 2_000)
      await Promise.all(
        batch(base, Math.min(2_000, EVENTS - base)).map(({ stream, events }) =>
          store.append(stream, events, { expectedRevision: 'any' }),
        ),
      );
    await pool.query(`VACUUM ANALYZE ${schema}.events`);

    const streams = new EventLogStreams(
      store,
      { pageSize: PAGE, keepAliveMs: 15_000, followMaxMs: 3_600_000, maxStreams: 100 },
      silent,
    );
    let current: ServerResponse | undefined; // the response being written, for the probe
    let buffered = 0;
    let drains = 0;
    server = createServer((req, res) => {
      current = res;
      res.on('drain', () => drains++);
      const query = Object.fromEntries(new URL(req.url!, 'http://x').searchParams);
      const parsed = eventsQuery.safeParse(query);
      if (!parsed.success) {
        res.writeHead(400).end(JSON.stringify(parsed.error.issues));
        return;
      }
      streams.start(parsed.data, res);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/events`;

    // Baseline: the store's catch-up subscription over the same log, page for page.
    const catchUp = async () =>
      timed(async () => {
        const stop = new AbortController();
        let n = 0;
        for await (const _ of store.subscribe({
          batchSize: PAGE,
          signal: stop.signal,
          onCaughtUp: () => stop.abort(),
        }))
          n++;
        return n;
      });
    await catchUp(); // warm the cache and hint bits for both
    const baseline = await catchUp();
    // The client shares this process: it only counts newlines, so the figure is the stream's.
    let ndjsonBytes = 0;
    const countLines = (url: string) =>
      new Promise<number>((resolve, reject) => {
        get(url, (res) => {
          let lines = 0;
          res.on('data', (chunk: Buffer) => {
            ndjsonBytes += chunk.length;
            for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
          });
          res.on('end', () => resolve(lines));
          res.on('error', reject);
        }).on('error', reject);
      });
    const whole = await timed(() => countLines(base));
    const wholeBytes = ndjsonBytes;
    const filtered = await timed(() => countLines(`${base}?type=FundsObserved`));
    const baselineRate = baseline.value / baseline.seconds;
    log(`baseline ${baseline.value} events in ${round(baseline.seconds)} s`);
    if (whole.value !== EVENTS + 1 || filtered.value !== EVENTS / 10 + 1)
      throw new Error(`line counts ${whole.value} / ${filtered.value} for ${EVENTS} events`);

    // A slow client (node:http, paused 50 ms after each chunk, so the kernel's buffers fill):
    // what the stream holds for it must not grow with the log. Sampled: the bytes queued in
    // the response in this process, and how often a write found the socket full (drain).
    buffered = 0;
    drains = 0;
    const sampler = setInterval(() => {
      buffered = Math.max(buffered, current?.writableLength ?? 0);
    }, 2);
    const slow = await timed(
      () =>
        new Promise<number>((resolve, reject) => {
          get(base, (res) => {
            let lines = 0;
            res.on('data', (chunk: Buffer) => {
              for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
              res.pause();
              setTimeout(() => res.resume(), 50);
            });
            res.on('end', () => resolve(lines));
            res.on('error', reject);
          }).on('error', reject);
        }),
    );
    clearInterval(sampler);
    if (slow.value !== EVENTS + 1) throw new Error(`slow client read ${slow.value} lines`);

    // Follow: an append's commit to its line at the client.
    const latencies: number[] = [];
    const lastPosition = (
      await pool.query<{ p: string }>(`SELECT max(position)::text AS p FROM ${schema}.events`)
    ).rows[0]!.p;
    let sentAt = 0;
    let seen = 0;
    let next: (() => void) | undefined;
    const follow = readLines(`${base}?follow=true&fromPosition=${lastPosition}`, {
      onLine: (line) => {
        if (!line.startsWith('{"kind":"event"')) return false;
        latencies.push(performance.now() - sentAt);
        seen++;
        next?.();
        return seen >= 50;
      },
    });
    for (let i = 0; i < 50; i++) {
      const arrived = new Promise<void>((r) => (next = r));
      const [one] = batch(EVENTS + i, 1);
      sentAt = performance.now();
      await store.append(one!.stream, one!.events, { expectedRevision: 'any' });
      await arrived;
    }
    await follow;

    const rows: BenchRow[] = [
      {
        figure: 'NDJSON whole log over HTTP',
        value: EVENTS / whole.seconds,
        unit: 'events/s',
        baseline: { figure: 'store catch-up subscription', value: baselineRate },
        goal: 'ratio >= 0.5',
      },
      {
        figure: 'NDJSON type filter (10 % match), scanned',
        value: EVENTS / filtered.seconds,
        unit: 'events/s',
        baseline: { figure: 'store catch-up subscription', value: baselineRate },
      },
      {
        figure: 'slow client: largest response buffer in the process',
        value: buffered / 1e3,
        unit: 'kB',
        baseline: { figure: 'the log as NDJSON, kB', value: wholeBytes / 1e3 },
        goal: 'bounded (ratio << 1)',
      },
      { figure: 'slow client: writes that waited for drain', value: drains, unit: '' },
      { figure: 'follow: append call -> line, p50', value: percentile(latencies, 50), unit: 'ms' },
      { figure: 'follow: append call -> line, p95', value: percentile(latencies, 95), unit: 'ms' },
    ];
    report('events', rows, {
      events: EVENTS,
      streams: STREAMS,
      pageSize: PAGE,
      slowClientSeconds: round(slow.seconds),
    });
  } finally {
    server?.closeAllConnections();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    await store.close();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await pool.end();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
