// Order books from the orders read model on real PostgreSQL: a book played through the real
// market aggregate (asks on three tokens and in a second currency, token and collection bids,
// an unfunded bid, an ask about to expire) projected with every event applied twice; then the
// token and collection books: levels best first with counts and totals, collection bids on
// every token's bid side, the best order in price-time priority, the floor, the spread, only
// orders active at the book's time, the levels cut.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { asAddress, type Address } from '@atelier/kernel';
import { EventSourcedRepository, InMemoryEventStore } from '@atelier/eventsourcing';
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
import { ordersProjection } from '../orders/orders.projection';
import { OrderBooksReader } from './order-books.reader';

const C = asAddress('0x00000000000000000000000000000000000c0de3');
const EUR = asAddress('0x0000000000000000000000000000000000005e01');
const who = (n: number) =>
  asAddress(`0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb${n.toString(16).padStart(4, '0')}`);
const S1 = who(1);
const S2 = who(2);
const B1 = who(11);
const B2 = who(12);
const B3 = who(13);
const FEE = { recipient: asAddress('0x00000000000000000000000000000000000fee01'), bps: 250 };
const at = (now: bigint) => new Date(Number(now) * 1000).toISOString();

const ask = (maker: Address, tokenId: bigint, price: bigint, extra = {}) =>
  signed({ collection: C, maker, kind: OrderKind.Ask, tokenId, price, ...extra });
const tokenBid = (maker: Address, tokenId: bigint, price: bigint) =>
  signed({ collection: C, maker, kind: OrderKind.TokenBid, tokenId, price });
const collectionBid = (maker: Address, price: bigint) =>
  signed({ collection: C, maker, kind: OrderKind.CollectionBid, price });

const submit = (o: SignedOrder, observed: Observations): MarketCommand => ({
  type: 'SubmitOrder',
  collection: C,
  order: o,
  royalty: o.order.kind === OrderKind.Ask ? { kind: 'erc2981', receiver: null, amount: 0n } : null,
  observed: { fee: { ...FEE, block: 1n }, ...observed },
  now: NOW,
  at: at(NOW),
});
const owned = (o: SignedOrder): Observations => ({
  tokens: [{ tokenId: o.order.tokenId, owner: o.order.maker, approved: true, block: 5n }],
});
const funded = (o: SignedOrder, balance = 1_000n): Observations => ({
  funds: [{ maker: o.order.maker, currency: o.order.currency, balance, block: 5n }],
});

const o = {
  t1: ask(S1, 1n, 100n),
  t2: ask(S1, 2n, 100n),
  t3: ask(S2, 3n, 150n),
  t4: ask(S2, 4n, 90n, { expiry: NOW + 5n }),
  t5eur: ask(S2, 5n, 120n, { currency: EUR }),
  bid1a: tokenBid(B1, 1n, 60n),
  bid1b: tokenBid(B2, 1n, 70n),
  bid2: tokenBid(B1, 2n, 75n),
  coll50: collectionBid(B1, 50n),
  coll80first: collectionBid(B3, 80n),
  coll80second: collectionBid(B2, 80n),
  coll95unfunded: collectionBid(B3, 95n),
};

const run = randomUUID().slice(0, 8);
let ds: DataSource;
let reader: OrderBooksReader;

beforeAll(async () => {
  const store = new InMemoryEventStore();
  const repository = new EventSourcedRepository(marketAggregate, store, { retryJitterMs: 0 });
  const commands = [
    submit(o.t1, owned(o.t1)),
    submit(o.t2, owned(o.t2)),
    submit(o.t3, owned(o.t3)),
    submit(o.t4, owned(o.t4)),
    submit(o.t5eur, owned(o.t5eur)),
    submit(o.bid1a, funded(o.bid1a)),
    submit(o.bid1b, funded(o.bid1b)),
    submit(o.bid2, funded(o.bid2)),
    submit(o.coll50, funded(o.coll50)),
    submit(o.coll80first, funded(o.coll80first, 90n)),
    submit(o.coll80second, funded(o.coll80second)),
    // B3's free balance (90) covers its bid of 80 but not this one: no-balance, not in the book.
    submit(o.coll95unfunded, {}),
  ];
  for (const command of commands) {
    const r = await repository.handleAll(marketId(C), [command], {
      correlationId: 'book',
      actor: 'spec',
    });
    for (const x of r.outcomes) if (!x.ok) throw new Error(`${x.error.code}: ${x.error.message}`);
  }
  const envelopes = (await store.readAll({ maxCount: 10_000 })).map(envelopeOf);
  expect(envelopes.some((e) => e.type === 'TradeMatched')).toBe(false);

  const schema = `books_${run}`;
  ds = await createProjectionDataSource({
    url: process.env['GATEWAY_DATABASE_URL']!,
    schema,
    projections: [ordersProjection()],
  });
  await new ProjectionStore(ds, schema).ensureSchema();
  const projection = ordersProjection();
  // Each event applied twice: the book is the same as from one application.
  for (const e of envelopes)
    await ds.transaction(async (tx) => {
      await projection.apply(e, tx);
      await projection.apply(e, tx);
    });
  reader = new OrderBooksReader(ds, () => NOW + 10n);
});

afterAll(async () => {
  await ds?.query(`DROP SCHEMA IF EXISTS "books_${run}" CASCADE`).catch(() => undefined);
  await ds?.destroy();
});

describe('order books', () => {
  it("a token's book: its asks, its token bids and every collection bid, best first", async () => {
    const book = await reader.tokenBook(C, '1');
    expect(book.collection).toBe(C);
    expect(book.tokenId).toBe('1');
    const usd = book.currencies.find((c) => c.currency === USD)!;
    expect(usd.asks).toEqual({
      levels: [{ price: '100', count: 1, total: '100' }],
      orders: 1,
      priceLevels: 1,
      best: { hash: o.t1.hash, maker: S1, kind: 'ask', tokenId: '1', price: '100' },
    });
    expect(usd.bids.levels).toEqual([
      { price: '80', count: 2, total: '160' },
      { price: '70', count: 1, total: '70' },
      { price: '60', count: 1, total: '60' },
      { price: '50', count: 1, total: '50' },
    ]);
    expect(usd.bids).toMatchObject({ orders: 5, priceLevels: 4 });
    // Price, then time: the first collection bid at 80 is met first.
    expect(usd.bids.best).toEqual({
      hash: o.coll80first.hash,
      maker: B3,
      kind: 'collection-bid',
      tokenId: '0',
      price: '80',
    });
    expect(usd).toMatchObject({ floor: '100', spread: '20' });
    expect(usd.tokenBids).toBeUndefined();
    // Another currency: the collection's floor there, no order on this token.
    expect(book.currencies.find((c) => c.currency === EUR)).toMatchObject({
      floor: '120',
      asks: { levels: [], orders: 0, best: null },
      bids: { levels: [], orders: 0, best: null },
      spread: null,
    });
  });

  it("a collection's book: every ask, collection bids, token bids apart, the floor", async () => {
    const book = await reader.collectionBook(C, { currency: USD });
    expect(book.tokenId).toBeNull();
    expect(book.currencies).toHaveLength(1);
    const usd = book.currencies[0]!;
    expect(usd.asks.levels).toEqual([
      { price: '100', count: 2, total: '200' },
      { price: '150', count: 1, total: '150' },
    ]);
    expect(usd.asks.best?.hash).toBe(o.t1.hash);
    expect(usd.bids.levels).toEqual([
      { price: '80', count: 2, total: '160' },
      { price: '50', count: 1, total: '50' },
    ]);
    expect(usd.tokenBids?.levels.map((l) => l.price)).toEqual(['75', '70', '60']);
    expect(usd.tokenBids?.best).toMatchObject({
      hash: o.bid2.hash,
      tokenId: '2',
      kind: 'token-bid',
    });
    expect(usd).toMatchObject({ floor: '100', spread: '20' });
  });

  it('only orders active at the book time: the expiring ask is the floor before it expires', async () => {
    const before = await reader.collectionBook(C, { currency: USD, now: NOW });
    expect(before.currencies[0]).toMatchObject({
      floor: '90',
      asks: { orders: 4, best: { hash: o.t4.hash, price: '90' } },
    });
    const token4 = await reader.tokenBook(C, '4', { currency: USD });
    expect(token4.currencies[0]).toMatchObject({ floor: '100', asks: { orders: 0, best: null } });
  });

  it('cuts each side to `levels`, still counting every order and price level', async () => {
    const book = await reader.collectionBook(C, { currency: USD, levels: 1 });
    expect(book.currencies[0]!.asks).toMatchObject({
      levels: [{ price: '100', count: 2 }],
      orders: 3,
      priceLevels: 2,
    });
    expect(book.currencies[0]!.bids.levels).toHaveLength(1);
  });

  it('an unknown collection or token has an empty book; the position is its market stream', async () => {
    const other = asAddress('0x00000000000000000000000000000000000c0de9');
    expect(await reader.collectionBook(other)).toEqual({
      collection: other,
      tokenId: null,
      currencies: [],
    });
    expect(await reader.position(other)).toBeNull();
    expect(Number(await reader.position(C))).toBeGreaterThan(0);
  });
});
