// Batch application of the orders read model against real PostgreSQL: for random market
// histories over three markets (orders accepted, status changes, trades matched, settled,
// unsettled and released, in valid and invalid orders of events, observations that change no
// row; some events delivered again), applyMarketEvents over random chunks gives the rows of
// applyMarketEvent one event at a time, called directly and through the runner (batch on and
// off); a chunk that crashes midway (an error, or its connection killed) writes nothing, and
// its redelivery gives the same rows. A rebuild's fold (the log folded in memory, written once)
// gives those rows too, whole or written at its row limit with the rest applied batch by batch, and
// a fold whose write is killed leaves nothing behind.
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import {
  MARKET_CATEGORY,
  marketEventCodec,
  ORDER_STATUSES,
  type MarketEvent,
} from '@atelier/market-domain';
import type { EventEnvelope } from '@atelier/market-messages';
import type { RecordedEvent } from '@atelier/eventsourcing';
import {
  createProjectionDataSource,
  ProjectionStore,
  rebuildProjection,
  STORE_SOURCE,
  type Projection,
  type RebuildFold,
  tablePath,
} from '@atelier/projections';
import { rng } from '../testing/chain-history';
import { MarketOrderEntity, MarketStreamEntity, MarketTradeEntity } from './orders.entities';
import { ordersProjection, ordersRebuildFold } from './orders.projection';

const run = randomUUID().slice(0, 8);
const url = process.env['GATEWAY_DATABASE_URL']!;
const opened: { ds: DataSource; schema: string }[] = [];
const projection = ordersProjection();

const USD = '0x0000000000000000000000000000000000005d01';
const addr = (n: number) => `0x${n.toString(16).padStart(40, '0')}`;
const h = (tag: string, n: number) => `0x${tag}${n.toString(16).padStart(64 - tag.length, '0')}`;

/** A random market history as delivered (some envelopes twice). */
function history(seed: number, steps: number): EventEnvelope[] {
  const random = rng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const markets = [0, 1, 2].map((c) => ({
    collection: addr(0xc011 + c),
    revision: 0n,
    orders: [] as { hash: string; kind: 0 | 1; status: string; tokenId: bigint; maker: string }[],
    trades: [] as string[],
  }));
  let position = 0n;
  let n = 0;
  const out: EventEnvelope[] = [];
  for (let step = 0; step < steps; step++) {
    const m = pick(markets);
    const at = new Date(Date.UTC(2026, 10, 1) + step * 1000).toISOString();
    const roll = random();
    let event: MarketEvent;
    if (roll < 0.35 || m.orders.length < 2) {
      const kind = random() < 0.5 ? 0 : 1;
      const o = {
        hash: h('e', ++n),
        kind: kind as 0 | 1,
        status: pick(['fillable', 'no-balance', 'not-owner']),
        tokenId: BigInt(1 + Math.floor(random() * 5)),
        maker: addr(0xa00 + Math.floor(random() * 6)),
      };
      m.orders.push(o);
      event = {
        type: 'OrderAccepted',
        data: {
          collection: m.collection,
          hash: o.hash,
          order: {
            maker: o.maker,
            kind,
            collection: m.collection,
            tokenId: o.tokenId,
            currency: USD,
            price: BigInt(100 + Math.floor(random() * 900)),
            start: 0n,
            expiry: 4_000_000_000n,
            counter: 0n,
            nonce: BigInt(n),
          },
          signature: `0x${'11'.repeat(65)}`,
          seq: n,
          acceptedAt: at,
          status: o.status,
          reason: o.status === 'fillable' ? null : 'observed',
          split: null,
        },
      } as unknown as MarketEvent;
    } else if (roll < 0.55) {
      const o = pick(m.orders);
      const status = pick(ORDER_STATUSES);
      event = {
        type: 'OrderStatusChanged',
        data: { hash: o.hash, from: o.status, status, reason: `step ${step}`, at },
      } as unknown as MarketEvent;
      o.status = status;
    } else if (roll < 0.72) {
      const ask = pick(m.orders.filter((o) => o.kind === 0).concat(m.orders[0]!));
      const bid = pick(m.orders.filter((o) => o.kind === 1 && o !== ask).concat(m.orders[1]!));
      const tradeId = `${m.collection}:${m.trades.length + 1}`;
      m.trades.push(tradeId);
      const signed = (o: typeof ask) => ({
        hash: o.hash,
        signature: `0x${'22'.repeat(65)}`,
        order: {
          maker: o.maker,
          kind: o.kind,
          collection: m.collection,
          tokenId: o.tokenId,
          currency: USD,
          price: 500n,
          start: 0n,
          expiry: 4_000_000_000n,
          counter: 0n,
          nonce: 1n,
        },
      });
      event = {
        type: 'TradeMatched',
        data: {
          tradeId,
          collection: m.collection,
          tokenId: ask.tokenId,
          currency: USD,
          price: 500n,
          seller: ask.maker,
          buyer: bid.maker,
          ask: signed(ask),
          bid: signed(bid),
          split: {
            price: 500n,
            feeRecipient: null,
            protocolFee: 12n,
            royaltyReceiver: addr(0xc1),
            royalty: 25n,
            contributors: [{ account: addr(0xc2), amount: 5n }],
            attribution: 5n,
            sellerProceeds: 458n,
          },
          matchedAt: at,
        },
      } as unknown as MarketEvent;
    } else if (roll < 0.97 && m.trades.length > 0) {
      const tradeId = pick(m.trades);
      const r = random();
      event = (r < 0.45
        ? {
            type: 'TradeSettled',
            data: { tradeId, transactionHash: h('7', step), block: BigInt(step), at },
          }
        : r < 0.65
          ? { type: 'TradeUnsettled', data: { tradeId, reason: 'reorg', at } }
          : {
              type: 'TradeReleased',
              data: { tradeId, reason: 'SellerNotOwner', at },
            }) as unknown as MarketEvent;
    } else {
      event = {
        type: 'TokenObserved',
        data: { tokenId: 1n, owner: addr(0xa00), approved: true, block: BigInt(step) },
      } as unknown as MarketEvent;
    }
    const encoded = marketEventCodec.encode(event);
    out.push({
      eventId: randomUUID(),
      type: encoded.type,
      version: encoded.schemaVersion,
      streamName: `${MARKET_CATEGORY}-${m.collection}`,
      streamRevision: m.revision++,
      globalPosition: ++position,
      occurredAt: new Date(at),
      correlationId: null,
      causationId: null,
      data: encoded.data as Record<string, unknown>,
      metadata: { occurredAt: at },
    });
    if (random() < 0.1) out.push(pick(out)); // delivered again
  }
  return out;
}

async function model(tag: string, p: Projection<EventEnvelope> = projection) {
  const schema = `ordersb_${run}_${tag}`;
  const ds = await createProjectionDataSource({ url, schema, projections: [p] });
  opened.push({ ds, schema });
  const store = new ProjectionStore(ds, schema);
  await store.ensureSchema();
  return { ds, store };
}

async function rows(ds: DataSource) {
  const q = (sql: string) => ds.query(sql).then((r: unknown[]) => JSON.parse(JSON.stringify(r)));
  const m = ds.manager;
  return {
    orders: await q(`SELECT * FROM ${tablePath(m, MarketOrderEntity)} ORDER BY hash`),
    trades: await q(`SELECT * FROM ${tablePath(m, MarketTradeEntity)} ORDER BY trade_id`),
    streams: await q(`SELECT * FROM ${tablePath(m, MarketStreamEntity)} ORDER BY stream_name`),
  };
}

/** The history as an event store's global log holds it: each event once, at its position. */
function logOf(events: readonly EventEnvelope[]): Parameters<typeof rebuildProjection>[2] {
  const seen = new Set<string>();
  const logged: RecordedEvent[] = [];
  for (const e of events) {
    if (seen.has(e.eventId)) continue;
    seen.add(e.eventId);
    logged.push({
      position: e.globalPosition,
      streamName: e.streamName,
      revision: e.streamRevision,
      id: e.eventId,
      type: e.type,
      schemaVersion: e.version,
      data: e.data as RecordedEvent['data'],
      metadata: e.metadata as RecordedEvent['metadata'],
      recordedAt: e.occurredAt,
    });
  }
  return {
    readAll: async ({ after = 0n, maxCount = 1000 } = {}) =>
      logged.filter((e) => e.position > after).slice(0, maxCount),
  };
}

function chunks<T>(list: readonly T[], seed: number): T[][] {
  const random = rng(seed);
  const out: T[][] = [];
  for (let i = 0; i < list.length;) {
    const n = 1 + Math.floor(random() * 60);
    out.push(list.slice(i, i + n));
    i += n;
  }
  return out;
}

afterAll(async () => {
  for (const { ds, schema } of opened) {
    await ds.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await ds.destroy();
  }
});

describe('orders read model: applyBatch', () => {
  it.each([1, 2, 3, 4])(
    'gives the rows of apply one event at a time (random history %i, redeliveries included)',
    async (seed) => {
      const events = history(seed, 300);
      const one = await model(`one_${seed}`);
      for (const e of events) await one.ds.transaction((tx) => projection.apply(e, tx));
      const batch = await model(`bat_${seed}`);
      for (const chunk of chunks(events, seed + 100))
        await batch.ds.transaction((tx) => projection.applyBatch!(chunk, tx));
      const expected = await rows(one.ds);
      // The history reaches every status of a trade.
      const statuses = new Set(expected.trades.map((t: { status: string }) => t.status));
      expect([...statuses].sort()).toEqual(['matched', 'released', 'settled']);
      expect(await rows(batch.ds)).toEqual(expected);
    },
  );

  // A batch folds the orders and trades that begin in it from their first event without reading
  // them, and writes them as upserts guarded by last_position: over rows already written by a
  // part of the same history (a replay without the runner's dedupe), the rows must not move.
  it.each([7, 8])(
    'applied again over its own rows, whole or from any prefix, the history leaves them as they are (history %i)',
    async (seed) => {
      const events = history(seed, 300);
      const reference = await model(`ref_${seed}`);
      for (const chunk of chunks(events, seed)) {
        await reference.ds.transaction((tx) => projection.applyBatch!(chunk, tx));
      }
      const expected = await rows(reference.ds);
      for (const prefix of [events.length, 150, 40]) {
        const m = await model(`again_${seed}_${prefix}`);
        for (const chunk of chunks(events.slice(0, prefix), seed + 1))
          await m.ds.transaction((tx) => projection.applyBatch!(chunk, tx));
        for (const chunk of chunks(events, seed + 2))
          await m.ds.transaction((tx) => projection.applyBatch!(chunk, tx));
        expect(await rows(m.ds)).toEqual(expected);
      }
    },
  );

  it('through the runner: batch on equals batch off, chunk by chunk with checkpoints', async () => {
    const events = history(5, 400);
    const ref = { source: 'spec', partition: 0 };
    const apply = async (m: Awaited<ReturnType<typeof model>>, batch: boolean) => {
      let offset = 0n;
      for (const chunk of chunks(events, 17)) {
        const items = chunk.map((envelope) => ({ position: offset++, envelope }));
        await m.store.apply(projection, ref, items, { batch });
      }
    };
    const off = await model('off');
    await apply(off, false);
    const on = await model('on');
    await apply(on, true);
    expect(await rows(on.ds)).toEqual(await rows(off.ds));
    expect(await on.store.position(projection.name, ref)).toBe(BigInt(events.length - 1));
  });

  it('a chunk that crashes midway writes nothing; delivered again it gives the same rows', async () => {
    const events = history(6, 200);
    const ref = { source: 'spec', partition: 0 };
    const items = events.map((envelope, i) => ({ position: BigInt(i), envelope }));
    const [head, tail] = [items.slice(0, 100), items.slice(100)];
    const reference = await model('crash_ref');
    await reference.store.apply(projection, ref, items);

    const m = await model('crash');
    await m.store.apply(projection, ref, head);
    const before = await rows(m.ds);
    const failing: Projection<EventEnvelope> = {
      ...projection,
      applyBatch: async (list, tx) => {
        await projection.applyBatch!(list.slice(0, Math.ceil(list.length / 2)), tx);
        throw new Error('crash in the middle of the batch');
      },
    };
    await expect(m.store.apply(failing, ref, tail)).rejects.toMatchObject({
      code: 'PROJECTION.APPLY_FAILED',
    });
    const killed: Projection<EventEnvelope> = {
      ...projection,
      applyBatch: async (list, tx) => {
        await projection.applyBatch!(list.slice(0, Math.ceil(list.length / 2)), tx);
        await tx.query('SELECT pg_terminate_backend(pg_backend_pid())');
      },
    };
    await expect(m.store.apply(killed, ref, tail)).rejects.toThrow();
    expect(await rows(m.ds)).toEqual(before);
    expect(await m.store.position(projection.name, ref)).toBe(99n);
    await m.store.apply(projection, ref, items);
    expect(await rows(m.ds)).toEqual(await rows(reference.ds));
  });
});

describe('orders read model: a rebuild folded in memory', () => {
  /** The orders' rebuild fold, its write done by `write` (which may call the fold's own). */
  const foldWritten =
    (write: (fold: RebuildFold<EventEnvelope>, tx: EntityManager) => Promise<void>) =>
    (): RebuildFold<EventEnvelope> => {
      const fold = ordersRebuildFold();
      return {
        add: (list) => fold.add(list),
        get rows() {
          return fold.rows;
        },
        write: (tx) => write(fold, tx),
      };
    };

  const reference = async (seed: number, events: readonly EventEnvelope[]) => {
    const one = await model(`fold_one_${seed}`);
    for (const e of events) await one.ds.transaction((tx) => projection.apply(e, tx));
    return rows(one.ds);
  };

  it.each([1, 2, 3])(
    'gives the rows of apply one event at a time, with its checkpoint (history %i)',
    async (seed) => {
      const events = history(seed, 300);
      const m = await model(`fold_${seed}`);
      const result = await rebuildProjection(m.store, projection, logOf(events));
      const unique = new Set(events.map((e) => e.eventId)).size;
      expect(result).toMatchObject({ events: unique, applied: unique, duplicates: 0 });
      expect(await rows(m.ds)).toEqual(await reference(seed, events));
      expect(await m.store.position(projection.name, { source: STORE_SOURCE, partition: 0 })).toBe(
        BigInt(Math.max(...events.map((e) => Number(e.globalPosition)))),
      );
    },
  );

  it('past its row limit it writes what it holds and the rest goes batch by batch: same rows', async () => {
    const events = history(4, 300);
    const m = await model('fold_limit');
    let writes = 0;
    let batches = 0;
    const counted: Projection<EventEnvelope> = {
      ...projection,
      applyBatch: (list, tx) => {
        batches++;
        return projection.applyBatch!(list, tx);
      },
      foldForRebuild: foldWritten(async (fold, tx) => {
        writes++;
        await fold.write(tx);
      }),
    };
    const result = await rebuildProjection(m.store, counted, logOf(events), {
      foldRows: 30,
      batchSize: 25,
    });
    expect(writes).toBe(1);
    expect(batches).toBeGreaterThan(3);
    expect(result.events).toBe(new Set(events.map((e) => e.eventId)).size);
    expect(await rows(m.ds)).toEqual(await reference(4, events));
  });

  it('a fold whose write is killed leaves no row and no checkpoint; rebuilt again, the same rows', async () => {
    const events = history(5, 300);
    const m = await model('fold_killed');
    const killed: Projection<EventEnvelope> = {
      ...projection,
      foldForRebuild: foldWritten(async (fold, tx) => {
        await fold.write(tx);
        await tx.query('SELECT pg_terminate_backend(pg_backend_pid())');
      }),
    };
    await expect(rebuildProjection(m.store, killed, logOf(events))).rejects.toThrow();
    expect(await rows(m.ds)).toEqual({ orders: [], trades: [], streams: [] });
    expect(
      await m.store.position(projection.name, { source: STORE_SOURCE, partition: 0 }),
    ).toBeUndefined();
    await rebuildProjection(m.store, projection, logOf(events));
    expect(await rows(m.ds)).toEqual(await reference(5, events));
  });
});
