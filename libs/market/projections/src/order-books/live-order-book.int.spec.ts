// The in-memory book against the SQL reader on real PostgreSQL: random market histories played
// through the real market aggregate (asks and token/collection bids in two currencies, matches
// on arrival, cancels, funds and ownership moving orders out of the book and back, settles,
// reorg un-settles, releases, asks about to expire), each event projected into the orders read
// model and applied to LiveOrderBooks (one loaded at the start, one loaded again mid-way); after
// every command both answer the same for collection and token books, every currency, several
// level cuts and book times. The seed is printed and fixed per run (ATELIER_BOOK_SEED replays).
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { asAddress, type Address, type OrderHash, seededRandom } from '@atelier/kernel';
import {
  EventSourcedRepository,
  InMemoryEventStore,
  type RecordedEvent,
} from '@atelier/eventsourcing';
import {
  marketAggregate,
  marketId,
  OrderKind,
  type MarketCommand,
  type Observations,
  type SignedOrder,
} from '@atelier/market-domain';
import { createProjectionDataSource, ProjectionStore } from '@atelier/projections';
import { envelopeOf, NOW, signed, USD } from '../testing/market-history';
import { marketEventOf, ordersProjection } from '../orders/orders.projection';
import { LiveOrderBook } from './live-order-book';
import { OrderBooksReader } from './order-books.reader';

const C = asAddress('0x00000000000000000000000000000000000c0de7');
const EUR = asAddress('0x0000000000000000000000000000000000005e01');
const who = (n: number) =>
  asAddress(`0xcccccccccccccccccccccccccccccccccccc${n.toString(16).padStart(4, '0')}`);
const SELLERS = [who(1), who(2), who(3)];
const BUYERS = [who(11), who(12), who(13)];
const TOKENS = [1n, 2n, 3n, 4n, 5n, 6n];
const FEE = { recipient: asAddress('0x00000000000000000000000000000000000fee01'), bps: 250 };
const at = (now: bigint) => new Date(Number(now) * 1000).toISOString();

/** A seeded generator (the kernel's seededRandom), so a failing history can be replayed. */
function generator(seed: number) {
  const next = seededRandom(seed);
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}

const run = randomUUID().slice(0, 8);
let ds: DataSource;
let reader: OrderBooksReader;

beforeAll(async () => {
  const schema = `livebooks_${run}`;
  ds = await createProjectionDataSource({
    url: process.env['GATEWAY_DATABASE_URL']!,
    schema,
    projections: [ordersProjection()],
  });
  await new ProjectionStore(ds, schema).ensureSchema();
  reader = new OrderBooksReader(ds, () => NOW);
});

afterAll(async () => {
  await ds?.query(`DROP SCHEMA IF EXISTS "livebooks_${run}" CASCADE`).catch(() => undefined);
  await ds?.destroy();
});

/** Answers whose `validUntil` was checked against later reads (each seed must reach some). */
let horizonsChecked = 0;

/**
 * A timed book holds at every later second before its `validUntil` (the gateway serves it
 * unchanged until then) and `validUntil` is after the read: checked at each second up to it.
 */
function expectHolds(read: (now: bigint) => TimedBookLike, now: bigint): void {
  const { book, validUntil } = read(now);
  if (validUntil === null) {
    expect(read(now + 30n).book).toEqual(book);
    return;
  }
  expect(validUntil).toBeGreaterThan(now);
  for (let t = now + 1n; t < validUntil && t <= now + 30n; t++) expect(read(t).book).toEqual(book);
  horizonsChecked++;
}

type TimedBookLike = ReturnType<LiveOrderBook['timedCollectionBook']>;

/** Both books, every way the routes ask for them, at the given book times. */
async function expectSame(live: LiveOrderBook, times: readonly bigint[]): Promise<number> {
  let compared = 0;
  for (const now of times)
    for (const levels of [1, 3, 20])
      for (const currency of [undefined, USD, EUR]) {
        const q = { levels, now, ...(currency ? { currency } : {}) };
        const timed = live.timedCollectionBook(q);
        expect(timed.book).toEqual(await reader.collectionBook(C, q));
        expect(live.collectionBook(q)).toEqual(timed.book);
        expectHolds((t) => live.timedCollectionBook({ ...q, now: t }), now);
        for (const tokenId of ['1', '4', '9']) {
          expect(live.tokenBook(tokenId, q)).toEqual(await reader.tokenBook(C, tokenId, q));
          expectHolds((t) => live.timedTokenBook(tokenId, { ...q, now: t }), now);
        }
        compared++;
      }
  expect(live.position).toBe(await reader.position(C));
  return compared;
}

describe('LiveOrderBook equals the SQL reader', () => {
  const seeds = process.env['ATELIER_BOOK_SEED']
    ? [Number(process.env['ATELIER_BOOK_SEED'])]
    : [Date.now() % 1_000_000, 7, 4242];

  it.each(seeds)(
    'after a random history of submits, cancels, matches and settles (seed %i)',
    async (seed) => {
      const rnd = generator(seed);
      const store = new InMemoryEventStore();
      const repository = new EventSourcedRepository(marketAggregate, store, { retryJitterMs: 0 });
      const projection = ordersProjection();
      // Each seed plays its own collection's history in the shared schema: a collection per seed.
      let block = 10n;
      let applied = 0n;
      let first: LiveOrderBook = await LiveOrderBook.load(ds, C);
      let second: LiveOrderBook | null = null;
      const open: SignedOrder[] = [];
      const matched: { ask: OrderHash; bid: OrderHash; tradeId: string }[] = [];
      const settled: { ask: OrderHash; bid: OrderHash }[] = [];
      const owner = new Map<bigint, Address>(TOKENS.map((t, i) => [t, SELLERS[i % 3]!]));
      let reloads = 0;
      let compared = 0;
      let events = 0;
      const seen = new Map<string, number>();

      const price = () => BigInt(50 + 10 * rnd.int(8));
      const currency = () => (rnd.int(4) === 0 ? EUR : USD);
      const funds = (maker: Address, cur: Address, balance: bigint): Observations => ({
        funds: [{ maker, currency: cur, balance, block: ++block }],
      });
      const command = (): MarketCommand => {
        const now = NOW;
        const base = { now, at: at(now) };
        const roll = rnd.int(100);
        if (roll < 30) {
          const tokenId = rnd.pick(TOKENS);
          const maker = owner.get(tokenId)!;
          const o = signed({
            collection: C,
            maker,
            kind: OrderKind.Ask,
            tokenId,
            price: price(),
            currency: currency(),
            // Some asks expire between the book times compared below.
            ...(rnd.int(5) === 0 ? { expiry: NOW + 5n } : {}),
          });
          open.push(o);
          return {
            type: 'SubmitOrder',
            collection: C,
            order: o,
            royalty: { kind: 'erc2981', receiver: null, amount: 0n },
            observed: {
              fee: { ...FEE, block: 1n },
              tokens: [{ tokenId, owner: maker, approved: true, block: ++block }],
            },
            ...base,
          };
        }
        if (roll < 60) {
          const maker = rnd.pick(BUYERS);
          const collectionWide = rnd.int(2) === 0;
          const o = signed({
            collection: C,
            maker,
            kind: collectionWide ? OrderKind.CollectionBid : OrderKind.TokenBid,
            ...(collectionWide ? {} : { tokenId: rnd.pick(TOKENS) }),
            price: price(),
            currency: currency(),
          });
          open.push(o);
          return {
            type: 'SubmitOrder',
            collection: C,
            order: o,
            royalty: null,
            observed: {
              fee: { ...FEE, block: 1n },
              ...funds(maker, o.order.currency, BigInt(rnd.int(4)) * 150n),
            },
            ...base,
          };
        }
        if (roll < 68 && open.length > 0) {
          const o = rnd.pick(open);
          return {
            type: 'CancelOrders',
            cancelId: randomUUID(),
            maker: o.order.maker,
            hashes: [o.hash],
            ...base,
          };
        }
        if (roll < 78) {
          // Funds move: bids leave the book (no-balance) and come back.
          return {
            type: 'Observe',
            observed: funds(rnd.pick(BUYERS), currency(), BigInt(rnd.int(6)) * 100n),
            ...base,
          };
        }
        if (roll < 83) {
          // A token changes hands: its asks become not-owner (and back when it returns).
          const tokenId = rnd.pick(TOKENS);
          const to = rnd.pick(SELLERS);
          owner.set(tokenId, to);
          return {
            type: 'Observe',
            observed: { tokens: [{ tokenId, owner: to, approved: true, block: ++block }] },
            ...base,
          };
        }
        if (roll < 91 && matched.length > 0) {
          const t = matched.splice(rnd.int(matched.length), 1)[0]!;
          settled.push(t);
          return {
            type: 'SettleTrade',
            askHash: t.ask,
            bidHash: t.bid,
            transactionHash: `0x${'ab'.repeat(32)}`,
            block: ++block,
            ...base,
          };
        }
        if (roll < 95 && settled.length > 0) {
          const t = settled.splice(rnd.int(settled.length), 1)[0]!;
          return { type: 'UnsettleTrade', askHash: t.ask, bidHash: t.bid, ...base };
        }
        if (matched.length > 0) {
          const t = matched.splice(rnd.int(matched.length), 1)[0]!;
          return { type: 'ReleaseTrade', tradeId: t.tradeId, reason: 'SellerNotOwner', ...base };
        }
        return { type: 'Observe', observed: funds(rnd.pick(BUYERS), USD, 1_000n), ...base };
      };

      const apply = async (book: LiveOrderBook, e: RecordedEvent) => {
        const outcome = book.apply(marketEventOf(envelopeOf(e)), e.position);
        if (outcome !== 'unknown') return book;
        reloads++;
        return LiveOrderBook.load(ds, C);
      };

      for (let step = 0; step < 120; step++) {
        const r = await repository.handleAll(marketId(C), [command()], {
          correlationId: `book-${seed}`,
          actor: 'spec',
        });
        const recorded = await store.readAll({ after: applied, maxCount: 1_000 });
        for (const e of recorded) {
          const envelope = envelopeOf(e);
          await ds.transaction((tx) => projection.apply(envelope, tx));
          const event = marketEventOf(envelope);
          seen.set(event.type, (seen.get(event.type) ?? 0) + 1);
          if (event.type === 'TradeMatched')
            matched.push({
              ask: event.data.ask.hash,
              bid: event.data.bid.hash,
              tradeId: event.data.tradeId,
            });
          first = await apply(first, e);
          if (second) second = await apply(second, e);
          applied = e.position;
          events++;
        }
        expect(r.outcomes).toHaveLength(1);
        if (step === 60) second = await LiveOrderBook.load(ds, C);
        if (step % 10 === 9 || step === 119) {
          compared += await expectSame(first, [NOW, NOW + 10n]);
          if (second) compared += await expectSame(second, [NOW + 10n]);
        }
      }
      // The history reached the book's every part: levels on both sides, trades, and a cut.
      const full = first.collectionBook({ now: NOW });
      // Some reads had a horizon (asks expiring at NOW + 5), and it held until then.
      expect(horizonsChecked).toBeGreaterThan(0);
      expect(full.currencies.length).toBeGreaterThan(0);
      expect(events).toBeGreaterThan(120);
      for (const type of ['OrderAccepted', 'OrderStatusChanged', 'TradeMatched', 'TradeSettled'])
        expect({ type, seen: (seen.get(type) ?? 0) > 0 }).toEqual({ type, seen: true });
      expect(compared).toBeGreaterThan(100);
      console.log(
        `seed ${seed}: ${events} events ${JSON.stringify(Object.fromEntries(seen))}, ${compared} comparisons, ${reloads} reloads`,
      );
      // Clean slate for the next seed: the same collection starts over in an empty model.
      await ds.query(
        `TRUNCATE "livebooks_${run}".market_orders, "livebooks_${run}".market_trades, "livebooks_${run}".market_streams`,
      );
    },
    120_000,
  );
});
