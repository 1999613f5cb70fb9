// The orders read model against real PostgreSQL: a played market history (real decider,
// in-memory store) applied through the projection runner gives rows that agree with the
// aggregates; every event applied twice, and the whole history applied again, leaves the same
// rows; a rebuild from position 0 equals them; the reader answers from them. The Kafka path
// (outbox -> market.* -> projector) is covered by apps/gateway's pipeline int spec.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { marketId, type MarketState } from '@atelier/market-domain';
import {
  createProjectionDataSource,
  ProjectionStore,
  rebuildProjection,
  type Projection,
  tablePath,
} from '@atelier/projections';
import type { EventEnvelope } from '@atelier/market-messages';
import {
  A,
  B,
  BUYER,
  BUYER2,
  SELLER,
  SELLER2,
  USD,
  envelopeOf,
  playMarketHistory,
} from '../testing/market-history';
import { MarketOrderEntity, MarketStreamEntity, MarketTradeEntity } from './orders.entities';
import { ordersProjection } from './orders.projection';
import { OrdersReader, OrdersReadError } from './orders.reader';

const run = randomUUID().slice(0, 8);
const url = process.env['GATEWAY_DATABASE_URL']!;
const opened: { ds: DataSource; schema: string }[] = [];

let history: Awaited<ReturnType<typeof playMarketHistory>>;
let envelopes: EventEnvelope[];

async function model(tag: string, projection: Projection<EventEnvelope> = ordersProjection()) {
  const schema = `orders_${run}_${tag}`;
  const ds = await createProjectionDataSource({ url, schema, projections: [projection] });
  opened.push({ ds, schema });
  const store = new ProjectionStore(ds, schema);
  await store.ensureSchema();
  return { ds, store, projection, reader: new OrdersReader(ds) };
}

/** Every row of the model, in a stable order, as plain JSON. */
async function rows(ds: DataSource) {
  const q = (sql: string) => ds.query(sql).then((r: unknown[]) => JSON.parse(JSON.stringify(r)));
  const m = ds.manager;
  return {
    orders: await q(`SELECT * FROM ${tablePath(m, MarketOrderEntity)} ORDER BY hash`),
    trades: await q(`SELECT * FROM ${tablePath(m, MarketTradeEntity)} ORDER BY trade_id`),
    streams: await q(`SELECT * FROM ${tablePath(m, MarketStreamEntity)} ORDER BY stream_name`),
  };
}

/** Each index of the schema's tables as its definition, the schema's name left out. */
async function indexes(ds: DataSource, schema: string): Promise<string[]> {
  const list: { d: string }[] = await ds.query(
    `SELECT replace(indexdef, '"' || schemaname || '".', '') AS d FROM pg_indexes
     WHERE schemaname = $1 ORDER BY indexname`,
    [schema],
  );
  return list.map((r) => r.d.replaceAll(schema, 'S'));
}

const ref = { source: 'spec', partition: 0 };
const items = (list: readonly EventEnvelope[]) =>
  list.map((envelope) => ({ position: envelope.globalPosition, envelope }));

beforeAll(async () => {
  history = await playMarketHistory();
  envelopes = (await history.store.readAll({ maxCount: 10_000 })).map(envelopeOf);
});

afterAll(async () => {
  for (const { ds, schema } of opened) {
    await ds.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await ds.destroy();
  }
});

describe('orders read model', () => {
  let live: Awaited<ReturnType<typeof model>>;

  beforeAll(async () => {
    live = await model('live');
    // In chunks of uneven sizes, as Kafka hands them over.
    for (let i = 0; i < envelopes.length; i += 3)
      await live.store.apply(live.projection, ref, items(envelopes.slice(i, i + 3)));
  });

  it('given the events, each order row has the status and trade its aggregate has', async () => {
    const states = new Map<string, MarketState>();
    for (const c of [A, B]) states.set(c, (await history.repository.load(marketId(c))).state);
    const { orders } = await rows(live.ds);
    expect(orders).toHaveLength(9);
    for (const row of orders) {
      const o = states.get(row.collection)!.orders.get(row.hash)!;
      expect({ hash: row.hash, status: row.status, trade: row.trade_id }).toEqual({
        hash: o.hash,
        status: o.status,
        trade: o.tradeId,
      });
    }
    const byRole = Object.fromEntries(
      Object.entries(history.orders).map(([role, o]) => [
        role,
        orders.find((r: { hash: string }) => r.hash === o.hash).status,
      ]),
    );
    expect(byRole).toEqual({
      askA: 'filled',
      bidA: 'filled',
      collBidA: 'cancelled-off-chain',
      lowAskA: 'replaced',
      replacement: 'no-approval',
      askB: 'reserved',
      bidB: 'reserved',
      askB2: 'not-owner',
      bidB2: 'fillable',
    });
  });

  it('keeps each trade with its status, settlement and split', async () => {
    const { trades } = await rows(live.ds);
    expect(
      trades.map((t: Record<string, unknown>) => [
        t['trade_id'],
        t['status'],
        t['tx_hash'],
        t['block'],
        t['reason'],
      ]),
    ).toEqual([
      [`${A}:1`, 'settled', `0x${'ab'.repeat(32)}`, '9', null],
      [`${B}:1`, 'matched', null, null, null],
      [`${B}:2`, 'released', null, null, 'SellerNotOwner'],
    ]);
    const t = await live.reader.trade(`${A}:1`);
    expect(t).toMatchObject({ price: 100n, buyer: BUYER, seller: SELLER, tokenId: 1n });
    expect(t!.split['price']).toBe('100');
  });

  it('applying every event twice, then the history again backwards, changes nothing', async () => {
    const twice = await model('twice');
    for (const e of envelopes)
      await twice.ds.transaction(async (tx) => {
        await twice.projection.apply(e, tx);
        await twice.projection.apply(e, tx);
      });
    expect(await rows(twice.ds)).toEqual(await rows(live.ds));
    // Then each event again, newest first, alone after every later one: no old status returns.
    for (const e of envelopes.slice().reverse())
      await twice.ds.transaction((tx) => twice.projection.apply(e, tx));
    expect(await rows(twice.ds)).toEqual(await rows(live.ds));
  });

  it('a rebuild from position 0 equals the live rows, and has the same indexes', async () => {
    const result = await rebuildProjection(live.store, live.projection, history.store);
    expect(result.events).toBe(envelopes.length);
    const fresh = await model('fresh');
    await fresh.store.apply(fresh.projection, ref, items(envelopes));
    expect(await rows(live.ds)).toEqual(await rows(fresh.ds));
    // The rebuild loads without the readers' indexes (readIndexes) and builds them at the end.
    expect(live.projection.readIndexes?.length).toBeGreaterThan(0);
    expect(await indexes(live.ds, `orders_${run}_live`)).toEqual(
      await indexes(fresh.ds, `orders_${run}_fresh`),
    );
  });

  describe('reader', () => {
    it('gets an order with its signed fields as domain values', async () => {
      const o = history.orders['bidB']!;
      const view = await live.reader.get(o.hash);
      expect(view).toMatchObject({
        hash: o.hash,
        collection: B,
        maker: BUYER,
        kind: 1,
        tokenId: 5n,
        price: 300n,
        nonce: o.order.nonce,
        status: 'reserved',
        tradeId: `${B}:1`,
      });
      expect(await live.reader.get(`0x${'0'.repeat(64)}` as never)).toBeNull();
    });

    it('lists newest first with a keyset cursor, filtered by maker, status, collection', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await live.reader.list({ limit: 2, ...(cursor ? { cursor } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((o) => o.hash));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      const all = Object.values(history.orders).map((o) => o.hash);
      expect(new Set(seen).size).toBe(9);
      expect(seen[0]).toBe(history.orders['bidB2']!.hash); // the last one accepted
      expect(new Set(seen)).toEqual(new Set(all));

      const mine = await live.reader.list({ maker: SELLER2 });
      expect(mine.items.map((o) => o.hash)).toEqual([
        history.orders['askB2']!.hash,
        history.orders['askB']!.hash,
      ]);
      expect(mine.nextCursor).toBeNull();
      const filled = await live.reader.list({ status: 'filled', collection: A });
      expect(filled.items.map((o) => o.maker).sort()).toEqual([SELLER, BUYER].sort());
      await expect(live.reader.list({ cursor: 'bm9wZQ' })).rejects.toBeInstanceOf(OrdersReadError);
    });

    it('answers the directory: collections, reserved elsewhere, markets of a maker', async () => {
      const { bidA, askB } = history.orders;
      const where = await live.reader.collectionsOf([bidA!.hash, askB!.hash]);
      expect(Object.fromEntries(where)).toEqual({ [bidA!.hash]: A, [askB!.hash]: B });
      // BUYER's trade in B (300) is matched and unsettled; its trade in A settled.
      expect(await live.reader.reservedElsewhere(BUYER, USD, A)).toBe(300n);
      expect(await live.reader.reservedElsewhere(BUYER, USD, B)).toBe(0n);
      expect(await live.reader.reservedElsewhere(BUYER2, USD, A)).toBe(0n);
      expect(await live.reader.marketsOfMaker(BUYER2)).toEqual([B]); // its A bid is cancelled
      expect(await live.reader.marketsOfMaker(SELLER)).toEqual([A]);
      expect(await live.reader.askTokensOf(SELLER, A)).toEqual([1n, 2n]);
      expect(await live.reader.markets()).toEqual([A, B]);
      expect(await live.reader.marketsAmong([B, USD])).toEqual(new Set([B]));
      const t = await live.reader.tradeOf(
        history.orders['askB']!.hash,
        history.orders['bidB']!.hash,
      );
      expect(t?.tradeId).toBe(`${B}:1`);
    });

    it('says when a position has been applied (read-your-writes)', async () => {
      const last = envelopes[envelopes.length - 1]!.globalPosition;
      const lastOfB = envelopes
        .filter((e) => e.streamName === `market-${B}`)
        .at(-1)!.globalPosition;
      expect(await live.reader.positionReached(last)).toBe(true);
      expect(await live.reader.positionReached(last + 1n)).toBe(false);
      expect(await live.reader.positionReached(lastOfB, [B])).toBe(true);
      expect(await live.reader.positionReached(lastOfB + 1n, [B])).toBe(false);
      expect(await live.reader.positionReached(1n, [USD])).toBe(false);
    });
  });
});
