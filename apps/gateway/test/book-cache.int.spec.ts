// The gateway's in-memory order books (read/order-book-cache.ts) on two real gateways over one
// PostgreSQL event store and orders read model (as two replicas): market events appended
// through the real market aggregate to the gateways' store, the read model fed by the
// projection loop. Each instance loads a book once, on its first read, then follows the log:
// a later order shows without `minMarketPosition` (the tail brings it) and with it at once,
// on both instances, with no second load; the answer equals the SQL reader's for the same
// state; and with the read model stopped the books still follow the log, and a book first read
// then is brought from the model's position to the tail's through the store.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { EVENT_STORE } from '@atelier/cqrs';
import { EventSourcedRepository, type EventStore } from '@atelier/eventsourcing';
import { asAddress, asOrderHash, type Address } from '@atelier/kernel';
import {
  marketAggregate,
  marketId,
  OrderKind,
  type MarketCommand,
  type SignedOrder,
} from '@atelier/market-domain';
import { OrderBooksReader } from '@atelier/market-projections';
import { ORDERS_READ_MODEL } from '../src/market/market.tokens';
import { OrderBookCache } from '../src/read/order-book-cache';
import {
  bootGateway,
  dropSchemas,
  gatewaySchemas,
  projectInBackground,
  type Gateway,
} from './orders.fixture';

const C = asAddress(
  `0x${randomUUID().replace(/-/g, '').slice(0, 8)}00000000000000000000000000000001`,
);
const USD = asAddress('0x0000000000000000000000000000000000005d01');
const SELLER = asAddress('0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa0001');
const BUYER = asAddress('0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa0011');
const FEE = { recipient: asAddress('0x00000000000000000000000000000000000fee01'), bps: 250 };

let n = 0;
const now = () => BigInt(Math.floor(Date.now() / 1000));
function order(
  kind: OrderKind,
  maker: Address,
  price: bigint,
  tokenId = 1n,
  collection: Address = C,
): SignedOrder {
  n++;
  return {
    hash: asOrderHash(`0x${n.toString(16).padStart(64, 'd')}`),
    signature: `0x${'11'.repeat(65)}`,
    order: {
      collection,
      maker,
      kind,
      tokenId: kind === OrderKind.CollectionBid ? 0n : tokenId,
      currency: USD,
      price,
      start: 0n,
      expiry: now() + 86_400n,
      counter: 0n,
      nonce: BigInt(1000 + n),
    },
  };
}

const schemas = gatewaySchemas();
let a: Gateway;
let b: Gateway;
let projector: ReturnType<typeof projectInBackground> | null = null;
const newRepository = (store: EventStore) =>
  new EventSourcedRepository(marketAggregate, store, { retryJitterMs: 0 });
let repository: ReturnType<typeof newRepository>;

/** Appends one command's events to the gateways' store; answers the last event's position. */
async function market(
  command: Omit<MarketCommand, 'now' | 'at'>,
  collection: Address = C,
): Promise<string> {
  const t = now();
  const r = await repository.handleAll(
    marketId(collection),
    [{ ...command, now: t, at: new Date(Number(t) * 1000).toISOString() } as MarketCommand],
    { correlationId: 'book-cache', actor: 'spec' },
  );
  for (const o of r.outcomes) if (!o.ok) throw new Error(`${o.error.code}: ${o.error.message}`);
  return String(r.position);
}

const submit = (o: SignedOrder) =>
  market(
    {
      type: 'SubmitOrder',
      collection: o.order.collection,
      order: o,
      royalty:
        o.order.kind === OrderKind.Ask ? { kind: 'erc2981', receiver: null, amount: 0n } : null,
      observed: {
        fee: { ...FEE, block: 1n },
        ...(o.order.kind === OrderKind.Ask
          ? {
              tokens: [
                { tokenId: o.order.tokenId, owner: o.order.maker, approved: true, block: 5n },
              ],
            }
          : { funds: [{ maker: o.order.maker, currency: USD, balance: 10_000n, block: 5n }] }),
      },
    } as Omit<MarketCommand, 'now' | 'at'>,
    o.order.collection,
  );

type Book = {
  at: string;
  position: { market: string | null };
  currencies: {
    asks: { orders: number; best: { hash: string } | null };
    bids: { orders: number };
  }[];
};
const book = async (
  g: Gateway,
  query = '',
  collection: Address = C,
): Promise<{ status: number; body: Book }> => {
  const res = await fetch(`${g.base}/v1/collections/${collection}/book${query}`);
  return { status: res.status, body: (await res.json()) as Book };
};
/** Reads the book (no minimum) until `ok` holds, bounded: what a polling client sees. */
async function until(g: Gateway, ok: (b: Book) => boolean, ms = 8_000): Promise<Book> {
  const deadline = Date.now() + ms;
  for (;;) {
    const { body } = await book(g);
    if (ok(body) || Date.now() > deadline) return body;
    await new Promise((r) => setTimeout(r, 50));
  }
}
const cacheOf = (g: Gateway) => g.app.get(OrderBookCache, { strict: false });

beforeAll(async () => {
  // A short store poll: the tail's fallback when a notification is missed.
  const overrides = { PIPELINE_ENABLED: false, EVENT_STORE_POLL_INTERVAL_MS: 100 };
  a = await bootGateway(schemas, overrides);
  b = await bootGateway(schemas, overrides);
  projector = projectInBackground(a, schemas.readModel);
  repository = newRepository(a.app.get<EventStore>(EVENT_STORE));
}, 120_000);

afterAll(async () => {
  await projector?.stop();
  await a?.app.close();
  await b?.app.close();
  await dropSchemas(schemas);
});

describe('order books from memory, following the market log', () => {
  const ask = order(OrderKind.Ask, SELLER, 100n);
  const bid = order(OrderKind.CollectionBid, BUYER, 60n);
  const cheaper = order(OrderKind.Ask, SELLER, 90n, 2n);

  it('loads a book once per instance, then shows each later order (with or without a minimum)', async () => {
    const first = await submit(ask);
    for (const g of [a, b]) {
      const r = await book(g, `?minMarketPosition=${first}`);
      expect(r.status).toBe(200);
      expect(r.body.currencies[0]!.asks.best!.hash).toBe(ask.hash);
      expect(r.body.position.market).toBe(first);
    }
    const loads = [cacheOf(a).stats.loads, cacheOf(b).stats.loads];
    expect(loads).toEqual([1, 1]);

    // Without a minimum: a polling client sees the bid once the tail has it.
    const second = await submit(bid);
    for (const g of [a, b]) {
      const seen = await until(g, (x) => x.position.market === second);
      expect(seen.currencies[0]!.bids.orders).toBe(1);
    }
    // With one: at once, and the same answer on both instances.
    const third = await submit(cheaper);
    const [ra, rb] = [
      await book(a, `?minMarketPosition=${third}`),
      await book(b, `?minMarketPosition=${third}`),
    ];
    expect(ra.body.currencies[0]!.asks.best!.hash).toBe(cheaper.hash);
    expect({ ...rb.body, at: '' }).toEqual({ ...ra.body, at: '' });
    // Followed, not reloaded; repeated reads answered from what was built.
    expect([cacheOf(a).stats.loads, cacheOf(b).stats.loads]).toEqual(loads);
    const hits = cacheOf(a).stats.hits;
    await book(a);
    await book(a);
    expect(cacheOf(a).stats.hits).toBeGreaterThan(hits);
  }, 60_000);

  it("equals the SQL reader's book of the same state", async () => {
    const reader = new OrderBooksReader(a.app.get<DataSource>(ORDERS_READ_MODEL));
    const cancel = await market({
      type: 'CancelOrders',
      cancelId: randomUUID(),
      maker: SELLER,
      hashes: [ask.hash],
    } as Omit<MarketCommand, 'now' | 'at'>);
    const live = await until(a, (x) => x.position.market === cancel);
    // The read model at the same position (the projector catches up).
    const deadline = Date.now() + 8_000;
    while ((await reader.position(C)) !== cancel && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const sql = await reader.collectionBook(C, { now: BigInt(live.at) });
    expect(live.currencies).toEqual(
      sql.currencies.map(({ tokenBids, ...c }) => ({ ...c, ...(tokenBids ? { tokenBids } : {}) })),
    );
    expect(live.currencies[0]!.asks).toMatchObject({ orders: 1, best: { hash: cheaper.hash } });
  }, 60_000);

  it('follows the log while the read model stands still', async () => {
    await projector!.stop();
    projector = null;
    const reader = new OrderBooksReader(a.app.get<DataSource>(ORDERS_READ_MODEL));
    const frozen = await reader.position(C);
    const late = order(OrderKind.Ask, SELLER, 80n, 3n);
    const position = await submit(late);
    const seen = await until(a, (x) => x.position.market === position);
    expect(seen.currencies[0]!.asks.best!.hash).toBe(late.hash);
    expect(await reader.position(C)).toBe(frozen);
    // A market first read while the model is behind the tail: loaded from the model (which
    // has none of it), then brought to the tail from the store.
    const D = asAddress(`0x${C.slice(2, 10)}00000000000000000000000000000002`);
    const other = order(OrderKind.Ask, SELLER, 70n, 1n, D);
    const at = await submit(other);
    const r = await book(b, `?minMarketPosition=${at}`, D);
    expect(r.status).toBe(200);
    expect(r.body.position.market).toBe(at);
    expect(r.body.currencies[0]!.asks.best!.hash).toBe(other.hash);
    expect(await reader.position(D)).toBeNull();
  }, 60_000);
});
