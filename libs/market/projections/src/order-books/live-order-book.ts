// One collection's order book held in memory, loaded from the orders read model at a known
// position and then advanced by the market's own events (decoded as the orders projection
// decodes them). It answers exactly what OrderBooksReader answers over the same state (the
// same OrderBook, levels, best orders, floor and spread), without a query per read.
//
// What it holds: the collection's open orders (statuses that can still be, or become again,
// fillable: LIVE_STATUSES and `reserved`) with their immutable fields, and its matched trades
// (their two orders); the fillable ones are indexed by currency and side, and by token. Each
// event is applied as the orders projection applies it (orders.projection.ts) to those rows.
// When an event needs a row it does not hold (an order closed at load that becomes fillable
// again, a trade it never saw un-settled by a reorg), `apply` says 'unknown' and the holder
// loads the book again instead of guessing.
//
// Time: an order is in the book while start <= now < expiry, the reader's rule, taken at the
// `now` of each read (orders keep their bounds; nothing is dropped when time passes).
import type { DataSource } from 'typeorm';
import { LIVE_STATUSES, OrderKind, type MarketEvent } from '@atelier/market-domain';
import { tablePath } from '@atelier/projections';
import {
  MarketOrderEntity,
  MarketStreamEntity,
  MarketTradeEntity,
} from '../orders/orders.entities';
import {
  DEFAULT_BOOK_LEVELS,
  MAX_BOOK_LEVELS,
  type BestOrder,
  type BookQuery,
  type BookSide,
  type CurrencyBook,
  type OrderBook,
} from './order-books.reader';

/** Statuses an order may leave for `fillable` (the book's candidates), as evolve has them. */
const OPEN_STATUSES: readonly string[] = [...LIVE_STATUSES, 'reserved'];

interface HeldOrder {
  readonly hash: string;
  readonly maker: string;
  readonly kind: number;
  readonly tokenId: bigint;
  readonly currency: string;
  readonly price: bigint;
  readonly start: bigint;
  readonly expiry: bigint;
  readonly acceptedPosition: bigint;
  status: string;
}

interface HeldTrade {
  readonly ask: string;
  readonly bid: string;
  status: 'matched' | 'settled' | 'released';
}

/** The fillable orders of one currency, by side. */
interface CurrencyOrders {
  readonly asks: Set<HeldOrder>;
  readonly collectionBids: Set<HeldOrder>;
  readonly tokenBids: Set<HeldOrder>;
}

/** What an event did to the book: moved it ('changed': at least its position), or 'unknown'. */
export type LiveBookApply = 'changed' | 'unknown';

const KIND_NAME: Record<number, BestOrder['kind']> = {
  [OrderKind.Ask]: 'ask',
  [OrderKind.TokenBid]: 'token-bid',
  [OrderKind.CollectionBid]: 'collection-bid',
};

const EMPTY_SIDE: BookSide = { levels: [], orders: 0, priceLevels: 0, best: null };

/**
 * The earliest instant after the read's `now` at which an order the read looked at starts or
 * expires: until then, a read of the same book at a later second finds the same orders active
 * (null: no such instant). Module-level like matching's scan context: reads are synchronous and
 * never nest, so `collectionBook` and `tokenBook` reset it, their scans lower it, they return it.
 */
let horizon: bigint | null = null;

/** Lowers `horizon` to the next instant (start or expiry after `now`) that changes `o`'s state. */
function watch(o: HeldOrder, now: bigint): void {
  const next = o.start > now ? o.start : o.expiry > now ? o.expiry : null;
  if (next !== null && (horizon === null || next < horizon)) horizon = next;
}

/** A side from its candidate orders: those active at `now`, grouped by price, best first. */
function sideOf(
  candidates: readonly Iterable<HeldOrder>[],
  now: bigint,
  levels: number,
  ascending: boolean,
): BookSide {
  const byPrice = new Map<bigint, { count: number; first: HeldOrder }>();
  let orders = 0;
  for (const set of candidates)
    for (const o of set) {
      watch(o, now);
      if (o.start > now || o.expiry <= now) continue;
      orders++;
      const level = byPrice.get(o.price);
      if (!level) byPrice.set(o.price, { count: 1, first: o });
      else {
        level.count++;
        if (o.acceptedPosition < level.first.acceptedPosition) level.first = o;
      }
    }
  if (orders === 0) return EMPTY_SIDE;
  const prices = [...byPrice.keys()].sort((a, b) => (a === b ? 0 : a < b === ascending ? -1 : 1));
  const first = byPrice.get(prices[0]!)!.first;
  return {
    levels: prices.slice(0, levels).map((price) => {
      const count = byPrice.get(price)!.count;
      return { price: price.toString(), count, total: (price * BigInt(count)).toString() };
    }),
    orders,
    priceLevels: prices.length,
    best: {
      hash: first.hash,
      maker: first.maker,
      kind: KIND_NAME[first.kind]!,
      tokenId: first.tokenId.toString(),
      price: first.price.toString(),
    },
  };
}

function floorOf(asks: Iterable<HeldOrder>, now: bigint): bigint | null {
  let floor: bigint | null = null;
  for (const o of asks) {
    watch(o, now);
    if (o.start <= now && o.expiry > now && (floor === null || o.price < floor)) floor = o.price;
  }
  return floor;
}

/** A book as read at `now`, and until when a later read would find the same (see `horizon`). */
export interface TimedBook {
  readonly book: OrderBook;
  /** The first instant (unix seconds) at which the book may read otherwise with no event
   *  applied; null: not before an event. */
  readonly validUntil: bigint | null;
}

export class LiveOrderBook {
  private readonly orders = new Map<string, HeldOrder>();
  private readonly trades = new Map<string, HeldTrade>();
  private readonly byCurrency = new Map<string, CurrencyOrders>();
  /** Fillable asks and token bids of each token (decimal token id). */
  private readonly byToken = new Map<string, Set<HeldOrder>>();
  /** Global position of the last event of this market in the book (null: none yet). */
  private at: bigint | null;
  /** The floors at one book time, shared by the token books read at it until a change. */
  private floors: {
    readonly now: bigint;
    readonly byCurrency: Map<string, { floor: bigint | null; until: bigint | null }>;
  } | null = null;

  private constructor(
    readonly collection: string,
    position: bigint | null,
  ) {
    this.at = position;
  }

  /**
   * The collection's book as the read model holds it, read in one snapshot (REPEATABLE READ):
   * its open orders, its matched trades and its stream's position.
   */
  static async load(dataSource: DataSource, collection: string): Promise<LiveOrderBook> {
    return dataSource.transaction('REPEATABLE READ', async (tx) => {
      // One client: the three reads run one after the other, in the one snapshot.
      const streams = (await tx.query(
        `SELECT position::text AS p FROM ${tablePath(tx, MarketStreamEntity)} WHERE collection = $1`,
        [collection],
      )) as { p: string }[];
      const orders = (await tx.query(
        `SELECT hash, maker, kind, token_id::text AS token_id, currency, price::text AS price,
             start::text AS start, expiry::text AS expiry,
             accepted_position::text AS accepted_position, status
           FROM ${tablePath(tx, MarketOrderEntity)}
           WHERE collection = $1 AND status = ANY($2::text[])`,
        [collection, OPEN_STATUSES],
      )) as {
        hash: string;
        maker: string;
        kind: number;
        token_id: string;
        currency: string;
        price: string;
        start: string;
        expiry: string;
        accepted_position: string;
        status: string;
      }[];
      const trades = (await tx.query(
        `SELECT trade_id, ask_hash, bid_hash FROM ${tablePath(tx, MarketTradeEntity)}
           WHERE collection = $1 AND status = 'matched'`,
        [collection],
      )) as { trade_id: string; ask_hash: string; bid_hash: string }[];
      const book = new LiveOrderBook(collection, streams[0] ? BigInt(streams[0].p) : null);
      for (const r of orders)
        book.hold({
          hash: r.hash,
          maker: r.maker,
          kind: Number(r.kind),
          tokenId: BigInt(r.token_id),
          currency: r.currency,
          price: BigInt(r.price),
          start: BigInt(r.start),
          expiry: BigInt(r.expiry),
          acceptedPosition: BigInt(r.accepted_position),
          status: r.status,
        });
      for (const t of trades)
        book.trades.set(t.trade_id, { ask: t.ask_hash, bid: t.bid_hash, status: 'matched' });
      return book;
    });
  }

  /** The global position of the last event of this market the book reflects (null: none). */
  get position(): string | null {
    return this.at?.toString() ?? null;
  }

  /**
   * Applies the market event at global `position` (of this collection's stream) as the orders
   * projection does. Events at or below the book's position are already in it ('changed' is
   * then never said). 'unknown': the book cannot tell the outcome; load it again.
   */
  apply(event: MarketEvent, position: bigint): LiveBookApply | 'already' {
    if (this.at !== null && position <= this.at) return 'already';
    const outcome = this.evolve(event, position);
    if (outcome === 'unknown') return outcome;
    this.at = position;
    this.floors = null;
    return 'changed';
  }

  private evolve(event: MarketEvent, position: bigint): 'ok' | 'unknown' {
    switch (event.type) {
      case 'OrderAccepted': {
        const d = event.data;
        if (this.orders.has(d.hash)) return 'ok'; // ON CONFLICT DO NOTHING
        const o = d.order;
        this.hold({
          hash: d.hash,
          maker: o.maker,
          kind: o.kind,
          tokenId: o.tokenId,
          currency: o.currency,
          price: o.price,
          start: o.start,
          expiry: o.expiry,
          acceptedPosition: position,
          status: d.status,
        });
        return 'ok';
      }
      case 'OrderStatusChanged': {
        const d = event.data;
        if (this.orders.has(d.hash)) this.setStatus(d.hash, d.status);
        // A closed order (not held) coming back to the book: its fields are not here.
        else if (d.status === 'fillable') return 'unknown';
        return 'ok';
      }
      case 'TradeMatched': {
        const d = event.data;
        if (!this.trades.has(d.tradeId))
          this.trades.set(d.tradeId, { ask: d.ask.hash, bid: d.bid.hash, status: 'matched' });
        this.setStatus(d.ask.hash, 'reserved');
        this.setStatus(d.bid.hash, 'reserved');
        return 'ok';
      }
      case 'TradeSettled': {
        // A trade not held was not matched at load and not matched since: ignored, as evolve does.
        const t = this.trades.get(event.data.tradeId);
        if (!t || t.status !== 'matched') return 'ok';
        t.status = 'settled';
        this.setStatus(t.ask, 'filled');
        this.setStatus(t.bid, 'filled');
        return 'ok';
      }
      case 'TradeUnsettled': {
        const t = this.trades.get(event.data.tradeId);
        // Settled before the load: its orders are not known here.
        if (!t) return 'unknown';
        if (t.status !== 'settled') return 'ok';
        t.status = 'matched';
        this.setStatus(t.ask, 'reserved');
        this.setStatus(t.bid, 'reserved');
        return 'ok';
      }
      case 'TradeReleased': {
        const t = this.trades.get(event.data.tradeId);
        if (t?.status === 'matched') t.status = 'released';
        return 'ok'; // the orders' statuses follow as OrderStatusChanged
      }
      case 'CancelRecorded':
      case 'TokenObserved':
      case 'FundsObserved':
      case 'CounterObserved':
      case 'NonceObserved':
      case 'ProtocolFeeObserved':
        return 'ok';
      default: {
        const _exhaustive: never = event;
        return _exhaustive;
      }
    }
  }

  private hold(o: HeldOrder): void {
    this.orders.set(o.hash, o);
    if (o.status === 'fillable') this.index(o, true);
  }

  private setStatus(hash: string, status: string): void {
    const o = this.orders.get(hash);
    if (!o || o.status === status) {
      if (o) o.status = status;
      return;
    }
    if (o.status === 'fillable') this.index(o, false);
    o.status = status;
    if (status === 'fillable') this.index(o, true);
  }

  private index(o: HeldOrder, add: boolean): void {
    let c = this.byCurrency.get(o.currency);
    if (!c) {
      c = { asks: new Set(), collectionBids: new Set(), tokenBids: new Set() };
      this.byCurrency.set(o.currency, c);
    }
    const side =
      o.kind === OrderKind.Ask
        ? c.asks
        : o.kind === OrderKind.CollectionBid
          ? c.collectionBids
          : c.tokenBids;
    if (add) side.add(o);
    else side.delete(o);
    if (o.kind === OrderKind.CollectionBid) return;
    const key = o.tokenId.toString();
    let t = this.byToken.get(key);
    if (!t) {
      t = new Set();
      this.byToken.set(key, t);
    }
    if (add) t.add(o);
    else {
      t.delete(o);
      if (t.size === 0) this.byToken.delete(key);
    }
  }

  /** The collection's book: every ask, the collection bids, token bids apart (the reader's). */
  collectionBook(query: BookQuery & { readonly now: bigint }): OrderBook {
    return this.timedCollectionBook(query).book;
  }

  /** `collectionBook`, and until when it holds without an event (see `TimedBook`). */
  timedCollectionBook(query: BookQuery & { readonly now: bigint }): TimedBook {
    horizon = null;
    const levels = levelsOf(query);
    const currencies: CurrencyBook[] = [];
    for (const [currency, c] of this.currencies(query.currency)) {
      const asks = sideOf([c.asks], query.now, levels, true);
      const bids = sideOf([c.collectionBids], query.now, levels, false);
      const tokenBids = sideOf([c.tokenBids], query.now, levels, false);
      if (asks.orders + bids.orders + tokenBids.orders === 0) continue;
      currencies.push({
        currency,
        asks,
        bids,
        tokenBids,
        floor: asks.best?.price ?? null,
        spread: spreadOf(asks, bids),
      });
    }
    return {
      book: { collection: this.collection, tokenId: null, currencies },
      validUntil: horizon,
    };
  }

  /** A token's book: its asks; its token bids and every collection bid; the collection floor. */
  tokenBook(tokenId: string, query: BookQuery & { readonly now: bigint }): OrderBook {
    return this.timedTokenBook(tokenId, query).book;
  }

  /** `tokenBook`, and until when it holds without an event (see `TimedBook`). */
  timedTokenBook(tokenId: string, query: BookQuery & { readonly now: bigint }): TimedBook {
    horizon = null;
    const levels = levelsOf(query);
    const token = [...(this.byToken.get(BigInt(tokenId).toString()) ?? [])];
    const currencies: CurrencyBook[] = [];
    for (const [currency, c] of this.currencies(query.currency)) {
      const mine = token.filter((o) => o.currency === currency);
      const asks = sideOf([mine.filter((o) => o.kind === OrderKind.Ask)], query.now, levels, true);
      const bids = sideOf(
        [mine.filter((o) => o.kind !== OrderKind.Ask), c.collectionBids],
        query.now,
        levels,
        false,
      );
      const floor = this.floorAt(currency, c, query.now);
      if (asks.orders + bids.orders === 0 && floor === null) continue;
      currencies.push({
        currency,
        asks,
        bids,
        floor: floor?.toString() ?? null,
        spread: spreadOf(asks, bids),
      });
    }
    return { book: { collection: this.collection, tokenId, currencies }, validUntil: horizon };
  }

  /** The currency's floor at `now` (cached for that second), its scan's horizon included. */
  private floorAt(currency: string, c: CurrencyOrders, now: bigint): bigint | null {
    if (this.floors?.now !== now) this.floors = { now, byCurrency: new Map() };
    let known = this.floors.byCurrency.get(currency);
    if (known === undefined) {
      const outer = horizon;
      horizon = null;
      known = { floor: floorOf(c.asks, now), until: horizon };
      horizon = outer;
      this.floors.byCurrency.set(currency, known);
    }
    if (known.until !== null && (horizon === null || known.until < horizon)) horizon = known.until;
    return known.floor;
  }

  /** The currencies with fillable orders, in the reader's order (one when asked for one). */
  private currencies(only: string | undefined): [string, CurrencyOrders][] {
    if (only !== undefined) {
      const c = this.byCurrency.get(only);
      return c ? [[only, c]] : [];
    }
    return [...this.byCurrency.entries()].sort(([a], [b]) => a.localeCompare(b));
  }
}

const levelsOf = (query: BookQuery): number =>
  Math.min(Math.max(Math.trunc(query.levels ?? DEFAULT_BOOK_LEVELS), 1), MAX_BOOK_LEVELS);

const spreadOf = (asks: BookSide, bids: BookSide): string | null =>
  asks.best && bids.best ? (BigInt(asks.best.price) - BigInt(bids.best.price)).toString() : null;
