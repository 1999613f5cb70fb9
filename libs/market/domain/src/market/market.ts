// The market of one collection: every order on it, what the chain last said about the things
// that make an order fillable (token owners and approvals, makers' ledger balances, counters,
// nonces), the protocol fee, and the trades matched but not yet settled. One aggregate, one
// stream (`market-<collection>`), so matching is single-writer per collection through the
// store's expected revision: two gateway instances can never match one order twice.
//
// An order's status is derived, never stored as a free choice: `statusOf` reads the order and
// the observations, and `decide` announces every change with `OrderStatusChanged` so read
// models need not re-derive it. Observations are absolute values at a block (the application
// re-reads the chain when a fact arrives, reorg retractions included), so a late or repeated
// observation can never move the state backwards.
import type { Address, OrderHash } from '@atelier/kernel';
import {
  ListIndex,
  NonceMap,
  SortedIndex,
  type HashIndex,
  type MapLike,
  type NonceMapLike,
  type RankedIndex,
} from './book';
import {
  fundsKey,
  isAsk,
  OrderKind,
  tokenKey,
  type Hex,
  type Order,
  type SignedOrder,
} from './order';
import type { AskSplit, TradeSplit } from './split';
import { skipEffects, type SkipReason } from './skip-reasons';

/*//////////////////////////////////////////////////////////////
                            STATUSES
//////////////////////////////////////////////////////////////*/

export const ORDER_STATUSES = [
  'fillable',
  'no-balance',
  'no-approval',
  'not-owner',
  'reserved',
  'filled',
  'cancelled',
  'cancelled-off-chain',
  'replaced',
  'void',
  'expired',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Statuses an order can leave again when funds, approval or ownership change. */
export const LIVE_STATUSES: readonly OrderStatus[] = [
  'fillable',
  'no-balance',
  'no-approval',
  'not-owner',
];

/** Why an order can never trade again, whatever the chain does next. */
export type ClosedReason = 'cancelled-off-chain' | 'replaced' | 'expired' | 'void' | 'cancelled';

/*//////////////////////////////////////////////////////////////
                              STATE
//////////////////////////////////////////////////////////////*/

export interface BookOrder extends SignedOrder {
  /** Arrival order in this market: time priority among equal prices. */
  readonly seq: number;
  readonly acceptedAt: string;
  readonly status: OrderStatus;
  readonly reason: string | null;
  /** Asks only: royalty and contributor shares at the ask's price (the trade price). */
  readonly split: AskSplit | null;
  /** The trade holding this order while reserved, and the one that filled it once settled. */
  readonly tradeId: string | null;
  readonly closed: { readonly reason: ClosedReason; readonly detail: string } | null;
  /** Set when a trade of ours or a direct fill used this order's nonce. */
  readonly filled: boolean;
}

export interface TokenState {
  readonly owner: Address;
  /** The Marketplace may move the token: `getApproved` or `isApprovedForAll` of the owner. */
  readonly approved: boolean;
  readonly block: bigint;
  /** The contract refused a sale of it since (`SellerNotOwner`, `ItemNotApproved`): believed
   *  until the next observation, which re-reads the chain. */
  readonly verdict: 'not-owner' | 'no-approval' | null;
}

export interface FundsState {
  /** `balanceOf(maker, currency)` on the Marketplace ledger at `block`. */
  readonly balance: bigint;
  /** What trades matched in other markets and not yet settled hold of it. */
  readonly reservedElsewhere: bigint;
  readonly block: bigint;
  /** Our settled trades not yet reflected in the observed balance. */
  readonly debits: readonly {
    readonly tradeId: string;
    readonly block: bigint;
    readonly amount: bigint;
  }[];
  /** The contract found the buyer unfunded: trust nothing until the next observation. */
  readonly stale: boolean;
}

export interface NonceUse {
  readonly state: 'filled' | 'cancelled';
  readonly block: bigint;
}

export interface PendingTrade {
  readonly tradeId: string;
  readonly askHash: OrderHash;
  readonly bidHash: OrderHash;
  readonly buyer: Address;
  readonly seller: Address;
  readonly currency: Address;
  readonly tokenId: bigint;
  readonly price: bigint;
  readonly matchedAt: string;
  /** Set once the chain's `TradeSettled` for it is observed. */
  readonly settled: { readonly transactionHash: Hex; readonly block: bigint } | null;
}

export interface MarketMaps {
  orders: MapLike<OrderHash, BookOrder>;
  /** Orders whose status is 'fillable', read through `orders` (derived, never stored apart). */
  fillable: FillableView;
  /** The newest order holding each maker's nonce. */
  nonceHolder: NonceMapLike<OrderHash>;
  /** What the chain says of a maker's nonce, when it is used or cancelled. */
  nonces: NonceMapLike<NonceUse>;
  counters: MapLike<Address, { readonly counter: bigint; readonly block: bigint }>;
  tokens: MapLike<string, TokenState>;
  funds: MapLike<string, FundsState>;
  /** What this market's pending trades hold of each (buyer, currency). */
  reserved: MapLike<string, bigint>;
  trades: MapLike<string, PendingTrade>;
  /** Signed off-chain cancels taken (by cancel id), so a replay is refused. */
  cancels: MapLike<string, true>;
  /** Every order not closed for good, by maker: what a balance, counter or trade can change. */
  byMaker: HashIndex<Address>;
  /** Asks and token bids not closed for good, by token id (decimal). */
  byToken: HashIndex<string>;
  /** Collection bids not closed for good (one key). */
  collectionBids: HashIndex<'all'>;
  /** Fillable asks, cheapest then earliest: by token id (decimal) and all under `ANY_TOKEN`. */
  askRanks: RankedIndex<string>;
  /** Fillable bids, dearest then earliest: token bids by token id, collection bids under
   *  `ANY_TOKEN`. */
  bidRanks: RankedIndex<string>;
  /** Fillable bids, dearest first, by (maker, currency) (see `fundsKey`): the bids a fall in that
   *  balance can leave unfunded. */
  bidsByFunds: RankedIndex<string>;
}

/**
 * The fillable orders as a read-only map over `orders`: a second map kept beside it cost every
 * status change a write to each, and its only readers (a first fee, the CLI's book) scan.
 */
export class FillableView {
  constructor(private readonly orders: MapLike<OrderHash, BookOrder>) {}

  get(hash: OrderHash): BookOrder | undefined {
    const o = this.orders.get(hash);
    return o?.status === 'fillable' ? o : undefined;
  }

  has(hash: OrderHash): boolean {
    return this.get(hash) !== undefined;
  }

  *values(): Iterable<BookOrder> {
    for (const o of this.orders.values()) if (o.status === 'fillable') yield o;
  }
}

/** The ranked indexes' key for every token: all asks, or the collection bids. */
export const ANY_TOKEN = '*';

export interface MarketState extends MarketMaps {
  collection: Address | null;
  fee: { readonly recipient: Address | null; readonly bps: number; readonly block: bigint } | null;
  nextSeq: number;
  nextTrade: number;
}

export function emptyMarket(): MarketState {
  const orders = new Map<OrderHash, BookOrder>();
  return {
    collection: null,
    fee: null,
    nextSeq: 1,
    nextTrade: 1,
    orders,
    fillable: new FillableView(orders),
    nonceHolder: new NonceMap(),
    nonces: new NonceMap(),
    counters: new Map(),
    tokens: new Map(),
    funds: new Map(),
    reserved: new Map(),
    trades: new Map(),
    cancels: new Map(),
    byMaker: new ListIndex(),
    byToken: new ListIndex(),
    collectionBids: new ListIndex(),
    askRanks: new SortedIndex(false),
    bidRanks: new SortedIndex(true),
    bidsByFunds: new SortedIndex(true),
  };
}

/**
 * A copy that folding into leaves `state` as it was (orders are immutable values; the maps and
 * indexes are copied). O(size): for batches, not per event.
 */
export function cloneMarket(state: MarketState): MarketState {
  const copy = <K, V>(m: MapLike<K, V>) => new Map(m as unknown as Map<K, V>);
  const idx = <K>(i: HashIndex<K>) => {
    if (!(i instanceof ListIndex))
      throw new Error('cloneMarket: a folded state has ListIndex indexes');
    return (i as ListIndex<K>).clone();
  };
  const ranks = <K>(i: RankedIndex<K>) => {
    if (!(i instanceof SortedIndex))
      throw new Error('cloneMarket: a folded state has SortedIndex indexes');
    return (i as SortedIndex<K>).clone();
  };
  const nonceMap = <V>(m: NonceMapLike<V>) => {
    if (!(m instanceof NonceMap)) throw new Error('cloneMarket: a folded state has NonceMaps');
    return m as NonceMap<V>;
  };
  const orders = copy(state.orders);
  return {
    collection: state.collection,
    fee: state.fee,
    nextSeq: state.nextSeq,
    nextTrade: state.nextTrade,
    orders,
    fillable: new FillableView(orders),
    nonceHolder: nonceMap(state.nonceHolder).clone(),
    nonces: nonceMap(state.nonces).clone(),
    counters: copy(state.counters),
    tokens: copy(state.tokens),
    funds: copy(state.funds),
    reserved: copy(state.reserved),
    trades: copy(state.trades),
    cancels: copy(state.cancels),
    byMaker: idx(state.byMaker),
    byToken: idx(state.byToken),
    collectionBids: idx(state.collectionBids),
    askRanks: ranks(state.askRanks),
    bidRanks: ranks(state.bidRanks),
    bidsByFunds: ranks(state.bidsByFunds),
  };
}

/*//////////////////////////////////////////////////////////////
                              EVENTS
//////////////////////////////////////////////////////////////*/

export type MarketEvent =
  | {
      readonly type: 'OrderAccepted';
      readonly data: {
        readonly collection: Address;
        readonly hash: OrderHash;
        readonly order: Order;
        readonly signature: Hex;
        readonly seq: number;
        readonly acceptedAt: string;
        readonly status: OrderStatus;
        readonly reason: string | null;
        readonly split: AskSplit | null;
      };
    }
  | {
      readonly type: 'OrderStatusChanged';
      readonly data: {
        readonly hash: OrderHash;
        readonly from: OrderStatus;
        readonly status: OrderStatus;
        readonly reason: string | null;
        readonly at: string;
      };
    }
  | {
      readonly type: 'CancelRecorded';
      readonly data: {
        readonly cancelId: string;
        readonly maker: Address;
        readonly hashes: readonly OrderHash[];
        readonly at: string;
      };
    }
  | {
      readonly type: 'TokenObserved';
      readonly data: {
        readonly tokenId: bigint;
        readonly owner: Address;
        readonly approved: boolean;
        readonly block: bigint;
      };
    }
  | {
      readonly type: 'FundsObserved';
      readonly data: {
        readonly maker: Address;
        readonly currency: Address;
        readonly balance: bigint;
        readonly reservedElsewhere: bigint;
        readonly block: bigint;
      };
    }
  | {
      readonly type: 'CounterObserved';
      readonly data: { readonly maker: Address; readonly counter: bigint; readonly block: bigint };
    }
  | {
      readonly type: 'NonceObserved';
      readonly data: {
        readonly maker: Address;
        readonly nonce: bigint;
        readonly state: 'open' | 'filled' | 'cancelled';
        /** The order whose fill used the nonce, when known (a direct fill of one of ours). */
        readonly filledBy: OrderHash | null;
        readonly block: bigint;
      };
    }
  | {
      readonly type: 'ProtocolFeeObserved';
      readonly data: {
        readonly recipient: Address | null;
        readonly bps: number;
        readonly block: bigint;
      };
    }
  | {
      readonly type: 'TradeMatched';
      readonly data: {
        readonly tradeId: string;
        readonly collection: Address;
        readonly tokenId: bigint;
        readonly currency: Address;
        readonly price: bigint;
        readonly seller: Address;
        readonly buyer: Address;
        readonly ask: SignedOrder;
        readonly bid: SignedOrder;
        readonly split: TradeSplit;
        readonly matchedAt: string;
      };
    }
  | {
      readonly type: 'TradeSettled';
      readonly data: {
        readonly tradeId: string;
        readonly transactionHash: Hex;
        readonly block: bigint;
        readonly at: string;
      };
    }
  | {
      readonly type: 'TradeUnsettled';
      readonly data: { readonly tradeId: string; readonly reason: string; readonly at: string };
    }
  | {
      readonly type: 'TradeReleased';
      readonly data: { readonly tradeId: string; readonly reason: SkipReason; readonly at: string };
    };

export type MarketEventType = MarketEvent['type'];

/*//////////////////////////////////////////////////////////////
                         DERIVED VALUES
//////////////////////////////////////////////////////////////*/

/** The (maker, currency) balance this market may still spend: observed, less every hold on it. */
export function freeFunds(state: MarketMaps, maker: Address, currency: Address): bigint | null {
  const key = fundsKey(maker, currency);
  const funds = state.funds.get(key);
  if (!funds || funds.stale) return null;
  let debited = 0n;
  for (let i = 0; i < funds.debits.length; i++) debited += funds.debits[i]!.amount;
  return funds.balance - debited - funds.reservedElsewhere - (state.reserved.get(key) ?? 0n);
}

/** An order's derived status and why (null: nothing more to say). */
export interface DerivedStatus {
  readonly status: OrderStatus;
  readonly reason: string | null;
}

// The answers without a reason that varies, made once: a submit derives a status for every
// order, and a fresh object each time is garbage the collector must sweep.
const FILLABLE: DerivedStatus = { status: 'fillable', reason: null };
const FILLED: DerivedStatus = { status: 'filled', reason: null };
const NOT_OWNER: DerivedStatus = { status: 'not-owner', reason: null };
const OWNER_UNKNOWN: DerivedStatus = { status: 'not-owner', reason: 'token owner unknown' };
const NO_APPROVAL: DerivedStatus = { status: 'no-approval', reason: null };
const NO_BALANCE: DerivedStatus = { status: 'no-balance', reason: null };
const BALANCE_UNKNOWN: DerivedStatus = { status: 'no-balance', reason: 'balance unknown' };
const NONCE_CANCELLED: DerivedStatus = { status: 'cancelled', reason: 'nonce cancelled on chain' };
const NONCE_USED: DerivedStatus = { status: 'void', reason: 'nonce used by another order' };

/** What the order's status should be now, from the order and the observations. */
export function statusOf(state: MarketMaps, o: BookOrder): DerivedStatus {
  if (o.filled) return FILLED;
  if (o.tradeId !== null) return { status: 'reserved', reason: `trade ${o.tradeId}` };
  if (o.closed) return { status: o.closed.reason, reason: o.closed.detail };
  return liveStatusOf(
    state,
    o.order,
    state.nonces.get(o.order.maker, o.order.nonce),
    state.counters.get(o.order.maker),
  );
}

/**
 * `statusOf` for an order neither filled, reserved nor closed, given what the state holds for
 * its nonce and its maker's counter (a submit has just read both).
 */
export function liveStatusOf(
  state: MarketMaps,
  order: Order,
  used: NonceUse | undefined,
  counter: { readonly counter: bigint } | undefined,
): DerivedStatus {
  if (used?.state === 'cancelled') return NONCE_CANCELLED;
  if (used?.state === 'filled') return NONCE_USED;
  if (counter && counter.counter > order.counter)
    return { status: 'void', reason: `maker counter raised to ${counter.counter}` };
  if (isAsk(order)) {
    const token = state.tokens.get(tokenKey(order.tokenId));
    if (!token) return OWNER_UNKNOWN;
    if (token.verdict) return { status: token.verdict, reason: 'refused by the contract' };
    if (token.owner !== order.maker) return NOT_OWNER;
    if (!token.approved) return NO_APPROVAL;
    return FILLABLE;
  }
  const free = freeFunds(state, order.maker, order.currency);
  if (free === null) return BALANCE_UNKNOWN;
  if (free < order.price) return NO_BALANCE;
  return FILLABLE;
}

/*//////////////////////////////////////////////////////////////
                             EVOLVE
//////////////////////////////////////////////////////////////*/

const CLOSING_STATUSES: ReadonlySet<OrderStatus> = new Set([
  'cancelled-off-chain',
  'replaced',
  'expired',
]);

function putOrder(state: MarketMaps, o: BookOrder): void {
  const was = state.orders.get(o.hash)?.status === 'fillable';
  state.orders.set(o.hash, o);
  if (o.status === 'fillable') {
    if (!was) rank(state, o, 'add');
  } else if (was) rank(state, o, 'remove');
  if (o.closed) index(state, o, 'remove');
}

/** Adds a fillable order to (or removes it from) the ranked indexes matching scans. */
function rank(state: MarketMaps, o: BookOrder, op: 'add' | 'remove'): void {
  if (o.order.kind === OrderKind.Ask) {
    state.askRanks[op](tokenKey(o.order.tokenId), o);
    state.askRanks[op](ANY_TOKEN, o);
    return;
  }
  if (o.order.kind === OrderKind.TokenBid) state.bidRanks[op](tokenKey(o.order.tokenId), o);
  else state.bidRanks[op](ANY_TOKEN, o);
  state.bidsByFunds[op](fundsKey(o.order.maker, o.order.currency), o);
}

/** Adds an order to (or removes it from) the indexes that find it. */
function index(state: MarketMaps, o: SignedOrder, op: 'add' | 'remove'): void {
  state.byMaker[op](o.order.maker, o.hash);
  if (o.order.kind === OrderKind.CollectionBid) state.collectionBids[op]('all', o.hash);
  else state.byToken[op](tokenKey(o.order.tokenId), o.hash);
}

function addReserved(state: MarketMaps, buyer: Address, currency: Address, amount: bigint): void {
  const key = fundsKey(buyer, currency);
  const next = (state.reserved.get(key) ?? 0n) + amount;
  if (next === 0n) state.reserved.delete(key);
  else state.reserved.set(key, next);
}

function patchOrder(state: MarketMaps, hash: OrderHash, patch: Partial<BookOrder>): void {
  const o = state.orders.get(hash);
  if (o) putOrder(state, { ...o, ...patch });
}

/** Folds one event into `state`, in place (see book.ts for why), and returns it. */
export function applyEvent<S extends MarketState>(state: S, event: MarketEvent): S {
  switch (event.type) {
    case 'OrderAccepted': {
      const d = event.data;
      state.collection ??= d.collection;
      putOrder(state, {
        hash: d.hash,
        order: d.order,
        signature: d.signature,
        seq: d.seq,
        acceptedAt: d.acceptedAt,
        status: d.status,
        reason: d.reason,
        split: d.split,
        tradeId: null,
        closed: null,
        filled: false,
      });
      state.nonceHolder.set(d.order.maker, d.order.nonce, d.hash);
      index(state, d, 'add');
      state.nextSeq = Math.max(state.nextSeq, d.seq + 1);
      return state;
    }
    case 'OrderStatusChanged': {
      const d = event.data;
      const o = state.orders.get(d.hash);
      if (!o) return state;
      const closed = CLOSING_STATUSES.has(d.status)
        ? { reason: d.status as ClosedReason, detail: d.reason ?? d.status }
        : o.closed;
      putOrder(state, { ...o, status: d.status, reason: d.reason, closed });
      return state;
    }
    case 'CancelRecorded':
      state.cancels.set(event.data.cancelId, true);
      return state;
    case 'TokenObserved': {
      const { tokenId, owner, approved, block } = event.data;
      state.tokens.set(tokenKey(tokenId), { owner, approved, block, verdict: null });
      return state;
    }
    case 'FundsObserved': {
      const d = event.data;
      const key = fundsKey(d.maker, d.currency);
      const before = state.funds.get(key);
      state.funds.set(key, {
        balance: d.balance,
        reservedElsewhere: d.reservedElsewhere,
        block: d.block,
        debits: (before?.debits ?? []).filter((x) => x.block > d.block),
        stale: false,
      });
      return state;
    }
    case 'CounterObserved':
      state.counters.set(event.data.maker, {
        counter: event.data.counter,
        block: event.data.block,
      });
      return state;
    case 'NonceObserved': {
      const d = event.data;
      if (d.state === 'open') state.nonces.delete(d.maker, d.nonce);
      else state.nonces.set(d.maker, d.nonce, { state: d.state, block: d.block });
      if (d.filledBy) patchOrder(state, d.filledBy, { filled: d.state === 'filled' });
      // The nonce is open again (a direct fill's block was reorged out): the order it filled
      // trades again. An order filled by one of our trades waits for TradeUnsettled instead.
      const holder = d.state === 'open' ? state.nonceHolder.get(d.maker, d.nonce) : undefined;
      const o = holder ? state.orders.get(holder) : undefined;
      if (o?.filled && o.tradeId === null) putOrder(state, { ...o, filled: false });
      return state;
    }
    case 'ProtocolFeeObserved':
      state.fee = { recipient: event.data.recipient, bps: event.data.bps, block: event.data.block };
      return state;
    case 'TradeMatched': {
      const d = event.data;
      state.trades.set(d.tradeId, {
        tradeId: d.tradeId,
        askHash: d.ask.hash,
        bidHash: d.bid.hash,
        buyer: d.buyer,
        seller: d.seller,
        currency: d.currency,
        tokenId: d.tokenId,
        price: d.price,
        matchedAt: d.matchedAt,
        settled: null,
      });
      const reason = `trade ${d.tradeId}`;
      patchOrder(state, d.ask.hash, { tradeId: d.tradeId, status: 'reserved', reason });
      patchOrder(state, d.bid.hash, { tradeId: d.tradeId, status: 'reserved', reason });
      addReserved(state, d.buyer, d.currency, d.price);
      state.nextTrade = Math.max(state.nextTrade, tradeNumber(d.tradeId) + 1);
      return state;
    }
    case 'TradeSettled': {
      const d = event.data;
      const trade = state.trades.get(d.tradeId);
      if (!trade || trade.settled) return state;
      state.trades.set(d.tradeId, {
        ...trade,
        settled: { transactionHash: d.transactionHash, block: d.block },
      });
      addReserved(state, trade.buyer, trade.currency, -trade.price);
      const key = fundsKey(trade.buyer, trade.currency);
      const funds = state.funds.get(key);
      if (funds && funds.block < d.block)
        state.funds.set(key, {
          ...funds,
          debits: [
            ...funds.debits,
            { tradeId: trade.tradeId, block: d.block, amount: trade.price },
          ],
        });
      // The token went to the buyer in that block (until an observation says more).
      const tokenAt = tokenKey(trade.tokenId);
      const token = state.tokens.get(tokenAt);
      if (!token || token.block < d.block)
        state.tokens.set(tokenAt, {
          owner: trade.buyer,
          approved: false,
          block: d.block,
          verdict: null,
        });
      for (const hash of [trade.askHash, trade.bidHash]) {
        const o = state.orders.get(hash);
        if (!o) continue;
        state.nonces.set(o.order.maker, o.order.nonce, { state: 'filled', block: d.block });
        // tradeId stays: it tells a fill by our trade from a direct fill (see NonceObserved).
        putOrder(state, { ...o, filled: true, status: 'filled', reason: null });
      }
      return state;
    }
    case 'TradeUnsettled': {
      const trade = state.trades.get(event.data.tradeId);
      if (!trade?.settled) return state;
      state.trades.set(trade.tradeId, { ...trade, settled: null });
      addReserved(state, trade.buyer, trade.currency, trade.price);
      const key = fundsKey(trade.buyer, trade.currency);
      const funds = state.funds.get(key);
      if (funds)
        state.funds.set(key, {
          ...funds,
          debits: funds.debits.filter((x) => x.tradeId !== trade.tradeId),
        });
      const reason = `trade ${trade.tradeId}`;
      for (const hash of [trade.askHash, trade.bidHash]) {
        const o = state.orders.get(hash);
        if (!o) continue;
        state.nonces.delete(o.order.maker, o.order.nonce);
        putOrder(state, {
          ...o,
          tradeId: trade.tradeId,
          filled: false,
          status: 'reserved',
          reason,
        });
      }
      return state;
    }
    case 'TradeReleased': {
      const d = event.data;
      const trade = state.trades.get(d.tradeId);
      if (!trade || trade.settled) return state;
      state.trades.delete(d.tradeId);
      addReserved(state, trade.buyer, trade.currency, -trade.price);
      const effects = skipEffects(d.reason);
      for (const [hash, effect] of [
        [trade.askHash, effects.ask],
        [trade.bidHash, effects.bid],
      ] as const) {
        const o = state.orders.get(hash);
        if (!o) continue;
        // The status stays 'reserved' until decide's OrderStatusChanged says what it is now.
        putOrder(state, {
          ...o,
          tradeId: null,
          closed: effect.close ? { reason: effect.close, detail: d.reason } : o.closed,
        });
        if (effect.token) {
          const key = tokenKey(o.order.tokenId);
          const token = state.tokens.get(key);
          if (token) state.tokens.set(key, { ...token, verdict: effect.token });
        }
        if (effect.unfunded) {
          const key = fundsKey(o.order.maker, o.order.currency);
          const funds = state.funds.get(key);
          if (funds) state.funds.set(key, { ...funds, stale: true });
        }
      }
      return state;
    }
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

/** Trade ids are `<collection>:<n>`, numbered per market. */
export const tradeIdOf = (collection: Address, n: number): string => `${collection}:${n}`;
const tradeNumber = (tradeId: string): number =>
  Number(tradeId.slice(tradeId.lastIndexOf(':') + 1));
