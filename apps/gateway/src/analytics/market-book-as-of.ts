// A collection's order book as the market held it at a chain block, folded from the market's
// own stream (`market-<collection>`) with the market decider's evolve: the same fold the
// command side runs, so the book is exactly the aggregate's state at that point of its log.
//
// Which point: the stream is read in order and cut right before the first event that carries
// a chain block above N (an observation read at that block, or a settlement in it). Every
// event before the cut was decided while the market had recorded nothing of the chain past N.
// What that does not prove (docs/analysts.md, "As of a block"): events that carry no block
// (OrderAccepted, CancelRecorded, TradeMatched, TradeReleased, a Tick's OrderStatusChanged)
// are placed by log order only, so an order accepted after block N appears in the book as of
// N if no observation past N was recorded before it; and the market learns the chain through
// the indexer, so it may record block N's changes after block N.
import type { EventStore, RecordedEvent } from '@atelier/eventsourcing';
import {
  LIVE_STATUSES,
  MARKET_CATEGORY,
  marketAggregate,
  OrderKind,
  type BookOrder,
  type MarketState,
  type OrderStatus,
} from '@atelier/market-domain';
import { carriedBlock } from './event-lines';

/** Orders resting in a book: may trade now, later (funding, approval) or are held by a trade. */
const RESTING: ReadonlySet<OrderStatus> = new Set([...LIVE_STATUSES, 'reserved']);

const KINDS = {
  [OrderKind.Ask]: 'ask',
  [OrderKind.TokenBid]: 'token-bid',
  [OrderKind.CollectionBid]: 'collection-bid',
} as const;

export interface BookOrderJson {
  readonly hash: string;
  readonly kind: (typeof KINDS)[keyof typeof KINDS];
  readonly maker: string;
  /** Null for a collection bid (any token). */
  readonly tokenId: string | null;
  readonly currency: string;
  readonly price: string;
  readonly start: string;
  readonly expiry: string;
  readonly counter: string;
  readonly nonce: string;
  readonly signature: string;
  readonly status: OrderStatus;
  readonly reason: string | null;
  readonly tradeId: string | null;
  readonly seq: number;
  readonly acceptedAt: string;
}

export interface DepthLevel {
  readonly currency: string;
  /** Null: collection bids. */
  readonly tokenId: string | null;
  readonly price: string;
  readonly orders: number;
}

export interface MarketBookAsOf {
  readonly collection: string;
  readonly asOf: {
    /** The block asked for; null: the whole stream (the book now). */
    readonly block: string | null;
    /** The highest chain block the folded events carry (null: none carries one). */
    readonly observedBlock: string | null;
    /** The last event folded (global position, stream revision, when recorded); null: none. */
    readonly position: string | null;
    readonly revision: string | null;
    readonly recordedAt: string | null;
    /** The first event left out (it carries a block above `block`); null: none was. */
    readonly next: {
      readonly position: string;
      readonly type: string;
      readonly block: string;
    } | null;
  };
  /** Resting asks, cheapest first, then in arrival order. */
  readonly asks: readonly BookOrderJson[];
  /** Resting bids, dearest first, then in arrival order. */
  readonly bids: readonly BookOrderJson[];
  /** Fillable orders only, per currency, token (null: collection bids) and price. */
  readonly depth: { readonly asks: readonly DepthLevel[]; readonly bids: readonly DepthLevel[] };
}

const orderJson = (o: BookOrder): BookOrderJson => ({
  hash: o.hash,
  kind: KINDS[o.order.kind],
  maker: o.order.maker,
  tokenId: o.order.kind === OrderKind.CollectionBid ? null : o.order.tokenId.toString(),
  currency: o.order.currency,
  price: o.order.price.toString(),
  start: o.order.start.toString(),
  expiry: o.order.expiry.toString(),
  counter: o.order.counter.toString(),
  nonce: o.order.nonce.toString(),
  signature: o.signature,
  status: o.status,
  reason: o.reason,
  tradeId: o.tradeId,
  seq: o.seq,
  acceptedAt: o.acceptedAt,
});

const byPrice = (dir: 1 | -1) => (a: BookOrder, b: BookOrder) =>
  a.order.price === b.order.price ? a.seq - b.seq : (a.order.price < b.order.price ? -1 : 1) * dir;

function depth(orders: readonly BookOrder[]): DepthLevel[] {
  const levels = new Map<string, DepthLevel>();
  for (const o of orders) {
    if (o.status !== 'fillable') continue;
    const tokenId = o.order.kind === OrderKind.CollectionBid ? null : o.order.tokenId.toString();
    const key = `${o.order.currency}/${tokenId ?? '*'}/${o.order.price}`;
    const at = levels.get(key);
    levels.set(key, {
      currency: o.order.currency,
      tokenId,
      price: o.order.price.toString(),
      orders: (at?.orders ?? 0) + 1,
    });
  }
  return [...levels.values()];
}

export class MarketBookReader {
  constructor(
    private readonly store: EventStore,
    private readonly pageSize: number,
  ) {}

  /** The book of `collection` (lower-case address) as of `block`, or now without one. */
  async bookAt(collection: string, block?: bigint): Promise<MarketBookAsOf> {
    const stream = `${MARKET_CATEGORY}-${collection}`;
    let state: MarketState = marketAggregate.decider.initialState;
    let last: RecordedEvent | null = null;
    let next: { position: string; type: string; block: string } | null = null;
    let observed: bigint | null = null;
    let from = 0n;
    read: for (;;) {
      const page = await this.store.readStream(stream, {
        fromRevision: from,
        maxCount: this.pageSize,
      });
      for (const e of page) {
        const carried = carriedBlock(e);
        if (block !== undefined && carried !== null && carried > block) {
          next = { position: e.position.toString(), type: e.type, block: carried.toString() };
          break read;
        }
        state = marketAggregate.decider.evolve(state, marketAggregate.codec.decode(e));
        if (carried !== null && (observed === null || carried > observed)) observed = carried;
        last = e;
      }
      if (page.length < this.pageSize) break;
      from = page[page.length - 1]!.revision + 1n;
    }
    const resting = [...state.orders.values()].filter((o) => RESTING.has(o.status));
    const asks = resting.filter((o) => o.order.kind === OrderKind.Ask).sort(byPrice(1));
    const bids = resting.filter((o) => o.order.kind !== OrderKind.Ask).sort(byPrice(-1));
    return {
      collection,
      asOf: {
        block: block?.toString() ?? null,
        observedBlock: observed?.toString() ?? null,
        position: last?.position.toString() ?? null,
        revision: last?.revision.toString() ?? null,
        recordedAt: last?.recordedAt.toISOString() ?? null,
        next,
      },
      asks: asks.map(orderJson),
      bids: bids.map(orderJson),
      depth: { asks: depth(asks), bids: depth(bids) },
    };
  }
}
