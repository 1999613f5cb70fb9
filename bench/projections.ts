// `npm run bench:projections` (issue 10): how fast the market's read models are written, from a
// realistic history, each figure beside bare multi-row INSERTs of the same final rows into the
// same tables (same columns and indexes), measured in the same run (ratio = ours / bare, events/s;
// goal >= 0.7). Four projections, as the gateway runs them: market-orders (market events) and the
// chain read models chain-artworks, chain-trades and chain-ledgers (chain.* facts).
//
// Seeded (not timed), in a fresh schema of the bench stack's gateway database and fresh topics:
// - the event store: BENCH_ORDERS OrderAccepted (default 40,000) over 20 markets, and what
//   follows them: trades matched (about one order in four), most settled, some released (both
//   orders then change status again), off-chain cancels (CancelRecorded + OrderStatusChanged),
//   funds coming and going (OrderStatusChanged fillable <-> no-balance), each market one stream;
// - chain facts as the indexer's relay publishes them: BENCH_WORKS works minted (default 10,000:
//   Transfer + ArtworkMinted, some with parents and contributors), transfers, settled trades
//   (TradeSettled, RoyaltyCredited, AttributionCredited and the work's Transfer), deposits,
//   withdrawals, fee settings, and reorgs retracting a block's facts now and then;
// - Kafka: the market events (read back from the store, as the outbox relay would publish them)
//   on their market topic, the facts on their chain.* topics, BENCH_PARTITIONS each (default 3).
//
// Measured:
// (a) rebuild from position 0 the way `atelier replay` does it: market-orders by
//     rebuildProjection from the event store; each chain model by the CLI's replayChainProjection
//     from its chain.* topic, timed from its consumer group joined. Also market-orders rebuilt with the batch path off (one event at a
//     time, as before), for the before/after.
// (b) the live projector: one KafkaProjector per projection (a fresh consumer group, chunk
//     BATCH_CHUNK_SIZE), timed from the group joined to its last event applied (the join takes
//     seconds whatever the size: not throughput), into tables emptied before each round, on
//     connections kept from round to round as a running gateway keeps them (livePools); then
//     again with the batch path off and the consumer's default chunk (200), on fresh ones.
// Baseline: each projection's final rows (read from the rebuilt tables) inserted into empty copies
// of its tables with multi-row INSERT ... VALUES, 1,000 rows per statement and transaction, over
// one connection (pg, no ORM), its backend warmed first (WARM_BACKEND); events/s = the
// projection's events / that time. Every copy (rebuild, live, one-by-one, bare) is then compared
// table by table (md5 of the ordered rows): same rows.
// (a), (b) and the baseline are each taken BENCH_ROUNDS times (default 3), round after round, and
// each figure keeps its best round (ours and the baseline's alike); every table of the run is
// vacuumed and analyzed before each timed phase, so that autovacuum does not work during it.
// Each live run and bare copy also records the core-seconds it cost this process, PostgreSQL and
// Kafka (lib/core-seconds.ts): on a machine with few cores, their sum over the cores is the least
// wall time that work can take, whatever the overlap (context.liveRatioAtMost); and the page
// faults of the same processes, with what one costs on this machine (context.pageFaults).
// BENCH_CPU_PROFILE=<dir> writes a CPU profile of each timed phase (lib/cpu-profile.ts).
import { seededRandom } from '@atelier/kernel';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import type { Kafka } from 'kafkajs';
import { Client, Pool } from 'pg';
import pino from 'pino';
import {
  chainFact,
  chainFactCodec,
  chainTopic,
  retractionOf,
  toJsonArgs,
  type ChainFactEnvelope,
} from '@atelier/chain-messages';
import { PostgresEventStore } from '@atelier/event-store';
import { ANY, type NewEvent } from '@atelier/eventsourcing';
import { createKafka, ensureTopics, MessageProducer, toKafkaMessage } from '@atelier/kafka';
import { MARKET_CATEGORY, marketEventCodec, type MarketEvent } from '@atelier/market-domain';
import { marketEnvelopeCodec, marketTopic, type EventEnvelope } from '@atelier/market-messages';
import {
  artworksProjection,
  chainTradesProjection,
  ledgersProjection,
  ordersProjection,
} from '@atelier/market-projections';
import { toEnvelope } from '@atelier/outbox';
import {
  BATCH_CHUNK_SIZE,
  createProjectionDataSource,
  KafkaProjector,
  KEEP_PROJECTOR_CONNECTIONS,
  ProjectionStore,
  quotedName as q,
  rebuildProjection,
  REPLAY_BATCH_SIZE,
  type AnyProjection,
  type Projection,
} from '@atelier/projections';
import { replayChainProjection } from '../apps/cli/src/replay/chain-replay';
import {
  CORES,
  coreSnapshot,
  pageFaultMicros,
  coreSecondsSince,
  totalCoreSeconds,
  UNKNOWN,
  type CoreSeconds,
  type CoreSnapshot,
} from './lib/core-seconds';
import { profiled } from './lib/cpu-profile';
import { benchEnv, report, round, timed, type BenchRow } from './lib/harness';

const num = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const ORDERS = num('BENCH_ORDERS', 40_000);
const WORKS = num('BENCH_WORKS', 10_000);
const PARTITIONS = num('BENCH_PARTITIONS', 3);
const ONE_BY_ONE = (process.env['BENCH_ONE_BY_ONE'] ?? '1') !== '0';
/** BENCH_ONLY=market-orders,chain-ledgers: measure only those projections (all are seeded). */
const ONLY = process.env['BENCH_ONLY']?.split(',').map((s) => s.trim());
/** Each measurement is taken this many times; each figure (ours and the baseline's) keeps its best. */
const ROUNDS = num('BENCH_ROUNDS', 3);
/** BENCH_KEEP=1: leave the run's schemas and topics in place (to look into them afterwards). */
const KEEP_SCHEMAS = process.env['BENCH_KEEP'] === '1';
const BARE_ROWS = 1_000;
/** The transactions of the "before" rebuild, one event at a time: the live chunk it had then. */
const ONE_BY_ONE_BATCH = 5_000;
const GOAL = 0.7;
const log = (msg: string): void => console.log(`[bench:projections] ${msg}`);
const logger = pino({ name: 'bench-projections', level: process.env['BENCH_LOG_LEVEL'] ?? 'warn' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- the history ---------------------------------------------------------------------------

const CHAIN_ID = 31337;
const REGISTRY = '0x00000000000000000000000000000000be12a701';
const MARKETPLACE = '0x00000000000000000000000000000000be12a702';
const USD = '0x00000000000000000000000000000000be125d01';
const ZERO = `0x${'0'.repeat(40)}`;
const hex = (n: number | bigint, width: number, tag = '') =>
  `0x${tag}${n.toString(16).padStart(width - tag.length, '0')}`;
const account = (i: number) => hex(0xbe120000 + i, 40);
const ACCOUNTS = 2_000;

type FactSpec = {
  contract: 'ArtworkRegistry' | 'Marketplace';
  event: string;
  args: Record<string, unknown>;
};

/** Chain facts per topic, in publish order: blocks of facts, a reorg retracting one now and then. */
function chainHistory(works: number) {
  const random = seededRandom(1);
  const registry: ChainFactEnvelope[] = [];
  const marketplace: ChainFactEnvelope[] = [];
  const owners = new Map<number, string>();
  let block = 0;
  let retractNext: ChainFactEnvelope[] = [];
  const add = (specs: readonly FactSpec[]) => {
    const n = ++block;
    const facts = specs.map((f, logIndex) =>
      chainFact({
        chainId: CHAIN_ID,
        contract: f.contract,
        address: f.contract === 'ArtworkRegistry' ? REGISTRY : MARKETPLACE,
        event: f.event,
        blockNumber: n,
        blockHash: hex(n, 64, 'b'),
        blockTimestamp: 1_800_000_000 + n * 12,
        transactionHash: hex(n, 64, '7'),
        transactionIndex: 0,
        logIndex,
        args: toJsonArgs(f.args),
      }),
    );
    for (const f of facts) (f.contract === 'ArtworkRegistry' ? registry : marketplace).push(f);
    // A reorg: the previous retracted block's facts are retracted after this block.
    for (const r of retractNext)
      (r.contract === 'ArtworkRegistry' ? registry : marketplace).push(retractionOf(r));
    retractNext = random() < 0.01 ? facts : [];
  };
  add([
    { contract: 'Marketplace', event: 'ProtocolFeeSet', args: { recipient: account(1), bps: 250 } },
  ]);
  for (let first = 0; first < ACCOUNTS; first += 50)
    add(
      Array.from({ length: 50 }, (_, k) => ({
        contract: 'Marketplace' as const,
        event: 'Deposited',
        args: { account: account(first + k), currency: USD, amount: 1_000_000_000n },
      })),
    );
  let minted = 0;
  while (minted < works) {
    const specs: FactSpec[] = [];
    for (let k = 0; k < 10; k++) {
      const roll = random();
      if (roll < 0.45 || minted < 100) {
        const t = ++minted;
        const owner = account(Math.floor(random() * ACCOUNTS));
        owners.set(t, owner);
        specs.push(
          {
            contract: 'ArtworkRegistry',
            event: 'Transfer',
            args: { from: ZERO, to: owner, tokenId: BigInt(t) },
          },
          {
            contract: 'ArtworkRegistry',
            event: 'ArtworkMinted',
            args: {
              tokenId: BigInt(t),
              creator: account(t % 300),
              owner,
              provenanceHash: hex(t, 64, 'a'),
              royaltyReceiver: account(t % 300),
              royaltyBps: 500,
              provenance: {
                modelId: t % 2 ? 'sdxl-1.0' : 'flux-1',
                modelHash: hex(t % 7, 64, 'd'),
                promptHash: hex(t, 64, 'e'),
                seed: 1000n + BigInt(t),
                manifestHash: hex(t, 64, 'f'),
                manifestURI: `ipfs://manifest/${t}`,
                parents: t > 10 && t % 5 === 0 ? [BigInt(t - 7)] : [],
                contributors: t % 3 === 0 ? [{ account: account(t % 50), bps: 100 }] : [],
              },
            },
          },
        );
      } else if (roll < 0.6) {
        const t = 1 + Math.floor(random() * minted);
        const to = account(Math.floor(random() * ACCOUNTS));
        specs.push({
          contract: 'ArtworkRegistry',
          event: 'Transfer',
          args: { from: owners.get(t)!, to, tokenId: BigInt(t) },
        });
        owners.set(t, to);
      } else if (roll < 0.92) {
        const t = 1 + Math.floor(random() * minted);
        const seller = owners.get(t)!;
        const buyer = account(Math.floor(random() * ACCOUNTS));
        const price = 1_000_000n + BigInt(Math.floor(random() * 1000)) * 10_000n;
        const fee = (price * 250n) / 10_000n;
        const royalty = (price * 500n) / 10_000n;
        const attribution = t % 3 === 0 ? price / 100n : 0n;
        specs.push(
          {
            contract: 'Marketplace',
            event: 'TradeSettled',
            args: {
              askHash: hex(block * 10 + k, 64, 'aa'),
              bidHash: hex(block * 10 + k, 64, 'bb'),
              collection: REGISTRY,
              tokenId: BigInt(t),
              seller,
              buyer,
              currency: USD,
              price,
              protocolFee: fee,
              royaltyReceiver: account(t % 300),
              royalty,
              attribution,
              sellerProceeds: price - fee - royalty - attribution,
            },
          },
          {
            contract: 'ArtworkRegistry',
            event: 'Transfer',
            args: { from: seller, to: buyer, tokenId: BigInt(t) },
          },
          {
            contract: 'Marketplace',
            event: 'RoyaltyCredited',
            args: { receiver: account(t % 300), currency: USD, amount: royalty },
          },
          ...(attribution > 0n
            ? [
                {
                  contract: 'Marketplace' as const,
                  event: 'AttributionCredited',
                  args: { contributor: account(t % 50), currency: USD, amount: attribution },
                },
              ]
            : []),
        );
        owners.set(t, buyer);
      } else {
        specs.push({
          contract: 'Marketplace',
          event: random() < 0.7 ? 'Deposited' : 'Withdrawn',
          args: {
            account: account(Math.floor(random() * ACCOUNTS)),
            currency: USD,
            amount: BigInt(1 + Math.floor(random() * 1e6)),
          },
        });
      }
    }
    if (random() < 0.002)
      specs.push({
        contract: 'Marketplace',
        event: 'ProtocolFeeSet',
        args: { recipient: account(2), bps: 200 + Math.floor(random() * 100) },
      });
    add(specs);
  }
  return { registry, marketplace };
}

interface Order {
  hash: string;
  kind: 0 | 1;
  maker: string;
  tokenId: bigint;
  price: bigint;
  status: string;
}

/** The market events of 20 markets, in the order they are appended (each market one stream). */
function marketHistory(orders: number): { stream: string; event: NewEvent }[] {
  const random = seededRandom(2);
  const out: { stream: string; event: NewEvent }[] = [];
  const markets = Array.from({ length: 20 }, (_, c) => ({
    collection: c === 0 ? REGISTRY : hex(0xbe12c000 + c, 40),
    seq: 0,
    open: [] as Order[],
    pending: [] as { tradeId: string; ask: Order; bid: Order }[],
    trades: 0,
  }));
  let n = 0;
  let clock = Date.UTC(2026, 10, 1);
  const push = (m: (typeof markets)[number], event: MarketEvent) => {
    const at = new Date((clock += 250)).toISOString();
    const encoded = marketEventCodec.encode(event);
    out.push({
      stream: `${MARKET_CATEGORY}-${m.collection}`,
      event: {
        id: randomUUID(),
        type: encoded.type,
        schemaVersion: encoded.schemaVersion,
        data: encoded.data as NewEvent['data'],
        metadata: {
          correlationId: randomUUID(),
          causationId: null,
          actor: 'system:bench',
          occurredAt: at,
        },
      },
    });
    return at;
  };
  const changed = (
    m: (typeof markets)[number],
    o: Order,
    status: string,
    reason: string | null,
  ) => {
    push(m, {
      type: 'OrderStatusChanged',
      data: { hash: o.hash, from: o.status, status, reason, at: new Date(clock).toISOString() },
    } as unknown as MarketEvent);
    o.status = status;
  };
  const signed = (m: (typeof markets)[number], o: Order) => ({
    hash: o.hash,
    signature: `0x${'11'.repeat(65)}`,
    order: {
      maker: o.maker,
      kind: o.kind,
      collection: m.collection,
      tokenId: o.tokenId,
      currency: USD,
      price: o.price,
      start: 0n,
      expiry: 4_000_000_000n,
      counter: 0n,
      nonce: BigInt(o.hash.length),
    },
  });
  while (n < orders) {
    const m = markets[Math.floor(random() * markets.length)]!;
    const roll = random();
    if (roll < 0.55 || m.open.length < 4) {
      const kind: 0 | 1 = random() < 0.6 ? 0 : 1;
      const status = random() < 0.7 ? 'fillable' : kind === 0 ? 'not-owner' : 'no-balance';
      const o: Order = {
        hash: hex(++n, 64, 'e'),
        kind,
        maker: account(Math.floor(random() * ACCOUNTS)),
        tokenId: BigInt(1 + Math.floor(random() * 1000)),
        price: 1_000_000n + BigInt(Math.floor(random() * 500)) * 10_000n,
        status,
      };
      m.open.push(o);
      push(m, {
        type: 'OrderAccepted',
        data: {
          collection: m.collection,
          hash: o.hash,
          order: signed(m, o).order,
          signature: `0x${'11'.repeat(65)}`,
          seq: ++m.seq,
          acceptedAt: new Date(clock).toISOString(),
          status,
          reason: status === 'fillable' ? null : 'observed',
          split:
            kind === 0
              ? {
                  royaltyReceiver: account(7),
                  royalty: (o.price * 500n) / 10_000n,
                  contributors: [],
                }
              : null,
        },
      } as unknown as MarketEvent);
    } else if (roll < 0.72) {
      const asks = m.open.filter((o) => o.kind === 0 && o.status === 'fillable');
      const bids = m.open.filter((o) => o.kind === 1 && o.status === 'fillable');
      if (asks.length === 0 || bids.length === 0) continue;
      const ask = asks[Math.floor(random() * asks.length)]!;
      const bid = bids[Math.floor(random() * bids.length)]!;
      const tradeId = `${m.collection}:${++m.trades}`;
      const price = ask.price;
      const fee = (price * 250n) / 10_000n;
      const royalty = (price * 500n) / 10_000n;
      push(m, {
        type: 'TradeMatched',
        data: {
          tradeId,
          collection: m.collection,
          tokenId: ask.tokenId,
          currency: USD,
          price,
          seller: ask.maker,
          buyer: bid.maker,
          ask: signed(m, ask),
          bid: signed(m, bid),
          split: {
            price,
            feeRecipient: account(1),
            protocolFee: fee,
            royaltyReceiver: account(7),
            royalty,
            contributors: [],
            attribution: 0n,
            sellerProceeds: price - fee - royalty,
          },
          matchedAt: new Date(clock).toISOString(),
        },
      } as unknown as MarketEvent);
      ask.status = bid.status = 'reserved';
      m.pending.push({ tradeId, ask, bid });
    } else if (roll < 0.86 && m.pending.length > 0) {
      const t = m.pending.shift()!;
      if (random() < 0.85) {
        push(m, {
          type: 'TradeSettled',
          data: {
            tradeId: t.tradeId,
            transactionHash: hex(n, 64, '7'),
            block: BigInt(n),
            at: new Date(clock).toISOString(),
          },
        } as unknown as MarketEvent);
        t.ask.status = t.bid.status = 'filled';
      } else {
        push(m, {
          type: 'TradeReleased',
          data: { tradeId: t.tradeId, reason: 'SellerNotOwner', at: new Date(clock).toISOString() },
        } as unknown as MarketEvent);
        changed(m, t.ask, 'not-owner', 'SellerNotOwner');
        changed(m, t.bid, 'fillable', null);
      }
      m.open = m.open.filter((o) => o.status !== 'filled');
    } else if (roll < 0.93) {
      const live = m.open.filter((o) => o.status === 'fillable' || o.status === 'no-balance');
      if (live.length === 0) continue;
      const o = live[Math.floor(random() * live.length)]!;
      push(m, {
        type: 'CancelRecorded',
        data: {
          cancelId: `c-${n}-${m.seq}`,
          maker: o.maker,
          hashes: [o.hash],
          at: new Date(clock).toISOString(),
        },
      } as unknown as MarketEvent);
      changed(m, o, 'cancelled-off-chain', 'cancelled by maker');
      m.open = m.open.filter((x) => x !== o);
    } else {
      const bids = m.open.filter(
        (o) => o.kind === 1 && (o.status === 'fillable' || o.status === 'no-balance'),
      );
      if (bids.length === 0) continue;
      const o = bids[Math.floor(random() * bids.length)]!;
      changed(
        m,
        o,
        o.status === 'fillable' ? 'no-balance' : 'fillable',
        o.status === 'fillable' ? 'balance below price' : null,
      );
    }
  }
  return out;
}

// ---- seeding -------------------------------------------------------------------------------

async function seedStore(
  store: PostgresEventStore,
  history: { stream: string; event: NewEvent }[],
) {
  // Windows of 2,000 events, grouped by stream inside each (per-stream order kept): markets
  // interleave in the global log as they would, without 100k one-event appends.
  for (let i = 0; i < history.length; i += 2_000) {
    const byStream = new Map<string, NewEvent[]>();
    for (const { stream, event } of history.slice(i, i + 2_000))
      byStream.set(stream, [...(byStream.get(stream) ?? []), event]);
    for (const [stream, events] of byStream)
      await store.append(stream, events, { expectedRevision: ANY });
  }
}

async function readLog(store: PostgresEventStore): Promise<EventEnvelope[]> {
  const out: EventEnvelope[] = [];
  for (let after = 0n; ;) {
    const batch = await store.readAll({ after, maxCount: 10_000 });
    if (batch.length === 0) return out;
    out.push(...batch.map(toEnvelope));
    after = batch[batch.length - 1]!.position;
  }
}

async function publish(kafka: Kafka, topic: string, messages: ReturnType<typeof toKafkaMessage>[]) {
  const producer = new MessageProducer(kafka, logger);
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 500)
      await producer.sendRaw([{ topic, messages: messages.slice(i, i + 500) }]);
  } finally {
    await producer.disconnect();
  }
}

/**
 * Seeds the event store and the topics with the history; gives back only what the report needs
 * (the history itself is left to the garbage collector, see main()).
 */
async function seed(
  store: PostgresEventStore,
  kafka: Kafka,
  topics: { market: string; registry: string; marketplace: string },
) {
  log('generating the history');
  const market = marketHistory(ORDERS);
  const chain = chainHistory(WORKS);
  await store.migrate();
  log(`appending ${market.length} market events to the event store`);
  await seedStore(store, market);
  const envelopes = await readLog(store);
  await ensureTopics(
    kafka,
    Object.values(topics).map((topic) => ({
      topic,
      partitions: PARTITIONS,
      replicationFactor: 1,
    })),
    logger,
  );
  log(
    `publishing ${envelopes.length} market events, ${chain.registry.length} registry facts, ${chain.marketplace.length} marketplace facts`,
  );
  await publish(
    kafka,
    topics.market,
    envelopes.map((e) => toKafkaMessage(marketEnvelopeCodec, e)),
  );
  await publish(
    kafka,
    topics.registry,
    chain.registry.map((f) => toKafkaMessage(chainFactCodec, f)),
  );
  await publish(
    kafka,
    topics.marketplace,
    chain.marketplace.map((f) => toKafkaMessage(chainFactCodec, f)),
  );
  const counts = {
    'market-orders': envelopes.length,
    'chain-artworks': chain.registry.length,
    'chain-trades': chain.marketplace.length,
    'chain-ledgers': chain.marketplace.length,
  };
  const mix: Record<string, number> = {};
  for (const e of envelopes) mix[e.type] = (mix[e.type] ?? 0) + 1;
  for (const f of [...chain.registry, ...chain.marketplace]) {
    const k = `chain ${f.event}${f.kind === 'retracted' ? ' (retracted)' : ''}`;
    mix[k] = (mix[k] ?? 0) + 1;
  }
  const totalMessages = envelopes.length + chain.registry.length + chain.marketplace.length;
  return { counts, mix, totalMessages };
}

// ---- measuring -----------------------------------------------------------------------------

/** The read-model tables of a projection (unqualified names, as created by its entities). */
async function tablesOf(url: string, schema: string, projection: AnyProjection): Promise<string[]> {
  const ds = await createProjectionDataSource({ url, schema, projections: [projection] });
  try {
    return projection.entities.map((e) => ds.getMetadata(e).tableName);
  } finally {
    await ds.destroy();
  }
}

/**
 * One 16 MB allocation in the bare INSERTs' backend, freed at the end of the statement, before they
 * are timed. glibc's malloc maps a large allocation of a process (over 128 kB at first) and unmaps
 * it when freed, until it frees a larger mapped one: then it raises that threshold to the size
 * freed (up to 32 MiB), and keeps freed memory below it. A backend that has never freed one
 * maps and faults in, page by page, the memory of each bind of 20,000 parameters, and a page fault
 * costs about 12 µs on this VM: the bare INSERTs of market-orders' rows took 5.1-6.4 s on such a
 * backend and 2.7-3.6 s after this statement, in the same minutes (a standalone copy of
 * bareInserts). Which backend the bench's pool handed out, and what it had run before, had made
 * the baseline's rounds 1.9 or 5-6 s by accident. Our projectors' backends are not warmed:
 * warming them changed nothing measurable (their time is the node process's).
 */
const WARM_BACKEND = `SELECT length(repeat('x', 16000000))`;

/** The final rows of `tables` copied from `from` into empty tables of `to`, by multi-row INSERTs. */
async function bareInserts(pool: Pool, from: string, to: string, tables: readonly string[]) {
  const data: { table: string; rows: Record<string, unknown>[]; columns: string[] }[] = [];
  for (const table of tables) {
    const { rows, fields } = await pool.query(`SELECT * FROM ${q(from)}.${q(table)}`);
    data.push({ table, rows, columns: fields.map((f) => f.name) });
  }
  const client = await pool.connect();
  try {
    await client.query(WARM_BACKEND);
    const before = coreSnapshot();
    const { seconds } = await timed(async () => {
      for (const { table, rows, columns } of data) {
        for (let i = 0; i < rows.length; i += BARE_ROWS) {
          const chunk = rows.slice(i, i + BARE_ROWS);
          const values: unknown[] = [];
          const tuples = chunk.map((row) => {
            const start = values.length;
            for (const c of columns) values.push(row[c]);
            return `(${columns.map((_, k) => `$${start + k + 1}`).join(',')})`;
          });
          await client.query('BEGIN');
          await client.query(
            `INSERT INTO ${q(to)}.${q(table)} (${columns.map(q).join(',')}) VALUES ${tuples.join(',')}`,
            values,
          );
          await client.query('COMMIT');
        }
      }
    });
    const cores = coreSecondsSince(before);
    return { seconds, cores, rows: data.reduce((s, d) => s + d.rows.length, 0) };
  } finally {
    client.release();
  }
}

/** md5 of each table's rows in a stable order: equal digests, equal rows. */
async function digests(pool: Pool, schema: string, tables: readonly string[]) {
  const out: Record<string, string> = {};
  for (const t of tables) {
    const { rows } = await pool.query(
      `SELECT md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) AS d FROM ${q(schema)}.${q(t)} x`,
    );
    out[t] = rows[0].d;
  }
  return out;
}

/**
 * Settles the database between timed phases (not timed), so that no phase pays for another's
 * writes: a VACUUM ANALYZE of every table of the run's schemas, then a CHECKPOINT.
 * - The loads of one phase otherwise set autovacuum to work on its tables during the next, on the
 *   same two cores (the bare INSERTs of the ledger rows took 0.6 s after the trades' bare INSERTs
 *   and 1.2-1.3 s right after the ledgers' rebuild).
 * - The run writes ~540 MB of WAL a minute, and max_wal_size (1 GB) starts a checkpoint every
 *   ~540 MB: one ran through most of the run, and a phase that met its start paid for the full-page
 *   images after it. After a CHECKPOINT, a phase's WAL (well under 540 MB) starts none. (The
 *   bare INSERTs of market-orders' rows still take 2.0-2.5 s in some rounds and up to 5-6 s in
 *   others, with or without it: hence the best of BENCH_ROUNDS.)
 * CHECKPOINT needs a superuser (or pg_checkpoint): the bench asks POSTGRES_ADMIN_URL, the
 * machine's server by default, and says so once when it cannot.
 */
async function settle(pool: Pool, schemas: readonly string[]): Promise<void> {
  const { rows } = await pool.query<{ t: string }>(
    `SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables WHERE schemaname = ANY($1::text[])`,
    [schemas],
  );
  for (const { t } of rows) await pool.query(`VACUUM (ANALYZE) ${t}`);
  if (checkpointRefused) return;
  const admin = new Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
    await admin.query('CHECKPOINT');
  } catch (e) {
    checkpointRefused = true;
    log(`no CHECKPOINT between phases (${(e as Error).message}): timings may include one`);
  } finally {
    await admin.end().catch(() => undefined);
  }
}
const ADMIN_URL =
  process.env['POSTGRES_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
let checkpointRefused = false;

/** Events in seconds: one timing of one measurement. */
interface Timing {
  readonly events: number;
  readonly seconds: number;
}
/** The better of two timings of one measurement (more events a second). */
const faster = <T extends Timing>(a: T | undefined, b: T): T =>
  a === undefined || b.events / b.seconds > a.events / a.seconds ? b : a;
type LiveRun = Timing & {
  readonly fromStartSeconds: number;
  /** From the group joined to the first chunk applied: the pipeline filling (nothing written yet). */
  readonly firstChunkSeconds: number;
  /**
   * Core-seconds over the timed part: this process (the projector's own work), PostgreSQL, Kafka
   * (lib/core-seconds.ts).
   */
  readonly cores: CoreSeconds;
};
/** CPU seconds (user + system) this process used since `since` (process.cpuUsage()). */
const cpuSince = (since: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
};

/** Core-seconds of a phase, and the least wall time they allow on this machine's cores. */
const describeCores = (c: CoreSeconds): string =>
  `core-seconds: node ${round(c.node)}, postgres ${round(c.postgres)}, kafka ${round(c.kafka)}; ` +
  `at least ${round(totalCoreSeconds(c) / CORES)} s on ${CORES} cores; ` +
  `page faults: node ${c.faults.node}, postgres ${c.faults.postgres}`;

/**
 * A KafkaProjector over `topics` from offset 0 in a fresh group, timed to its last message, writing
 * through `store` (whose connections the caller opens, and keeps or closes).
 */
async function live<E>(
  kafka: Kafka,
  store: ProjectionStore,
  projection: Projection<E>,
  topics: string[],
  total: number,
  group: string,
  chunkSize?: number,
): Promise<LiveRun> {
  const projector = new KafkaProjector(
    kafka,
    store,
    projection,
    { topics, groupId: group, heartbeatIntervalMs: 1000, ...(chunkSize ? { chunkSize } : {}) },
    logger,
  );
  const seen = () =>
    projector.stats.applied + projector.stats.duplicates + projector.stats.redelivered;
  // Timed from the group joined (its first fetch follows): the join itself takes seconds
  // whatever the size (the broker's initial rebalance delay) and is not throughput.
  let joined: bigint | undefined;
  let cores: CoreSnapshot | undefined;
  projector.on('consumer.group_join', () => {
    joined ??= process.hrtime.bigint();
    cores ??= coreSnapshot();
  });
  try {
    const started = process.hrtime.bigint();
    await projector.start();
    const deadline = Date.now() + 30 * 60_000;
    let first: bigint | undefined;
    while (seen() < total) {
      if (first === undefined && seen() > 0) first = process.hrtime.bigint();
      if (Date.now() > deadline)
        throw new Error(`${projection.name}: ${seen()} of ${total} after 30 min`);
      await sleep(5);
    }
    const end = process.hrtime.bigint();
    const used = cores ? coreSecondsSince(cores) : UNKNOWN;
    if (projector.stats.deadLettered > 0) throw new Error(`${projection.name}: dead letters`);
    if (joined === undefined) throw new Error(`${projection.name}: no group join seen`);
    return {
      seconds: Number(end - joined) / 1e9,
      events: total,
      fromStartSeconds: Number(end - started) / 1e9,
      firstChunkSeconds: Number((first ?? end) - joined) / 1e9,
      cores: used,
    };
  } finally {
    await projector.stop();
  }
}

/**
 * A store over `schema` on its own pool of connections (the live projectors' pool size), which
 * stay open however long they idle, as the gateway's do (apps/gateway: read.module.ts).
 */
async function liveStore<E>(url: string, schema: string, projection: Projection<E>) {
  const ds = await createProjectionDataSource({
    url,
    schema,
    projections: [projection],
    poolSize: LIVE_POOL_SIZE,
    idleTimeoutMs: KEEP_PROJECTOR_CONNECTIONS,
  });
  return { ds, store: new ProjectionStore(ds, schema) };
}
const LIVE_POOL_SIZE = 3;

const roundCores = (c: CoreSeconds) => ({
  node: round(c.node),
  postgres: round(c.postgres),
  kafka: round(c.kafka),
});

// ---- the run -------------------------------------------------------------------------------

async function main(): Promise<void> {
  const env = benchEnv();
  const url = env.GATEWAY_DATABASE_URL;
  const run = randomUUID().slice(0, 8);
  const base = `bench_proj_${run}`;
  const schemas = {
    store: `${base}_es`,
    rebuild: `${base}_rebuild`,
    rebuildOne: `${base}_rebuild1`,
    live: `${base}_live`,
    liveOne: `${base}_live1`,
    bare: `${base}_bare`,
  };
  const topicPrefix = `bench.${run}`;
  const topics = {
    market: marketTopic(MARKET_CATEGORY, `${topicPrefix}.market`),
    registry: chainTopic('ArtworkRegistry', `${topicPrefix}.chain`),
    marketplace: chainTopic('Marketplace', `${topicPrefix}.chain`),
  };
  const pool = new Pool({ connectionString: url, max: 4, application_name: 'bench-projections' });
  const kafka = createKafka({
    clientId: `bench-projections-${run}`,
    brokers: env.KAFKA_BROKERS.split(','),
    logger,
  });
  const store = new PostgresEventStore({
    pool,
    schema: schemas.store,
    listen: false,
    notify: false,
  });
  const created = new Set<string>(Object.values(topics));
  /**
   * Each model's live store, on connections opened in the first round and kept for the others,
   * as a running gateway keeps its projectors' pool. A fresh PostgreSQL backend pays a page fault
   * (~12 us on this VM, context.pageFaults) for each page of shared buffers and memory it touches
   * first: 7,000-26,000 of them in a live run of a model on fresh connections (they were opened
   * for each run, and pg closes a connection idle for 10 s), against 0-4,000 for the bare
   * INSERTs' long-lived backend. Kept (12-02, session 15): chain-ledgers' PostgreSQL faults
   * 13,009 in the first round, 2,761 and 777 in the next two, its CPU 0.82 against 0.47 and 0.49
   * core-seconds; chain-trades' 7,192 against 724 and 139 (0.25 against 0.19 and 0.18). The first
   * round still pays.
   */
  const livePools = new Map<string, Awaited<ReturnType<typeof liveStore>>>();
  /** The live tables' rows after each round (the tables are emptied before the next). */
  const liveDigests: { name: string; pass: number; digest: string }[] = [];
  const loadBefore = loadavg()[0]!;
  try {
    // -- seed, in a function of its own: the history is garbage once published, so no timed phase
    // pays for marking it in its major GCs. Held in main() for the whole run, it kept the heap at
    // 215 MB (48 MB now, after a full GC); the live market-orders projector, run in this process,
    // took 4.62 s with it and 3.52 s without (one round each).
    const { counts, mix, totalMessages } = await seed(store, kafka, topics);
    log(`history: ${totalMessages} messages: ${JSON.stringify(mix)}`);
    // With NODE_OPTIONS=--expose-gc, the heap the timed phases start from (without, the figure
    // would count the history's garbage not yet collected).
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) {
      gc();
      log(`heap in use after a full GC: ${round(process.memoryUsage().heapUsed / 1e6, 0)} MB`);
    }

    const projections = {
      'market-orders': { make: ordersProjection, topic: topics.market },
      'chain-artworks': { make: artworksProjection, topic: topics.registry },
      'chain-trades': { make: chainTradesProjection, topic: topics.marketplace },
      'chain-ledgers': { make: ledgersProjection, topic: topics.marketplace },
    } as const;
    type Name = keyof typeof projections;
    const names = (Object.keys(projections) as Name[]).filter((n) => !ONLY || ONLY.includes(n));
    if (names.length === 0) throw new Error(`BENCH_ONLY=${ONLY?.join(',')} names no projection`);
    // "Before": one event at a time, no batch and no rebuild fold.
    const oneByOne = <E>(p: Projection<E>): Projection<E> => ({
      ...p,
      applyBatch: undefined,
      foldForRebuild: undefined,
    });

    // Each measurement runs BENCH_ROUNDS times, the rounds one after another (rebuilds, bare
    // copies, live projectors, then again), and each figure keeps its best round, ours and the
    // baseline's alike: this machine's PostgreSQL, Kafka and node share two cores, and one run of
    // the bare INSERTs took anywhere from 0.6 to 1.3 s for the same rows.
    // A chain model's best round also keeps its wall time (joining the group included).
    const rebuild: Record<string, Timing & { wallSeconds?: number }> = {};
    const bare = {} as Record<Name, Timing & { rows: number; cores: CoreSeconds }>;
    const tables: Record<string, string[]> = {};
    const liveRuns: Record<string, LiveRun> = {};

    // -- (a) rebuild from position 0
    const rebuildAll = async (pass: number) => {
      if (names.includes('market-orders')) {
        const projection = ordersProjection();
        const ds = await createProjectionDataSource({
          url,
          schema: schemas.rebuild,
          projections: [projection],
        });
        try {
          const cpu = process.cpuUsage();
          const r = await profiled(`rebuild-market-orders-${pass}`, () =>
            rebuildProjection(new ProjectionStore(ds, schemas.rebuild), projection, store, {
              batchSize: REPLAY_BATCH_SIZE,
            }),
          );
          rebuild['market-orders'] = faster(rebuild['market-orders'], {
            events: counts['market-orders'],
            seconds: r.seconds,
          });
          log(
            `rebuild market-orders: ${r.events} events in ${round(r.seconds)} s (node CPU ${round(cpuSince(cpu))} s)`,
          );
        } finally {
          await ds.destroy();
        }
      }
      for (const name of names.filter((n) => n !== 'market-orders')) {
        // The CLI's wall time includes joining a fresh consumer group (seconds, whatever the
        // size): the throughput is timed from the group joined to the end (indexes built), over
        // every fact, as for the live projector.
        const r = await profiled(`rebuild-${name}-${pass}`, () =>
          replayChainProjection({
            url,
            schema: schemas.rebuild,
            brokers: env.KAFKA_BROKERS.split(','),
            topicPrefix: `${topicPrefix}.chain`,
            projection: name,
          }),
        );
        if (r.messages !== counts[name])
          throw new Error(`${name}: replay read ${r.messages} of ${counts[name]}`);
        const timing = {
          events: counts[name],
          seconds: r.seconds - r.joinSeconds,
          wallSeconds: r.seconds,
        };
        rebuild[name] = faster(rebuild[name], timing);
        log(
          `rebuild ${name}: ${r.messages} facts in ${round(r.seconds)} s (${round(timing.seconds)} s after joining the group)`,
        );
      }
    };

    // -- baseline: the same final rows, bare multi-row INSERTs into empty tables
    const bareAll = async () => {
      for (const name of names) {
        if (!tables[name]) {
          const projection = projections[name].make();
          tables[name] = await tablesOf(url, schemas.bare, projection);
          const ds = await createProjectionDataSource({
            url,
            schema: schemas.bare,
            projections: [projection],
          });
          await new ProjectionStore(ds, schemas.bare).ensureSchema();
          await ds.destroy();
        }
        await pool.query(
          `TRUNCATE ${tables[name]!.map((t) => `${q(schemas.bare)}.${q(t)}`).join(', ')}`,
        );
        const r = await bareInserts(pool, schemas.rebuild, schemas.bare, tables[name]!);
        bare[name] = faster(bare[name], { events: counts[name], ...r });
        log(
          `bare INSERTs of ${name}'s ${r.rows} rows: ${round(r.seconds)} s (${describeCores(r.cores)})`,
        );
      }
    };

    // -- (b) the live projector from Kafka, each model on connections of its own, opened in the
    // first round and kept, as a running gateway keeps its projectors' (see livePools); its
    // tables dropped and created again, empty, before each round, and their rows checked after.
    const liveAll = async (pass: number) => {
      for (const name of names) {
        const p = projections[name];
        const projection = p.make() as Projection<unknown>;
        let lp = livePools.get(name);
        if (!lp) {
          lp = await liveStore(url, schemas.live, projection);
          livePools.set(name, lp);
        } else {
          const kept = lp.store;
          await lp.ds.transaction((tx) => kept.reset(projection, tx));
          await kept.ensureSchema();
        }
        const { store: into } = lp;
        const r = await profiled(`live-${name}-${pass}`, () =>
          live(
            kafka,
            into,
            projection,
            [p.topic],
            counts[name],
            `${topicPrefix}.live-r${pass}.${name}`,
          ),
        );
        created.add(`${topicPrefix}.live-r${pass}.${name}.dlq`);
        liveDigests.push({
          name,
          pass,
          digest: JSON.stringify(await digests(pool, schemas.live, tables[name]!)),
        });
        liveRuns[name] = faster(liveRuns[name], r);
        log(
          `live ${name}: ${r.events} events in ${round(r.seconds)} s (first chunk applied after ${round(r.firstChunkSeconds)} s; ${describeCores(r.cores)})`,
        );
      }
    };

    const quiet = () => settle(pool, Object.values(schemas));
    for (let r = 1; r <= ROUNDS; r++) {
      if (ROUNDS > 1) log(`round ${r} of ${ROUNDS}`);
      await quiet();
      await rebuildAll(r);
      await quiet();
      await bareAll();
      await quiet();
      await liveAll(r);
    }
    await quiet();

    let rebuildOneSeconds: number | undefined;
    if (ONE_BY_ONE && names.includes('market-orders')) {
      const projection = oneByOne(ordersProjection());
      const ds = await createProjectionDataSource({
        url,
        schema: schemas.rebuildOne,
        projections: [projection],
      });
      try {
        const r = await rebuildProjection(
          new ProjectionStore(ds, schemas.rebuildOne),
          projection,
          store,
          { batchSize: ONE_BY_ONE_BATCH },
        );
        rebuildOneSeconds = r.seconds;
        log(`rebuild market-orders one event at a time: ${round(r.seconds)} s`);
      } finally {
        await ds.destroy();
      }
    }
    const liveOneRuns: Record<string, LiveRun> = {};
    if (ONE_BY_ONE)
      for (const name of names) {
        const p = projections[name];
        const projection = oneByOne(p.make() as Projection<unknown>);
        const { ds, store: into } = await liveStore(url, schemas.liveOne, projection);
        try {
          liveOneRuns[name] = await live(
            kafka,
            into,
            projection,
            [p.topic],
            counts[name],
            `${topicPrefix}.one-by-one.${name}`,
            200,
          );
        } finally {
          await ds.destroy();
        }
        created.add(`${topicPrefix}.one-by-one.${name}.dlq`);
        log(`live ${name} one event at a time: ${round(liveOneRuns[name].seconds)} s`);
      }
    // -- same rows everywhere
    const identical: Record<string, boolean> = {};
    for (const name of names) {
      const reference = await digests(pool, schemas.rebuild, tables[name]!);
      const copies = [schemas.bare, schemas.live, ...(ONE_BY_ONE ? [schemas.liveOne] : [])];
      if (ONE_BY_ONE && name === 'market-orders') copies.push(schemas.rebuildOne);
      identical[name] = true;
      for (const s of copies) {
        const d = await digests(pool, s, tables[name]!);
        if (JSON.stringify(d) !== JSON.stringify(reference)) {
          identical[name] = false;
          log(`ROWS DIFFER: ${name} in ${s}: ${JSON.stringify(d)} vs ${JSON.stringify(reference)}`);
        }
      }
      for (const { pass, digest } of liveDigests.filter((l) => l.name === name))
        if (digest !== JSON.stringify(reference)) {
          identical[name] = false;
          log(
            `ROWS DIFFER: ${name} live, round ${pass}: ${digest} vs ${JSON.stringify(reference)}`,
          );
        }
    }
    // A rebuild loads without the readers' indexes and builds them at the end: the rebuilt and
    // live tables must have exactly the indexes of the bare copy (created from the entities).
    const indexes = async (schema: string) => {
      const { rows } = await pool.query<{ d: string }>(
        `SELECT indexname || ': ' || replace(indexdef, $1, 'S') AS d FROM pg_indexes WHERE schemaname = $2 AND tablename <> ALL($3::text[]) ORDER BY indexname`,
        [q(schema), schema, ['projection_checkpoints', 'projection_stream_positions']],
      );
      return rows.map((r) => r.d.replace(schema, 'S')).join('\n');
    };
    const bareIndexes = await indexes(schemas.bare);
    for (const s of [schemas.rebuild, schemas.live])
      if ((await indexes(s)) !== bareIndexes) {
        for (const name of names) identical[name] = false;
        log(`INDEXES DIFFER: ${s}:\n${await indexes(s)}\nvs bare:\n${bareIndexes}`);
      }
    if (Object.values(identical).some((v) => !v))
      throw new Error('the copies do not hold the same rows');
    log(
      'rebuild, live, one-by-one and bare copies hold identical rows, table by table (and the same indexes)',
    );

    // -- report
    const rows: BenchRow[] = [];
    const bareRate = (name: Name) => counts[name] / bare[name].seconds;
    const sum = (f: (n: Name) => number) => names.reduce((s, n) => s + f(n), 0);
    for (const name of names) {
      const baseline = {
        figure: `bare multi-row INSERTs of ${name}'s ${bare[name].rows} final rows`,
        value: round(bareRate(name), 0),
      };
      rows.push({
        figure: `rebuild from 0: ${name} (${counts[name]} events)`,
        value: round(rebuild[name]!.events / rebuild[name]!.seconds, 0),
        unit: 'events/s',
        baseline,
        goal: `ratio >= ${GOAL}`,
      });
      rows.push({
        figure: `live projector from Kafka: ${name}`,
        value: round(liveRuns[name]!.events / liveRuns[name]!.seconds, 0),
        unit: 'events/s',
        baseline,
        goal: `ratio >= ${GOAL}`,
      });
      if (ONE_BY_ONE)
        rows.push({
          figure: `live projector from Kafka, one event at a time (before): ${name}`,
          value: round(liveOneRuns[name]!.events / liveOneRuns[name]!.seconds, 0),
          unit: 'events/s',
          baseline,
        });
    }
    const allBare = {
      figure: `bare multi-row INSERTs of every model's final rows`,
      value: round(sum((n) => counts[n]) / sum((n) => bare[n].seconds), 0),
    };
    rows.push({
      figure: `rebuild from 0: all four (${sum((n) => counts[n])} events applied)`,
      value: round(sum((n) => rebuild[n]!.events) / sum((n) => rebuild[n]!.seconds), 0),
      unit: 'events/s',
      baseline: allBare,
      goal: `ratio >= ${GOAL}`,
    });
    rows.push({
      figure: 'live projector from Kafka: all four',
      value: round(sum((n) => liveRuns[n]!.events) / sum((n) => liveRuns[n]!.seconds), 0),
      unit: 'events/s',
      baseline: allBare,
      goal: `ratio >= ${GOAL}`,
    });
    if (ONE_BY_ONE && rebuildOneSeconds !== undefined) {
      rows.push({
        figure: 'rebuild from 0, one event at a time (before): market-orders',
        value: round(counts['market-orders'] / rebuildOneSeconds!, 0),
        unit: 'events/s',
        baseline: {
          figure: `bare multi-row INSERTs of market-orders' final rows`,
          value: round(bareRate('market-orders'), 0),
        },
      });
      rows.push({
        figure: 'live projector from Kafka, one event at a time (before): all four',
        value: round(sum((n) => liveOneRuns[n]!.events) / sum((n) => liveOneRuns[n]!.seconds), 0),
        unit: 'events/s',
        baseline: allBare,
      });
    }
    // A partial run (BENCH_ONLY) is for working on one model: its figures go to their own file.
    report(ONLY ? 'projections-partial' : 'projections', rows, {
      messages: totalMessages,
      counts,
      mix,
      finalRows: Object.fromEntries(names.map((n) => [n, bare[n].rows])),
      rounds: ROUNDS,
      partitions: PARTITIONS,
      chunk: BATCH_CHUNK_SIZE,
      replayBatch: REPLAY_BATCH_SIZE,
      bareRowsPerInsert: BARE_ROWS,
      chainRebuildWallSeconds: Object.fromEntries(
        names.flatMap((n) => {
          const wall = rebuild[n]!.wallSeconds;
          return wall === undefined ? [] : [[n, round(wall)]];
        }),
      ),
      liveSecondsFromStart: Object.fromEntries(
        names.map((n) => [n, round(liveRuns[n]!.fromStartSeconds)]),
      ),
      identicalRows: identical,
      // Machine-wide CPU of the rounds kept (lib/core-seconds.ts): what the live projector and
      // the bare INSERTs each cost this process, PostgreSQL and Kafka, and the bound it sets.
      // liveRatioAtMost: the bare INSERTs' time over the least time the live round's measured
      // work could take on this machine's cores (its core-seconds / cores): the ratio the live
      // projector would reach with that work spread perfectly over every core.
      coreSeconds: {
        cores: CORES,
        bare: Object.fromEntries(names.map((n) => [n, roundCores(bare[n].cores)])),
        live: Object.fromEntries(names.map((n) => [n, roundCores(liveRuns[n]!.cores)])),
      },
      // What a fresh page costs here, and how many the rounds kept took, by kind of process.
      pageFaults: {
        microsEach: round(pageFaultMicros(), 1),
        bare: Object.fromEntries(names.map((n) => [n, bare[n].cores.faults])),
        live: Object.fromEntries(names.map((n) => [n, liveRuns[n]!.cores.faults])),
      },
      liveRatioAtMost: {
        ...Object.fromEntries(
          names.map((n) => [
            n,
            round(bare[n].seconds / (totalCoreSeconds(liveRuns[n]!.cores) / CORES), 3),
          ]),
        ),
        [`all ${names.length === 4 ? 'four' : names.length}`]: round(
          sum((n) => bare[n].seconds) / (sum((n) => totalCoreSeconds(liveRuns[n]!.cores)) / CORES),
          3,
        ),
      },
      loadAverage: { before: round(loadBefore), after: round(loadavg()[0]!) },
    });
  } finally {
    for (const { ds } of livePools.values()) await ds.destroy().catch(() => undefined);
    await store.close().catch(() => undefined);
    if (KEEP_SCHEMAS) log(`kept the run's schemas (${base}_*) and topics (${topicPrefix}.*)`);
    else
      for (const s of Object.values(schemas))
        await pool.query(`DROP SCHEMA IF EXISTS ${q(s)} CASCADE`).catch(() => undefined);
    await pool.end();
    if (!KEEP_SCHEMAS) {
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [...created] }).catch(() => undefined);
      await admin.disconnect();
    }
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
