// `npm run bench:read-market`: the order side's reads (@atelier/market-projections' order-books,
// matched-trades and activity readers, as the gateway's /v1 routes call them) on the bench
// stack's PostgreSQL, over a synthetic history in a fresh schema: BENCH_ORDERS orders (default
// 100,000) in one collection over 1,000 tokens (60 % asks, 30 % token bids, 10 % collection
// bids; one in BENCH_FILLABLE_EVERY fillable, default 20, the rest filled or cancelled), a tenth
// as many trades (10 % still matched). Baseline, same run and same rows: the same read on a
// second copy of the model with the order side's indexes (the models' entities) dropped, i.e.
// what the reads cost on the tables as they were before. Each read runs 20 times on each copy,
// interleaved, after a warm-up; the medians are the figures.
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  ActivityReader,
  artworksProjection,
  chainTradesProjection,
  MatchedTradesReader,
  OrderBooksReader,
  ordersProjection,
} from '@atelier/market-projections';
import { createProjectionDataSource, ProjectionStore } from '@atelier/projections';
import { benchEnv, percentile, report, round, type BenchRow } from './lib/harness';

const ORDERS = Number(process.env['BENCH_ORDERS'] ?? 100_000);
const FILLABLE_EVERY = Number(process.env['BENCH_FILLABLE_EVERY'] ?? 20);
const RUNS = 20;
const C = '0x00000000000000000000000000000000000c0de1';
const USD = '0x0000000000000000000000000000000000005d01';
const ACCOUNT = `0x${(10).toString(16).padStart(40, '0')}`;
const log = (msg: string): void => console.log(`[bench:read-market] ${msg}`);

/** The indexes the order side's reads rely on (entities of the orders and chain models). */
const ORDER_SIDE_INDEXES = [
  'market_orders_book',
  'market_orders_accepted_at',
  'market_orders_cancelled_at',
  'market_trades_matched_at',
  'market_trades_pending',
  'chain_trades_settled_at',
  'artworks_minted_at',
  'artwork_transfers_at',
];

async function fill(ds: DataSource, schema: string): Promise<void> {
  // Times one second apart, newest last; a cancel's status change an hour after its order.
  await ds.query(
    `INSERT INTO "${schema}".market_orders (hash, collection, maker, kind, token_id, currency,
       price, start, expiry, counter, nonce, signature, status, reason, trade_id, seq,
       accepted_at, accepted_position, updated_at, last_position)
     SELECT '0x' || lpad(to_hex(i), 64, '0'), $1, '0x' || lpad(to_hex(i % 5000), 40, '0'),
       CASE WHEN i % 10 < 6 THEN 0 WHEN i % 10 < 9 THEN 1 ELSE 2 END,
       CASE WHEN i % 10 = 9 THEN 0 ELSE i % 1000 END, $2, 1 + (i::bigint * 7919) % 500, 0, 4000000000,
       0, i, '0x',
       CASE WHEN i % $4 = 0 THEN 'fillable' WHEN i % 4 = 1 THEN 'filled'
         ELSE 'cancelled-off-chain' END,
       NULL, NULL, 0, now() - (($3 - i) || ' seconds')::interval, i,
       now() - (($3 - i) || ' seconds')::interval + interval '1 hour', i
     FROM generate_series(1, $3) i`,
    [C, USD, ORDERS, FILLABLE_EVERY],
  );
  await ds.query(
    `INSERT INTO "${schema}".market_trades (trade_id, collection, ask_hash, bid_hash, buyer,
       seller, currency, token_id, price, split, status, tx_hash, block, reason, matched_at,
       updated_at, last_position)
     SELECT $1 || ':' || i, $1, '0x' || lpad(to_hex(i), 64, 'a'), '0x' || lpad(to_hex(i), 64, 'b'),
       '0x' || lpad(to_hex(i % 5000), 40, '0'), '0x' || lpad(to_hex((i + 1) % 5000), 40, '0'), $2,
       i % 1000, 100,
       '{"protocolFee":"2","royalty":"5","attribution":"0","sellerProceeds":"93","contributors":[],
         "feeRecipient":"0x00000000000000000000000000000000000fee01","royaltyReceiver":null}'::jsonb,
       CASE WHEN i % 10 = 0 THEN 'matched' ELSE 'settled' END, NULL, NULL, NULL,
       now() - (($3 - i) || ' seconds')::interval, now(), i
     FROM generate_series(1, $3 / 10) i`,
    [C, USD, ORDERS],
  );
  await ds.query(`ANALYZE "${schema}".market_orders`);
  await ds.query(`ANALYZE "${schema}".market_trades`);
}

type Reads = Record<string, () => Promise<unknown>>;

/** Medians of each read on both copies, runs interleaved (indexed, bare, indexed, …) so load
 *  and cache warmth fall on both alike. */
async function interleaved(
  indexed: Reads,
  bare: Reads,
): Promise<Record<string, { indexed: number; bare: number }>> {
  const out: Record<string, { indexed: number; bare: number }> = {};
  for (const name of Object.keys(indexed)) {
    const a = indexed[name]!;
    const b = bare[name]!;
    await a();
    await b();
    const ms = { indexed: [] as number[], bare: [] as number[] };
    for (let i = 0; i < RUNS; i++)
      for (const [side, read] of [
        ['indexed', a],
        ['bare', b],
      ] as const) {
        const started = process.hrtime.bigint();
        await read();
        ms[side].push(Number(process.hrtime.bigint() - started) / 1e6);
      }
    const f = { indexed: percentile(ms.indexed, 50), bare: percentile(ms.bare, 50) };
    out[name] = f;
    log(
      `${name}: median ${round(f.indexed)} ms (p90 ${round(percentile(ms.indexed, 90))}), ` +
        `without the indexes ${round(f.bare)} ms (p90 ${round(percentile(ms.bare, 90))})`,
    );
  }
  return out;
}

async function model(url: string, schema: string): Promise<DataSource> {
  const ds = await createProjectionDataSource({
    url,
    schema,
    projections: [ordersProjection(), artworksProjection(), chainTradesProjection()],
  });
  await new ProjectionStore(ds, schema).ensureSchema();
  await fill(ds, schema);
  return ds;
}

function readsOf(ds: DataSource, second: string): Reads {
  const books = new OrderBooksReader(ds);
  const matched = new MatchedTradesReader(ds, ds);
  const activity = new ActivityReader(ds, ds);
  return {
    'collection book (20 levels)': () => books.collectionBook(C),
    'token book (20 levels)': () => books.tokenBook(C, '7'),
    'matched trades, page of 50': () => matched.list({ status: 'matched' }),
    'settled + matched trades, page of 50': () => matched.list({ status: 'all' }),
    "one account's pending amounts": () => matched.pending(ACCOUNT),
    'activity, first page of 50': () => activity.list({ limit: 50 }),
    'activity, next page (cursor)': () => activity.list({ limit: 50, cursor: second }),
    "one account's activity, first page": () => activity.list({ account: ACCOUNT }),
  };
}

async function main(): Promise<void> {
  const env = benchEnv();
  const tag = randomBytes(4).toString('hex');
  const schemas = { indexed: `bench_read_market_${tag}`, bare: `bench_read_market_${tag}_bare` };
  const opened: { ds: DataSource; schema: string }[] = [];
  try {
    log(`${ORDERS} orders (1 in ${FILLABLE_EVERY} fillable), ${ORDERS / 10} trades, two copies`);
    const indexed = await model(env.GATEWAY_DATABASE_URL, schemas.indexed);
    opened.push({ ds: indexed, schema: schemas.indexed });
    const bare = await model(env.GATEWAY_DATABASE_URL, schemas.bare);
    opened.push({ ds: bare, schema: schemas.bare });
    for (const name of ORDER_SIDE_INDEXES)
      await bare.query(`DROP INDEX IF EXISTS "${schemas.bare}"."${name}"`);
    await bare.query(`ANALYZE "${schemas.bare}".market_orders`);
    await bare.query(`ANALYZE "${schemas.bare}".market_trades`);
    // The same rows in both copies, so one cursor serves both.
    const second = (await new ActivityReader(indexed, indexed).list({ limit: 50 })).nextCursor!;
    const figures = await interleaved(readsOf(indexed, second), readsOf(bare, second));
    const rows: BenchRow[] = Object.entries(figures).map(([name, f]) => ({
      figure: name,
      value: f.indexed,
      unit: 'ms',
      baseline: { figure: 'without the order-side indexes', value: f.bare },
    }));
    report('read-market', rows, {
      orders: ORDERS,
      fillableEvery: FILLABLE_EVERY,
      trades: ORDERS / 10,
      runs: RUNS,
      statistic: 'median, runs interleaved with the baseline',
    });
  } finally {
    for (const { ds, schema } of opened) {
      await ds.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      await ds.destroy();
    }
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
