// The typed changes of the live feeds, and how the market's stored events become them. A book
// change is an order added to or moving in a collection's book (OrderAccepted,
// OrderStatusChanged); a trade change is a trade matched, settled on chain, released or
// un-settled by a reorg; the statuses a trade sets on its orders without an announcement
// (reserved, filled) are book changes too. Each carries a resumable id: its event's global
// position `P`, or `P.i` for the i-th further change the same event makes.
//
// OrderStatusChanged names only the order's hash and the trade events only the trade id, so
// the decoder remembers the filter fields (collection, token, side, maker, price) of the orders
// and trades it has read, in a bounded LRU; an order or trade older than what it remembers is
// read back through `MarketLookup` (the orders read model). The stored data enters through zod
// (only the fields read here); amounts stay decimal strings; signatures never leave.
import { z } from 'zod';
import type { RecordedEvent } from '@atelier/eventsourcing';

export type BookSide = 'ask' | 'bid' | 'collection-bid';
const SIDES: readonly BookSide[] = ['ask', 'bid', 'collection-bid']; // by OrderKind 0, 1, 2

/** What a book change says about its order (null when the order could not be read back). */
export interface OrderRef {
  readonly hash: string;
  readonly collection: string;
  readonly tokenId: string | null;
  readonly side: BookSide | null;
  readonly maker: string | null;
  readonly currency: string | null;
  readonly price: string | null;
}

export interface TradeRef {
  readonly tradeId: string;
  readonly collection: string;
  readonly tokenId: string | null;
  readonly seller: string | null;
  readonly buyer: string | null;
  readonly currency: string | null;
  readonly price: string | null;
  readonly askHash: string | null;
  readonly bidHash: string | null;
}

export type BookChangeType = 'order-added' | 'order-status-changed';
export type TradeChangeType =
  'trade-matched' | 'trade-settled' | 'trade-released' | 'trade-unsettled';

export interface BookChange extends OrderRef {
  readonly feed: 'books';
  readonly type: BookChangeType;
  /** The change's id: `P` or `P.i` (see changeId). */
  readonly position: string;
  /** The status before (null for an added order, and for a status a trade set). */
  readonly from: string | null;
  readonly status: string;
  readonly reason: string | null;
  /** The trade that set this status (reserved, filled), when a trade did. */
  readonly tradeId: string | null;
  readonly at: string;
}

export interface TradeChange extends TradeRef {
  readonly feed: 'trades';
  readonly type: TradeChangeType;
  /** The change's id: `P` or `P.i` (see changeId). */
  readonly position: string;
  /** The split the contract applies (matched only): fee, royalty, contributors, proceeds. */
  readonly split: Record<string, unknown> | null;
  readonly transactionHash: string | null;
  readonly block: string | null;
  readonly reason: string | null;
  readonly at: string;
}

export interface LedgerCurrency {
  readonly currency: string;
  readonly deposited: string;
  readonly withdrawn: string;
  readonly paid: string;
  readonly credited: {
    readonly royalty: string;
    readonly attribution: string;
    readonly fee: string;
    readonly proceeds: string;
  };
  readonly balance: string;
}

/** An account's ledger as it now stands (a state, not a delta: the latest one wins). */
export interface LedgerChange {
  readonly feed: 'ledgers';
  readonly type: 'ledger-updated';
  /** The ledgers model's version (its applied chain facts), not a market position. */
  readonly position: string;
  readonly account: string;
  /** Newest block the ledgers model reflects. */
  readonly block: string | null;
  readonly currencies: readonly LedgerCurrency[];
}

export type LiveChange = BookChange | TradeChange | LedgerChange;
export type LiveFeedName = LiveChange['feed'];

// ---- filters ---------------------------------------------------------------------------------

export interface BookFilter {
  readonly feed: 'books';
  readonly collection: string;
  readonly tokenId?: string;
}
export interface TradeFilter {
  readonly feed: 'trades';
  readonly collection?: string;
  readonly tokenId?: string;
  readonly account?: string;
}
export interface LedgerFilter {
  readonly feed: 'ledgers';
  readonly account: string;
}
export type LiveFilter = BookFilter | TradeFilter | LedgerFilter;

/** Whether `change` belongs to a client subscribed with `filter`. Addresses are lower-case. */
export function matches(filter: LiveFilter, change: LiveChange): boolean {
  switch (filter.feed) {
    case 'books':
      if (change.feed !== 'books' || change.collection !== filter.collection) return false;
      // A collection bid is in every token's book; an order that could not be read back is
      // given rather than silently dropped (its tokenId is null).
      return (
        filter.tokenId === undefined ||
        change.tokenId === null ||
        change.tokenId === filter.tokenId ||
        change.side === 'collection-bid'
      );
    case 'trades':
      if (change.feed !== 'trades') return false;
      if (filter.collection !== undefined && change.collection !== filter.collection) return false;
      if (filter.tokenId !== undefined && change.tokenId !== filter.tokenId) return false;
      return (
        filter.account === undefined ||
        change.seller === filter.account ||
        change.buyer === filter.account
      );
    case 'ledgers':
      return change.feed === 'ledgers' && change.account === filter.account;
    default: {
      const _exhaustive: never = filter;
      return _exhaustive;
    }
  }
}

// ---- decoding --------------------------------------------------------------------------------

/** Reads back an order or trade the decoder no longer (or never) saw accepted/matched. */
export interface MarketLookup {
  order(hash: string, collection: string, position: bigint): Promise<OrderRef | null>;
  trade(tradeId: string, collection: string, position: bigint): Promise<TradeRef | null>;
}

/** A Map kept in recency order, cut to `size` entries. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly size: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    if (this.map.size > this.size) this.map.delete(this.map.keys().next().value as string);
  }
  get length(): number {
    return this.map.size;
  }
}

const lower = z.string().transform((s) => s.toLowerCase());
const uint = z.union([z.string(), z.number()]).transform(String);
const zOrder = z.object({
  maker: lower,
  kind: z.union([z.literal(0), z.literal(1), z.literal(2)]),
  tokenId: uint,
  currency: lower,
  price: uint,
});
const accepted = z.object({
  hash: lower,
  order: zOrder,
  status: z.string(),
  reason: z.string().nullable().default(null),
  acceptedAt: z.string(),
});
const statusChanged = z.object({
  hash: lower,
  from: z.string(),
  status: z.string(),
  reason: z.string().nullable().default(null),
  at: z.string(),
});
const matched = z.object({
  tradeId: z.string(),
  tokenId: uint,
  currency: lower,
  price: uint,
  seller: lower,
  buyer: lower,
  ask: z.object({ hash: lower, order: zOrder }),
  bid: z.object({ hash: lower, order: zOrder }),
  split: z.record(z.string(), z.unknown()),
  matchedAt: z.string(),
});
const settled = z.object({
  tradeId: z.string(),
  transactionHash: lower,
  block: uint,
  at: z.string(),
});
const ended = z.object({ tradeId: z.string(), reason: z.string(), at: z.string() });

export const MARKET_CATEGORY = 'market';
const collectionOf = (e: RecordedEvent) => e.streamName.slice(MARKET_CATEGORY.length + 1);

/** Where a change sits: its event's global position, and its index among the event's changes. */
export interface ChangeCursor {
  readonly position: bigint;
  readonly index: number;
}

/** `P` for an event's first change, `P.i` for the i-th after it: the SSE id, ordered as (P, i). */
export const changeId = (c: ChangeCursor): string =>
  c.index === 0 ? c.position.toString() : `${c.position}.${c.index}`;

export const cursorOf = (id: string): ChangeCursor => {
  const [p, i] = id.split('.');
  return { position: BigInt(p!), index: i === undefined ? 0 : Number(i) };
};

export const isAfter = (a: ChangeCursor, b: ChangeCursor): boolean =>
  a.position > b.position || (a.position === b.position && a.index > b.index);

const unknownOrder = (hash: string, collection: string): OrderRef => ({
  hash,
  collection,
  tokenId: null,
  side: null,
  maker: null,
  currency: null,
  price: null,
});

export class MarketChangeDecoder {
  private readonly orders: Lru<OrderRef>;
  private readonly trades: Lru<TradeRef>;
  /** Read-backs done (cache misses), for the service's stats. */
  lookups = 0;

  constructor(
    private readonly lookup: MarketLookup,
    cacheSize: number,
  ) {
    this.orders = new Lru(cacheSize);
    this.trades = new Lru(cacheSize);
  }

  /** Remembers what `event` tells about orders and trades, without decoding a change. */
  remember(event: RecordedEvent): void {
    const collection = collectionOf(event);
    if (event.type === 'OrderAccepted') {
      const d = accepted.safeParse(event.data);
      if (d.success) this.orders.set(d.data.hash, orderRef(collection, d.data));
    } else if (event.type === 'TradeMatched') {
      const d = matched.safeParse(event.data);
      if (d.success) this.trades.set(d.data.tradeId, tradeRef(collection, d.data));
    }
  }

  /**
   * The changes `event` makes to the feeds, in order (their index is their place here): none for
   * observations and cancels (their effect comes as OrderStatusChanged), one for an order event,
   * and for a trade event the statuses the trade sets on both orders without an announcement
   * (reserved on TradeMatched and TradeUnsettled, filled on TradeSettled) and then the trade's
   * own change. What an event makes depends on the event alone, never on what the decoder has
   * seen before, so a client's catch-up and the live tail number an event's changes alike (the
   * `.i` of their ids); the caches only save read-backs.
   */
  async decode(event: RecordedEvent): Promise<(BookChange | TradeChange)[]> {
    if (!event.streamName.startsWith(`${MARKET_CATEGORY}-`)) return [];
    const collection = collectionOf(event);
    // null: a change this event has a place for but cannot make (a trade whose orders could
    // not be read back); it keeps its index so the numbering stays the event's alone.
    const out: Array<Omit<BookChange, 'position'> | Omit<TradeChange, 'position'> | null> = [];
    switch (event.type) {
      case 'OrderAccepted': {
        const d = accepted.safeParse(event.data);
        if (!d.success) return [];
        const ref = orderRef(collection, d.data);
        this.orders.set(ref.hash, ref);
        out.push({
          feed: 'books',
          type: 'order-added',
          ...ref,
          from: null,
          status: d.data.status,
          reason: d.data.reason,
          tradeId: null,
          at: d.data.acceptedAt,
        });
        break;
      }
      case 'OrderStatusChanged': {
        const d = statusChanged.safeParse(event.data);
        if (!d.success) return [];
        out.push({
          feed: 'books',
          type: 'order-status-changed',
          ...(await this.order(d.data.hash, collection, event.position)),
          from: d.data.from,
          status: d.data.status,
          reason: d.data.reason,
          tradeId: null,
          at: d.data.at,
        });
        break;
      }
      case 'TradeMatched': {
        const d = matched.safeParse(event.data);
        if (!d.success) return [];
        const trade = tradeRef(collection, d.data);
        this.trades.set(trade.tradeId, trade);
        for (const side of [d.data.ask, d.data.bid]) {
          const ref = orderRef(collection, side);
          this.orders.set(ref.hash, ref);
          out.push(tradeSets(ref, 'reserved', trade.tradeId, d.data.matchedAt));
        }
        out.push({
          feed: 'trades',
          type: 'trade-matched',
          ...trade,
          split: d.data.split,
          transactionHash: null,
          block: null,
          reason: null,
          at: d.data.matchedAt,
        });
        break;
      }
      case 'TradeSettled': {
        const d = settled.safeParse(event.data);
        if (!d.success) return [];
        const trade = await this.trade(d.data.tradeId, collection, event.position);
        out.push(...(await this.ordersOf(trade, 'filled', collection, event.position, d.data.at)));
        out.push({
          ...tradeChange('trade-settled', trade, d.data.at),
          transactionHash: d.data.transactionHash,
          block: d.data.block,
        });
        break;
      }
      case 'TradeReleased':
      case 'TradeUnsettled': {
        const d = ended.safeParse(event.data);
        if (!d.success) return [];
        const trade = await this.trade(d.data.tradeId, collection, event.position);
        // A released trade's orders move by the decider's OrderStatusChanged that follows.
        if (event.type === 'TradeUnsettled')
          out.push(
            ...(await this.ordersOf(trade, 'reserved', collection, event.position, d.data.at)),
          );
        const type = event.type === 'TradeReleased' ? 'trade-released' : 'trade-unsettled';
        out.push({ ...tradeChange(type, trade, d.data.at), reason: d.data.reason });
        break;
      }
      default:
        return [];
    }
    return out.flatMap((c, index) =>
      c === null
        ? []
        : [
            { ...c, position: changeId({ position: event.position, index }) } as
              BookChange | TradeChange,
          ],
    );
  }

  /** The statuses a trade sets on its ask and bid: always two places, ask then bid. */
  private async ordersOf(
    trade: TradeRef,
    status: string,
    collection: string,
    position: bigint,
    at: string,
  ): Promise<(Omit<BookChange, 'position'> | null)[]> {
    const out: (Omit<BookChange, 'position'> | null)[] = [];
    for (const hash of [trade.askHash, trade.bidHash])
      out.push(
        hash
          ? tradeSets(await this.order(hash, collection, position), status, trade.tradeId, at)
          : null,
      );
    return out;
  }

  private async order(hash: string, collection: string, position: bigint): Promise<OrderRef> {
    const known = this.orders.get(hash);
    if (known) return known;
    this.lookups++;
    const found = await this.lookup.order(hash, collection, position);
    if (found) this.orders.set(hash, found);
    return found ?? unknownOrder(hash, collection);
  }

  private async trade(tradeId: string, collection: string, position: bigint): Promise<TradeRef> {
    const known = this.trades.get(tradeId);
    if (known) return known;
    this.lookups++;
    const found = await this.lookup.trade(tradeId, collection, position);
    if (found) this.trades.set(tradeId, found);
    return (
      found ?? {
        tradeId,
        collection,
        tokenId: null,
        seller: null,
        buyer: null,
        currency: null,
        price: null,
        askHash: null,
        bidHash: null,
      }
    );
  }
}

/** The book change of a status a trade sets without an announcement (`from` unknown here). */
const tradeSets = (
  ref: OrderRef,
  status: string,
  tradeId: string,
  at: string,
): Omit<BookChange, 'position'> => ({
  feed: 'books',
  type: 'order-status-changed',
  ...ref,
  from: null,
  status,
  reason: null,
  tradeId,
  at,
});

const tradeChange = (
  type: TradeChangeType,
  trade: TradeRef,
  at: string,
): Omit<TradeChange, 'position'> => ({
  feed: 'trades',
  type,
  ...trade,
  split: null,
  transactionHash: null,
  block: null,
  reason: null,
  at,
});

const orderRef = (
  collection: string,
  d: { readonly hash: string; readonly order: z.output<typeof zOrder> },
): OrderRef => ({
  hash: d.hash,
  collection,
  tokenId: d.order.tokenId,
  side: SIDES[d.order.kind]!,
  maker: d.order.maker,
  currency: d.order.currency,
  price: d.order.price,
});

const tradeRef = (collection: string, d: z.output<typeof matched>): TradeRef => ({
  tradeId: d.tradeId,
  collection,
  tokenId: d.tokenId,
  seller: d.seller,
  buyer: d.buyer,
  currency: d.currency,
  price: d.price,
  askHash: d.ask.hash,
  bidHash: d.bid.hash,
});

export const sideOfKind = (kind: number): BookSide | null => SIDES[kind] ?? null;
