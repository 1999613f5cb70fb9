// The orders projection: market events (market.* envelopes, payload as marketEventCodec stores
// it) -> market_orders, market_trades and market_streams. It mirrors what the market's evolve
// does to an order's status and trade, nothing more: statuses are announced by the decider
// (OrderStatusChanged), except the ones a trade sets (reserved on TradeMatched and
// TradeUnsettled, filled on TradeSettled), which evolve sets without an announcement.
//
// Every write is guarded by the row's `last_position`: an event at or below the position that
// last changed a row is a no-op, so applying any event twice, or a whole history twice, leaves
// the rows as they were (the runner dedupes too, by stream revision; this makes the projection
// safe on its own).
import type { EntityManager } from 'typeorm';
import { marketEventCodec, MARKET_CATEGORY, type MarketEvent } from '@atelier/market-domain';
import type { EventEnvelope } from '@atelier/market-messages';
import {
  columnsOf,
  copyRows,
  marketEvents,
  unnestSelect,
  writeTogether,
  type Projection,
  type RebuildFold,
  type SqlColumnType,
  type SqlStatement,
  tablePath,
} from '@atelier/projections';
import {
  MarketOrderEntity,
  MarketStreamEntity,
  MarketTradeEntity,
  ORDERS_READ_MODEL_ENTITIES,
} from './orders.entities';

export const ORDERS_PROJECTION = 'market-orders';

/** The collection of a market stream (`market-<collection>`). */
export function collectionOfStream(streamName: string): string {
  const prefix = `${MARKET_CATEGORY}-`;
  if (!streamName.startsWith(prefix))
    throw new Error(`${streamName} is not a market stream (${prefix}<collection>)`);
  return streamName.slice(prefix.length);
}

/** Decodes an envelope's payload with the market's own codec (validated, bigints restored). */
export function marketEventOf(envelope: EventEnvelope): MarketEvent {
  return marketEventCodec.decode({
    type: envelope.type,
    schemaVersion: envelope.version,
    data: envelope.data as Parameters<typeof marketEventCodec.decode>[0]['data'],
  });
}

/** Events decoded ahead (prepare), by envelope: taken once by the apply that needs them. */
const prepared = new WeakMap<EventEnvelope, MarketEvent>();

/** Decodes envelopes ahead of their apply (Projection.prepare); a bad one is left for apply to fail on. */
export function prepareMarketEvents(envelopes: readonly EventEnvelope[]): void {
  for (const envelope of envelopes) {
    try {
      prepared.set(envelope, marketEventOf(envelope));
    } catch {
      // decoded again, and rejected, where it is applied
    }
  }
}

const eventOf = (envelope: EventEnvelope): MarketEvent => {
  const event = prepared.get(envelope);
  if (event === undefined) return marketEventOf(envelope);
  prepared.delete(envelope);
  return event;
};

const json = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));

export function ordersProjection(name: string = ORDERS_PROJECTION): Projection<EventEnvelope> {
  return {
    name,
    format: marketEvents,
    entities: ORDERS_READ_MODEL_ENTITIES,
    apply: (envelope, tx) => applyMarketEvent(envelope, tx),
    applyBatch: (envelopes, tx) => applyMarketEvents(envelopes, tx),
    prepare: prepareMarketEvents,
    foldForRebuild: ordersRebuildFold,
    // It finds orders and trades by primary key only: every other index is the readers'.
    readIndexes: ORDERS_READ_INDEXES,
    // An order, its trades and its market's stream row are all of one market stream, the key of
    // its Kafka messages: no row is written from two partitions.
    partitionsIndependent: true,
  };
}

/** The non-unique indexes of market_orders and market_trades (readers' only). */
export const ORDERS_READ_INDEXES = [MarketOrderEntity, MarketTradeEntity].flatMap((e) =>
  (e.options.indices ?? []).filter((i) => !i.unique).map((i) => i.name!),
);

export async function applyMarketEvent(envelope: EventEnvelope, tx: EntityManager): Promise<void> {
  const { orders, trades, streams } = tablesOf(tx);
  const event = eventOf(envelope);
  const pos = envelope.globalPosition.toString();
  const at = envelope.occurredAt.toISOString();
  const collection = collectionOfStream(envelope.streamName);

  /** Sets fields of the given orders, unless a later event already changed them. */
  const updateOrders = async (
    hashes: readonly string[],
    set: { status?: string; reason: string | null; tradeId: string | null },
  ) => {
    const status = set.status ?? null;
    await tx.query(
      `UPDATE ${orders} SET status = COALESCE($2, status), reason = $3, trade_id = $4,
         updated_at = $5, last_position = $6
       WHERE hash = ANY($1::text[]) AND last_position < $6`,
      [hashes, status, set.reason, set.tradeId, at, pos],
    );
  };
  /** The trade row, when its last change is older than this event. */
  const tradeBefore = async (tradeId: string) => {
    const rows: { ask_hash: string; bid_hash: string; status: string }[] = await tx.query(
      `SELECT ask_hash, bid_hash, status FROM ${trades} WHERE trade_id = $1 AND last_position < $2`,
      [tradeId, pos],
    );
    return rows[0];
  };

  switch (event.type) {
    case 'OrderAccepted': {
      const d = event.data;
      const o = d.order;
      await tx.query(
        `INSERT INTO ${orders} (hash, collection, maker, kind, token_id, currency, price, start,
           expiry, counter, nonce, signature, status, reason, trade_id, seq, accepted_at,
           accepted_position, updated_at, last_position)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,NULL,$15,$16,$17,$18,$17)
         ON CONFLICT (hash) DO NOTHING`,
        [
          d.hash,
          d.collection,
          o.maker,
          o.kind,
          o.tokenId.toString(),
          o.currency,
          o.price.toString(),
          o.start.toString(),
          o.expiry.toString(),
          o.counter.toString(),
          o.nonce.toString(),
          d.signature,
          d.status,
          d.reason,
          d.seq,
          d.acceptedAt,
          pos,
          at,
        ],
      );
      break;
    }
    case 'OrderStatusChanged': {
      const d = event.data;
      await tx.query(
        `UPDATE ${orders} SET status = $2, reason = $3, updated_at = $4, last_position = $5
         WHERE hash = $1 AND last_position < $5`,
        [d.hash, d.status, d.reason, at, pos],
      );
      break;
    }
    case 'TradeMatched': {
      const d = event.data;
      await tx.query(
        `INSERT INTO ${trades} (trade_id, collection, ask_hash, bid_hash, buyer, seller, currency,
           token_id, price, split, status, tx_hash, block, reason, matched_at, updated_at, last_position)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10::jsonb,'matched',NULL,NULL,NULL,$11,$12,$13)
         ON CONFLICT (trade_id) DO NOTHING`,
        [
          d.tradeId,
          d.collection,
          d.ask.hash,
          d.bid.hash,
          d.buyer,
          d.seller,
          d.currency,
          d.tokenId.toString(),
          d.price.toString(),
          json(d.split),
          d.matchedAt,
          at,
          pos,
        ],
      );
      await updateOrders([d.ask.hash, d.bid.hash], {
        status: 'reserved',
        reason: `trade ${d.tradeId}`,
        tradeId: d.tradeId,
      });
      break;
    }
    case 'TradeSettled': {
      const d = event.data;
      const trade = await tradeBefore(d.tradeId);
      if (!trade || trade.status !== 'matched') break; // evolve ignores it too
      await tx.query(
        `UPDATE ${trades} SET status = 'settled', tx_hash = $2, block = $3, reason = NULL,
           updated_at = $4, last_position = $5 WHERE trade_id = $1`,
        [d.tradeId, d.transactionHash, d.block.toString(), at, pos],
      );
      // The order keeps the trade that filled it (as the aggregate does).
      await updateOrders([trade.ask_hash, trade.bid_hash], {
        status: 'filled',
        reason: null,
        tradeId: d.tradeId,
      });
      break;
    }
    case 'TradeUnsettled': {
      const d = event.data;
      const trade = await tradeBefore(d.tradeId);
      if (!trade || trade.status !== 'settled') break;
      await tx.query(
        `UPDATE ${trades} SET status = 'matched', tx_hash = NULL, block = NULL, reason = $2,
           updated_at = $3, last_position = $4 WHERE trade_id = $1`,
        [d.tradeId, d.reason, at, pos],
      );
      await updateOrders([trade.ask_hash, trade.bid_hash], {
        status: 'reserved',
        reason: `trade ${d.tradeId}`,
        tradeId: d.tradeId,
      });
      break;
    }
    case 'TradeReleased': {
      const d = event.data;
      const trade = await tradeBefore(d.tradeId);
      if (!trade || trade.status !== 'matched') break;
      await tx.query(
        `UPDATE ${trades} SET status = 'released', reason = $2, updated_at = $3, last_position = $4
         WHERE trade_id = $1`,
        [d.tradeId, d.reason, at, pos],
      );
      // The status stays 'reserved' until the decider's OrderStatusChanged that follows.
      await tx.query(
        `UPDATE ${orders} SET trade_id = NULL, updated_at = $2, last_position = $3
         WHERE hash = ANY($1::text[]) AND last_position < $3`,
        [[trade.ask_hash, trade.bid_hash], at, pos],
      );
      break;
    }
    case 'CancelRecorded':
    case 'TokenObserved':
    case 'FundsObserved':
    case 'CounterObserved':
    case 'NonceObserved':
    case 'ProtocolFeeObserved':
      break; // what the chain said: no row of this model changes (statuses follow as events)
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
  await tx.query(
    `INSERT INTO ${streams} (stream_name, collection, position) VALUES ($1, $2, $3)
     ON CONFLICT (stream_name) DO UPDATE SET position = GREATEST(${streams}.position, EXCLUDED.position)`,
    [envelope.streamName, collection, pos],
  );
}

// ---- batch ---------------------------------------------------------------------------------

/** The mutable part of an order row, as the batch holds it. */
interface OrderState {
  status: string;
  reason: string | null;
  tradeId: string | null;
  updatedAt: string;
  lastPosition: bigint;
  /** The whole row, when the batch inserts it (OrderAccepted of an order not yet stored). */
  insert?: readonly unknown[];
  dirty: boolean;
}

interface TradeState {
  askHash: string;
  bidHash: string;
  status: string;
  txHash: string | null;
  block: string | null;
  reason: string | null;
  updatedAt: string;
  lastPosition: bigint;
  insert?: readonly unknown[];
  dirty: boolean;
}

const ORDER_TYPES: readonly SqlColumnType[] = [
  'text',
  'text',
  'text',
  'smallint',
  'numeric',
  'text',
  'numeric',
  'numeric',
  'numeric',
  'numeric',
  'numeric',
  'text',
  'text',
  'text',
  'text',
  'int',
  'timestamptz',
  'bigint',
  'timestamptz',
  'bigint',
];
const TRADE_TYPES: readonly SqlColumnType[] = [
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'numeric',
  'numeric',
  'jsonb',
  'text',
  'text',
  'bigint',
  'text',
  'timestamptz',
  'timestamptz',
  'bigint',
];

/**
 * The batch form of applyMarketEvent. It reads the stored rows the events touch (one round trip),
 * folds the events over them in memory with the same rules as applyMarketEvent (every change
 * guarded by the row's last_position, a trade's transitions by its status), and writes what
 * changed: new rows by COPY (below), changed stored rows in one multi-row UPDATE per table (still
 * guarded by last_position) and the streams in one upsert, those two in one round trip. An order
 * accepted, matched and filled within the batch is written once, in its final state.
 *
 * The orders and trades that begin in the batch (their OrderAccepted or TradeMatched comes before
 * anything else of them in it) are not looked up: they are taken to be new, which they are unless
 * the batch repeats history already applied (a replay without the runner's dedupe), and most of a
 * batch's orders are new. They are loaded by COPY (copyRows); if one of them was stored after all,
 * COPY fails on its key and the batch is written again from a savepoint, this time with every row
 * it names read first and new rows inserted ON CONFLICT DO NOTHING.
 */
export async function applyMarketEvents(
  envelopes: readonly EventEnvelope[],
  tx: EntityManager,
): Promise<void> {
  const t = tablesOf(tx);
  const decoded = decodeAll(envelopes);
  await tx.query('SAVEPOINT market_orders_batch');
  if (await foldAndWrite(decoded, tx, t, { lookUpBegun: false })) return;
  await tx.query('ROLLBACK TO SAVEPOINT market_orders_batch');
  await foldAndWrite(decoded, tx, t, { lookUpBegun: true });
}

interface DecodedEvent {
  readonly envelope: EventEnvelope;
  readonly event: MarketEvent;
  readonly pos: bigint;
  readonly at: string;
  readonly collection: string;
}

const decodeAll = (envelopes: readonly EventEnvelope[]): DecodedEvent[] =>
  envelopes.map((envelope) => ({
    envelope,
    event: eventOf(envelope),
    pos: envelope.globalPosition,
    at: envelope.occurredAt.toISOString(),
    collection: collectionOfStream(envelope.streamName),
  }));

const tablesOf = (tx: EntityManager) => ({
  orders: tablePath(tx, MarketOrderEntity),
  trades: tablePath(tx, MarketTradeEntity),
  streams: tablePath(tx, MarketStreamEntity),
});

/**
 * The fold of a rebuild (Projection.foldForRebuild): the log folded over rows held in memory from
 * empty tables, so that no row is looked up or updated: each order and trade is loaded once, in its
 * final state, by COPY (bench:projections: 40,000 orders and 12,009 trades, where the rebuild
 * batch by batch inserted them and updated 12,900 stored orders).
 */
export function ordersRebuildFold(): RebuildFold<EventEnvelope> {
  const state: FoldState = { orders: new Map(), trades: new Map(), streams: new Map() };
  return {
    add: (envelopes) => foldEvents(decodeAll(envelopes), state),
    get rows() {
      return state.orders.size + state.trades.size + state.streams.size;
    },
    write: async (tx) => {
      const t = tablesOf(tx);
      // Every row held began in the fold (none was read), so each is new: COPY, no update.
      await copyRows(tx, t.orders, ORDER_COLUMNS, orderWrites(t.orders, state.orders).rows);
      await copyRows(tx, t.trades, TRADE_COLUMNS, tradeWrites(t.trades, state.trades).rows);
      const streams = streamsUpsert(t.streams, state.streams);
      if (streams) await tx.query(streams.sql, [...streams.params]);
      state.orders.clear();
      state.trades.clear();
      state.streams.clear();
    },
  };
}

/** false when a row taken to be new was stored already (nothing then counts: roll back). */
async function foldAndWrite(
  decoded: readonly DecodedEvent[],
  tx: EntityManager,
  t: { orders: string; trades: string; streams: string },
  options: { lookUpBegun: boolean },
): Promise<boolean> {
  // The stored rows the batch may read: its trades, then every order they or the events name
  // (but for the ones that begin in the batch, unless told to look them up too).
  const tradeIds = new Set<string>();
  const hashes = new Set<string>();
  const acceptedHere = new Set<string>();
  const matchedHere = new Set<string>();
  const order = (hash: string) => {
    if (!acceptedHere.has(hash)) hashes.add(hash);
  };
  const trade = (tradeId: string) => {
    if (!matchedHere.has(tradeId)) tradeIds.add(tradeId);
  };
  for (const { event } of decoded) {
    switch (event.type) {
      case 'OrderAccepted':
        if (options.lookUpBegun) hashes.add(event.data.hash);
        else if (!hashes.has(event.data.hash)) acceptedHere.add(event.data.hash);
        break;
      case 'OrderStatusChanged':
        order(event.data.hash);
        break;
      case 'TradeMatched':
        if (options.lookUpBegun) tradeIds.add(event.data.tradeId);
        else if (!tradeIds.has(event.data.tradeId)) matchedHere.add(event.data.tradeId);
        order(event.data.ask.hash);
        order(event.data.bid.hash);
        break;
      case 'TradeSettled':
      case 'TradeUnsettled':
      case 'TradeReleased':
        trade(event.data.tradeId);
        break;
      default:
        break;
    }
  }
  // One round trip: the stored trades, and the stored orders the events or those trades name.
  // (A stored row's updated_at is not read: a row is written back only after an event set it.)
  const trades = new Map<string, TradeState>();
  const orders = new Map<string, OrderState>();
  if (tradeIds.size > 0 || hashes.size > 0) {
    const [stored]: {
      trades:
        | [string, string, string, string, string | null, string | null, string | null, string][]
        | null;
      orders: [string, string, string | null, string | null, string][] | null;
    }[] = await tx.query(
      `WITH tr AS (
         SELECT trade_id, ask_hash, bid_hash, status, tx_hash, block::text AS block, reason,
           last_position::text AS last_position
         FROM ${t.trades} WHERE trade_id = ANY($1::text[]))
       SELECT
         (SELECT json_agg(json_build_array(trade_id, ask_hash, bid_hash, status, tx_hash, block, reason, last_position)) FROM tr) AS trades,
         (SELECT json_agg(json_build_array(hash, status, reason, trade_id, last_position::text))
          FROM ${t.orders} WHERE hash IN (
            SELECT unnest($2::text[]) UNION ALL SELECT ask_hash FROM tr UNION ALL SELECT bid_hash FROM tr)) AS orders`,
      [[...tradeIds], [...hashes]],
    );
    for (const [tradeId, askHash, bidHash, status, txHash, block, reason, last] of stored!.trades ??
      [])
      trades.set(tradeId, {
        askHash,
        bidHash,
        status,
        txHash,
        block,
        reason,
        updatedAt: '',
        lastPosition: BigInt(last),
        dirty: false,
      });
    for (const [hash, status, reason, tradeId, last] of stored!.orders ?? [])
      orders.set(hash, {
        status,
        reason,
        tradeId,
        updatedAt: '',
        lastPosition: BigInt(last),
        dirty: false,
      });
  }

  const streams: StreamsState = new Map();
  foldEvents(decoded, { orders, trades, streams });
  // Every write of the chunk in one round trip: new rows and changed stored rows are
  // different rows, the streams another table.
  const orderRows = orderWrites(t.orders, orders);
  const tradeRows = tradeWrites(t.trades, trades);
  const streamsWrite = streamsUpsert(t.streams, streams);
  if (options.lookUpBegun) {
    // New rows by INSERT ... ON CONFLICT DO NOTHING: a row stored after all is kept (as the
    // one-by-one apply keeps it); everything in one round trip.
    await writeTogether(tx, [
      orderRows.insert(),
      orderRows.update,
      tradeRows.insert(),
      tradeRows.update,
      streamsWrite,
    ]);
    return true;
  }
  // New rows by COPY; one that is stored after all fails it (unique_violation): the caller rolls
  // back to its savepoint and writes the batch again, looking every row up.
  try {
    await copyRows(tx, t.orders, ORDER_COLUMNS, orderRows.rows);
    await copyRows(tx, t.trades, TRADE_COLUMNS, tradeRows.rows);
  } catch (e) {
    if ((e as { code?: string }).code === '23505') return false;
    throw e;
  }
  await writeTogether(tx, [orderRows.update, tradeRows.update, streamsWrite]);
  return true;
}

/** The rows a batch (or a rebuild's fold) holds: orders and trades by key, streams by name. */
type StreamsState = Map<string, { collection: string; position: bigint }>;
interface FoldState {
  readonly orders: Map<string, OrderState>;
  readonly trades: Map<string, TradeState>;
  readonly streams: StreamsState;
}

/** As applyMarketEvent's updateOrders: the orders held whose last change is older than `pos`. */
function updateHeld(
  orders: Map<string, OrderState>,
  pos: bigint,
  at: string,
  list: readonly string[],
  set: { status?: string; reason?: string | null; tradeId?: string | null },
): void {
  for (const hash of list) {
    const o = orders.get(hash);
    if (!o || o.lastPosition >= pos) continue;
    if (set.status !== undefined) o.status = set.status;
    if (set.reason !== undefined) o.reason = set.reason;
    if (set.tradeId !== undefined) o.tradeId = set.tradeId;
    o.updatedAt = at;
    o.lastPosition = pos;
    o.dirty = true;
  }
}

/** The trade held, when its last change is older than `pos`. */
function tradeHeldBefore(trades: Map<string, TradeState>, tradeId: string, pos: bigint) {
  const trade = trades.get(tradeId);
  return trade && trade.lastPosition < pos ? trade : undefined;
}

function changeHeldTrade(trade: TradeState, pos: bigint, at: string, set: Partial<TradeState>) {
  Object.assign(trade, set, { updatedAt: at, lastPosition: pos, dirty: true });
}

/**
 * Folds events over the rows held, with applyMarketEvent's rules: every change guarded by the
 * row's last_position, a trade's transitions by its status, a row not held left alone (as an
 * UPDATE that finds no row).
 */
function foldEvents(
  decoded: readonly DecodedEvent[],
  { orders, trades, streams }: FoldState,
): void {
  for (const { envelope, event, pos, at, collection } of decoded) {
    switch (event.type) {
      case 'OrderAccepted': {
        const d = event.data;
        const o = d.order;
        if (orders.has(d.hash)) break; // ON CONFLICT (hash) DO NOTHING
        orders.set(d.hash, {
          status: d.status,
          reason: d.reason,
          tradeId: null,
          updatedAt: at,
          lastPosition: pos,
          dirty: true,
          insert: [
            d.hash,
            d.collection,
            o.maker,
            o.kind,
            o.tokenId.toString(),
            o.currency,
            o.price.toString(),
            o.start.toString(),
            o.expiry.toString(),
            o.counter.toString(),
            o.nonce.toString(),
            d.signature,
            d.seq,
            d.acceptedAt,
            pos.toString(),
          ],
        });
        break;
      }
      case 'OrderStatusChanged':
        updateHeld(orders, pos, at, [event.data.hash], {
          status: event.data.status,
          reason: event.data.reason,
        });
        break;
      case 'TradeMatched': {
        const d = event.data;
        if (!trades.has(d.tradeId))
          trades.set(d.tradeId, {
            askHash: d.ask.hash,
            bidHash: d.bid.hash,
            status: 'matched',
            txHash: null,
            block: null,
            reason: null,
            updatedAt: at,
            lastPosition: pos,
            dirty: true,
            insert: [
              d.tradeId,
              d.collection,
              d.ask.hash,
              d.bid.hash,
              d.buyer,
              d.seller,
              d.currency,
              d.tokenId.toString(),
              d.price.toString(),
              json(d.split),
              d.matchedAt,
            ],
          });
        updateHeld(orders, pos, at, [d.ask.hash, d.bid.hash], {
          status: 'reserved',
          reason: `trade ${d.tradeId}`,
          tradeId: d.tradeId,
        });
        break;
      }
      case 'TradeSettled': {
        const d = event.data;
        const trade = tradeHeldBefore(trades, d.tradeId, pos);
        if (!trade || trade.status !== 'matched') break;
        changeHeldTrade(trade, pos, at, {
          status: 'settled',
          txHash: d.transactionHash,
          block: d.block.toString(),
          reason: null,
        });
        updateHeld(orders, pos, at, [trade.askHash, trade.bidHash], {
          status: 'filled',
          reason: null,
          tradeId: d.tradeId,
        });
        break;
      }
      case 'TradeUnsettled': {
        const d = event.data;
        const trade = tradeHeldBefore(trades, d.tradeId, pos);
        if (!trade || trade.status !== 'settled') break;
        changeHeldTrade(trade, pos, at, {
          status: 'matched',
          txHash: null,
          block: null,
          reason: d.reason,
        });
        updateHeld(orders, pos, at, [trade.askHash, trade.bidHash], {
          status: 'reserved',
          reason: `trade ${d.tradeId}`,
          tradeId: d.tradeId,
        });
        break;
      }
      case 'TradeReleased': {
        const d = event.data;
        const trade = tradeHeldBefore(trades, d.tradeId, pos);
        if (!trade || trade.status !== 'matched') break;
        changeHeldTrade(trade, pos, at, { status: 'released', reason: d.reason });
        updateHeld(orders, pos, at, [trade.askHash, trade.bidHash], { tradeId: null });
        break;
      }
      case 'CancelRecorded':
      case 'TokenObserved':
      case 'FundsObserved':
      case 'CounterObserved':
      case 'NonceObserved':
      case 'ProtocolFeeObserved':
        break;
      default: {
        const _exhaustive: never = event;
        return _exhaustive;
      }
    }
    const stream = streams.get(envelope.streamName);
    if (!stream || stream.position < pos)
      streams.set(envelope.streamName, { collection, position: pos });
  }
}

/** The streams' positions, raised (never lowered) in one upsert. */
function streamsUpsert(table: string, streams: StreamsState): SqlStatement | undefined {
  if (streams.size === 0) return undefined;
  const list = [...streams];
  return {
    sql: `INSERT INTO ${table} AS s (stream_name, collection, position)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
       ON CONFLICT (stream_name) DO UPDATE SET position = GREATEST(s.position, EXCLUDED.position)`,
    params: [
      list.map(([name]) => name),
      list.map(([, v]) => v.collection),
      list.map(([, v]) => v.position),
    ],
  };
}

/** A table's writes of a batch: its new rows (to COPY, or as an INSERT), and changed stored ones. */
interface TableWrites {
  readonly rows: readonly (readonly unknown[])[];
  /** The new rows as one INSERT ... ON CONFLICT DO NOTHING (built when asked: COPY needs none). */
  insert(): SqlStatement | undefined;
  readonly update: SqlStatement | undefined;
}

const ORDER_COLUMNS = [
  'hash',
  'collection',
  'maker',
  'kind',
  'token_id',
  'currency',
  'price',
  'start',
  'expiry',
  'counter',
  'nonce',
  'signature',
  'status',
  'reason',
  'trade_id',
  'seq',
  'accepted_at',
  'accepted_position',
  'updated_at',
  'last_position',
];
const TRADE_COLUMNS = [
  'trade_id',
  'collection',
  'ask_hash',
  'bid_hash',
  'buyer',
  'seller',
  'currency',
  'token_id',
  'price',
  'split',
  'status',
  'tx_hash',
  'block',
  'reason',
  'matched_at',
  'updated_at',
  'last_position',
];

function orderWrites(table: string, orders: Map<string, OrderState>): TableWrites {
  const inserts: unknown[][] = [];
  const updates: unknown[][] = [];
  for (const [hash, o] of orders) {
    if (!o.dirty) continue;
    if (o.insert) {
      const [
        h,
        c,
        maker,
        kind,
        token,
        cur,
        price,
        start,
        expiry,
        counter,
        nonce,
        sig,
        seq,
        acc,
        ap,
      ] = o.insert;
      inserts.push([
        h,
        c,
        maker,
        kind,
        token,
        cur,
        price,
        start,
        expiry,
        counter,
        nonce,
        sig,
        o.status,
        o.reason,
        o.tradeId,
        seq,
        acc,
        ap,
        o.updatedAt,
        o.lastPosition.toString(),
      ]);
    } else
      updates.push([hash, o.status, o.reason, o.tradeId, o.updatedAt, o.lastPosition.toString()]);
  }
  const insertsStatement = (): SqlStatement | undefined =>
    inserts.length > 0
      ? {
          sql: `INSERT INTO ${table} (${ORDER_COLUMNS.join(', ')})
       ${unnestSelect(ORDER_TYPES)} ON CONFLICT (hash) DO NOTHING`,
          params: columnsOf(inserts, ORDER_TYPES.length),
        }
      : undefined;
  // `o.hash = ANY(...)` beside the join hands the planner the keys as an index condition: it had
  // hashed a sequential scan of the whole table per chunk (see LOOKUP_PAGE_COST in the runner).
  const updatesStatement: SqlStatement | undefined =
    updates.length > 0
      ? {
          sql: `UPDATE ${table} o SET status = u.status, reason = u.reason, trade_id = u.trade_id,
         updated_at = u.updated_at, last_position = u.last_position
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::bigint[])
         AS u(hash, status, reason, trade_id, updated_at, last_position)
       WHERE o.hash = u.hash AND o.hash = ANY($1::text[]) AND o.last_position < u.last_position`,
          params: columnsOf(updates, 6),
        }
      : undefined;
  return { rows: inserts, insert: insertsStatement, update: updatesStatement };
}

function tradeWrites(table: string, trades: Map<string, TradeState>): TableWrites {
  const inserts: unknown[][] = [];
  const updates: unknown[][] = [];
  for (const [tradeId, s] of trades) {
    if (!s.dirty) continue;
    if (s.insert) {
      const [id, c, ask, bid, buyer, seller, cur, token, price, split, matchedAt] = s.insert;
      inserts.push([
        id,
        c,
        ask,
        bid,
        buyer,
        seller,
        cur,
        token,
        price,
        split,
        s.status,
        s.txHash,
        s.block,
        s.reason,
        matchedAt,
        s.updatedAt,
        s.lastPosition.toString(),
      ]);
    } else
      updates.push([
        tradeId,
        s.status,
        s.txHash,
        s.block,
        s.reason,
        s.updatedAt,
        s.lastPosition.toString(),
      ]);
  }
  const insertsStatement = (): SqlStatement | undefined =>
    inserts.length > 0
      ? {
          sql: `INSERT INTO ${table} (${TRADE_COLUMNS.join(', ')})
       ${unnestSelect(TRADE_TYPES)} ON CONFLICT (trade_id) DO NOTHING`,
          params: columnsOf(inserts, TRADE_TYPES.length),
        }
      : undefined;
  const updatesStatement: SqlStatement | undefined =
    updates.length > 0
      ? {
          sql: `UPDATE ${table} x SET status = u.status, tx_hash = u.tx_hash, block = u.block,
         reason = u.reason, updated_at = u.updated_at, last_position = u.last_position
       FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::timestamptz[],
         $7::bigint[]) AS u(trade_id, status, tx_hash, block, reason, updated_at, last_position)
       WHERE x.trade_id = u.trade_id AND x.trade_id = ANY($1::text[])
         AND x.last_position < u.last_position`,
          params: columnsOf(updates, 7),
        }
      : undefined;
  return { rows: inserts, insert: insertsStatement, update: updatesStatement };
}
