// The market's commands and how each is decided. Every decision runs on a draft (an overlay of
// the state, see book.ts): it applies the observations the command brings, then the command's
// own events, then announces every order whose derived status changed, then matches every order
// that became fillable, in arrival order. What the draft saw is exactly what `evolve` will see
// when the events are folded, so deciding and folding cannot disagree.
import {
  domainError,
  err,
  ok,
  type Address,
  type DomainError,
  type OrderHash,
  type Result,
} from '@atelier/kernel';
import type { Decider } from '@atelier/eventsourcing';
import {
  IndexOverlay,
  keepSmall,
  NonceMapOverlay,
  Overlay,
  RankedOverlay,
  SKIP,
  STOP,
  type MapLike,
} from './book';
import { bestCounterparty } from './matching';
import {
  applyEvent,
  emptyMarket,
  FillableView,
  freeFunds,
  liveStatusOf,
  statusOf,
  tradeIdOf,
  type BookOrder,
  type FundsState,
  type MarketEvent,
  type MarketState,
  type NonceUse,
  type OrderStatus,
  type PendingTrade,
  type TokenState,
} from './market';
import { fundsKey, isAsk, orderFieldProblem, tokenKey, type Hex, type SignedOrder } from './order';
import type { SkipReason } from './skip-reasons';
import { askSplit, tradeSplit, type RoyaltyTerms } from './split';

/*//////////////////////////////////////////////////////////////
                            COMMANDS
//////////////////////////////////////////////////////////////*/

/** Chain state read at a block (the application reads it; the decider only compares blocks). */
export interface Observations {
  readonly tokens?: readonly {
    readonly tokenId: bigint;
    readonly owner: Address;
    readonly approved: boolean;
    readonly block: bigint;
  }[];
  readonly funds?: readonly {
    readonly maker: Address;
    readonly currency: Address;
    readonly balance: bigint;
    readonly reservedElsewhere?: bigint;
    readonly block: bigint;
  }[];
  readonly counters?: readonly {
    readonly maker: Address;
    readonly counter: bigint;
    readonly block: bigint;
  }[];
  readonly nonces?: readonly {
    readonly maker: Address;
    readonly nonce: bigint;
    readonly state: 'open' | 'filled' | 'cancelled';
    readonly filledBy?: OrderHash | null;
    readonly block: bigint;
  }[];
  readonly fee?: {
    readonly recipient: Address | null;
    readonly bps: number;
    readonly block: bigint;
  };
  /**
   * Read after a reorg retracted facts: the chain may now be shorter than the block of an
   * earlier observation made on the dropped branch, so these win whatever their block.
   */
  readonly afterReorg?: boolean;
}

export type MarketCommand =
  | {
      readonly type: 'SubmitOrder';
      readonly collection: Address;
      readonly order: SignedOrder;
      /** Asks: the royalty terms of the token (immutable for Atelier works). */
      readonly royalty: RoyaltyTerms | null;
      readonly observed: Observations;
      /** Refuse (NOT_OWNER, NOT_APPROVED, INSUFFICIENT_BALANCE) rather than accept an order the
       *  chain does not back now. Intake sets it; an order accepted later loses and regains
       *  fillability without ever being removed. */
      readonly requireFillable?: boolean;
      /** Unix seconds, and the same instant as ISO-8601 for the events. */
      readonly now: bigint;
      readonly at: string;
    }
  | {
      readonly type: 'CancelOrders';
      /** The signed cancel message's hash: a cancel is taken once (a replay is refused). */
      readonly cancelId: string;
      readonly maker: Address;
      readonly hashes: readonly OrderHash[];
      readonly now: bigint;
      readonly at: string;
    }
  | {
      readonly type: 'Observe';
      readonly observed: Observations;
      readonly now: bigint;
      readonly at: string;
    }
  | {
      readonly type: 'SettleTrade';
      readonly askHash: OrderHash;
      readonly bidHash: OrderHash;
      readonly transactionHash: Hex;
      readonly block: bigint;
      readonly now: bigint;
      readonly at: string;
    }
  | {
      /** The block holding the settlement left the canonical chain. */
      readonly type: 'UnsettleTrade';
      readonly askHash: OrderHash;
      readonly bidHash: OrderHash;
      readonly now: bigint;
      readonly at: string;
    }
  | {
      readonly type: 'ReleaseTrade';
      readonly tradeId: string;
      readonly reason: SkipReason;
      readonly now: bigint;
      readonly at: string;
    }
  | {
      /** Time passed: expire what is past its expiry, match what just started. */
      readonly type: 'Tick';
      readonly now: bigint;
      readonly at: string;
    };

export type MarketErrorCode =
  | 'ORDER.INVALID'
  | 'ORDER.OUT_OF_RANGE'
  | 'ORDER.WRONG_MARKET'
  | 'ORDER.EXPIRED'
  | 'ORDER.NONCE_USED'
  | 'ORDER.NONCE_RESERVED'
  | 'ORDER.COUNTER_STALE'
  | 'ORDER.COUNTER_AHEAD'
  | 'ORDER.ROYALTY_TERMS_MISSING'
  | 'ORDER.DUPLICATE'
  | 'ORDER.NOT_OWNER'
  | 'ORDER.NOT_APPROVED'
  | 'ORDER.INSUFFICIENT_BALANCE'
  | 'CANCEL.REPLAYED'
  | 'TRADE.UNKNOWN';

export type MarketError = DomainError<MarketErrorCode>;

const refuse = (
  code: MarketErrorCode,
  message: string,
  details?: Readonly<Record<string, unknown>>,
): Result<never, MarketError> => err(domainError(code, message, details));

/*//////////////////////////////////////////////////////////////
                             DRAFT
//////////////////////////////////////////////////////////////*/

const over = <K, V>(m: MapLike<K, V>): Overlay<K, V> =>
  new Overlay<K, V>(m as unknown as ReadonlyMap<K, V>);

/** An overlay made earlier, drafting afresh over `m`. */
const rebase = <K, V>(o: Overlay<K, V> | undefined, m: MapLike<K, V>): void =>
  o?.reset(m as unknown as ReadonlyMap<K, V>);

/** The draft a decision made (decisions are synchronous: one at a time). */
const lastDraft = {
  value: undefined as Draft | undefined,
  take(): Draft | undefined {
    const d = this.value;
    this.value = undefined;
    return d;
  },
};

/**
 * A draft done with — folded, or its decision refused or never remembered — kept for the next
 * decision: its state and overlays are made once, not per command. Never one whose events may
 * still be written through (those are the caller's, and a restart makes a new list anyway).
 * Until that next decision it still reads through to the last state decided on, as the
 * remembered decision did before it (one state at most, let go at the next decision).
 */
let spareDraft: Draft | undefined;

/** A draft over `base`: the spare one restarted, or a new one. */
function draftOver(base: MarketState): Draft {
  const d = spareDraft;
  if (d === undefined) return new Draft(base);
  spareDraft = undefined;
  d.restart(base);
  return d;
}

/**
 * The state a decision drafts on: each map and index an overlay of the base's, made on first
 * use (a submit touches about half of them), so a decision allocates only what it reads or
 * writes and commits only what it made.
 */
class DraftState implements MarketState {
  collection: Address | null;
  fee: MarketState['fee'];
  nextSeq: number;
  nextTrade: number;
  #orders: Overlay<OrderHash, BookOrder> | undefined;
  #fillable: FillableView | undefined;
  #nonceHolder: NonceMapOverlay<OrderHash> | undefined;
  #nonces: NonceMapOverlay<NonceUse> | undefined;
  #counters: Overlay<Address, { readonly counter: bigint; readonly block: bigint }> | undefined;
  #tokens: Overlay<string, TokenState> | undefined;
  #funds: Overlay<string, FundsState> | undefined;
  #reserved: Overlay<string, bigint> | undefined;
  #trades: Overlay<string, PendingTrade> | undefined;
  #cancels: Overlay<string, true> | undefined;
  #byMaker: IndexOverlay<Address> | undefined;
  #byToken: IndexOverlay<string> | undefined;
  #collectionBids: IndexOverlay<'all'> | undefined;
  #askRanks: RankedOverlay<string> | undefined;
  #bidRanks: RankedOverlay<string> | undefined;
  #bidsByFunds: RankedOverlay<string> | undefined;

  constructor(private base: MarketState) {
    this.collection = base.collection;
    this.fee = base.fee;
    this.nextSeq = base.nextSeq;
    this.nextTrade = base.nextTrade;
  }

  /**
   * Drafts afresh over `base`: every overlay made so far forgets its writes and reads through
   * to `base`'s map (made again on first use, as in a new draft, is the same; kept, it is one
   * allocation less per map per decision).
   */
  reset(base: MarketState): void {
    this.base = base;
    this.collection = base.collection;
    this.fee = base.fee;
    this.nextSeq = base.nextSeq;
    this.nextTrade = base.nextTrade;
    rebase(this.#orders, base.orders);
    this.#nonceHolder?.reset(base.nonceHolder);
    this.#nonces?.reset(base.nonces);
    rebase(this.#counters, base.counters);
    rebase(this.#tokens, base.tokens);
    rebase(this.#funds, base.funds);
    rebase(this.#reserved, base.reserved);
    rebase(this.#trades, base.trades);
    rebase(this.#cancels, base.cancels);
    this.#byMaker?.reset(base.byMaker);
    this.#byToken?.reset(base.byToken);
    this.#collectionBids?.reset(base.collectionBids);
    this.#askRanks?.reset(base.askRanks);
    this.#bidRanks?.reset(base.bidRanks);
    this.#bidsByFunds?.reset(base.bidsByFunds);
  }

  get orders(): Overlay<OrderHash, BookOrder> {
    return (this.#orders ??= over(this.base.orders));
  }
  get fillable(): FillableView {
    return (this.#fillable ??= new FillableView(this.orders));
  }
  get nonceHolder(): NonceMapOverlay<OrderHash> {
    return (this.#nonceHolder ??= new NonceMapOverlay(this.base.nonceHolder));
  }
  get nonces(): NonceMapOverlay<NonceUse> {
    return (this.#nonces ??= new NonceMapOverlay(this.base.nonces));
  }
  get counters(): Overlay<Address, { readonly counter: bigint; readonly block: bigint }> {
    return (this.#counters ??= over(this.base.counters));
  }
  get tokens(): Overlay<string, TokenState> {
    return (this.#tokens ??= over(this.base.tokens));
  }
  get funds(): Overlay<string, FundsState> {
    return (this.#funds ??= over(this.base.funds));
  }
  get reserved(): Overlay<string, bigint> {
    return (this.#reserved ??= over(this.base.reserved));
  }
  get trades(): Overlay<string, PendingTrade> {
    return (this.#trades ??= over(this.base.trades));
  }
  get cancels(): Overlay<string, true> {
    return (this.#cancels ??= over(this.base.cancels));
  }
  get byMaker(): IndexOverlay<Address> {
    return (this.#byMaker ??= new IndexOverlay(this.base.byMaker));
  }
  get byToken(): IndexOverlay<string> {
    return (this.#byToken ??= new IndexOverlay(this.base.byToken));
  }
  get collectionBids(): IndexOverlay<'all'> {
    return (this.#collectionBids ??= new IndexOverlay(this.base.collectionBids));
  }
  get askRanks(): RankedOverlay<string> {
    return (this.#askRanks ??= new RankedOverlay(this.base.askRanks, false));
  }
  get bidRanks(): RankedOverlay<string> {
    return (this.#bidRanks ??= new RankedOverlay(this.base.bidRanks, true));
  }
  get bidsByFunds(): RankedOverlay<string> {
    return (this.#bidsByFunds ??= new RankedOverlay(this.base.bidsByFunds, true));
  }

  /** Writes every overlay made into the base, then the scalars. */
  commitTo(target: MarketState): void {
    this.#orders?.commit();
    this.#nonceHolder?.commit();
    this.#nonces?.commit();
    this.#counters?.commit();
    this.#tokens?.commit();
    this.#funds?.commit();
    this.#reserved?.commit();
    this.#trades?.commit();
    this.#cancels?.commit();
    this.#byMaker?.commit();
    this.#byToken?.commit();
    this.#collectionBids?.commit();
    this.#askRanks?.commit();
    this.#bidRanks?.commit();
    this.#bidsByFunds?.commit();
    target.collection = this.collection;
    target.fee = this.fee;
    target.nextSeq = this.nextSeq;
    target.nextTrade = this.nextTrade;
  }
}

class Draft {
  /** Made to size on the first event (an empty array's first push reserves room for 17). */
  events: MarketEvent[] = [];
  readonly state: DraftState;
  /** Orders that became fillable in this decision, to be matched (may repeat): the first
   *  `marked` of the list, kept from one decision to the next. */
  private readonly toMatch: OrderHash[] = [];
  private marked = 0;

  constructor(base: MarketState) {
    lastDraft.value = this;
    this.state = new DraftState(base);
  }

  /** A new decision over `base` in this draft, done with (see `draftOver`). */
  restart(base: MarketState): void {
    lastDraft.value = this;
    this.events = [];
    this.marked = 0;
    keepSmall(this.toMatch);
    this.state.reset(base);
  }

  /**
   * Folds this decision into `target`, the state it was drafted over, by writing the overlays'
   * changes through: what `applyEvent` would do event by event, done once (see `evolveMarket`).
   */
  commitTo(target: MarketState): void {
    this.state.commitTo(target);
  }

  /** Orders a change to this maker's balances, counter or trades can concern. */
  ofMaker(maker: Address): Iterable<OrderHash> {
    return this.state.byMaker.get(maker);
  }

  /**
   * The maker's bids in `currency` that a fall of that balance to `free` can concern: fillable
   * ones priced above it (a no-balance bid stays so, and nothing else reads the balance).
   */
  bidsAbove(maker: Address, currency: Address, free: bigint | null): OrderHash[] {
    const found: OrderHash[] = [];
    this.state.bidsByFunds.best(
      fundsKey(maker, currency),
      (entry) => {
        if (free !== null && entry.order.price <= free) return STOP;
        found.push(entry.hash);
        return SKIP;
      },
      free === null ? undefined : free + 1n,
    );
    return found;
  }

  /** Orders a trade's settlement, reversal or release can concern. */
  *concerning(trade: PendingTrade): Iterable<OrderHash> {
    yield trade.askHash;
    yield trade.bidHash;
    yield* this.ofMaker(trade.buyer);
    yield* this.ofToken(trade.tokenId);
  }

  /** Orders a change to this token can concern (its asks and token bids). */
  ofToken(tokenId: bigint): Iterable<OrderHash> {
    return this.state.byToken.get(tokenKey(tokenId));
  }

  emit(event: MarketEvent): void {
    if (this.events.length === 0) this.events = [event];
    else this.events.push(event);
    applyEvent(this.state, event);
  }

  /** Applies what the chain says and returns the orders it can concern (may repeat). */
  observe(o: Observations): readonly OrderHash[] {
    // Apart, so a submit bringing nothing pays for none of the closures below.
    if (!o.tokens && !o.funds && !o.counters && !o.nonces && !o.fee) return NONE;
    return this.observeAll(o);
  }

  private observeAll(o: Observations): OrderHash[] {
    const touched: OrderHash[] = [];
    const s = this.state;
    /** Is what we hold from a later block than the reading (so the reading is stale)? */
    const older = (held: bigint, read: bigint) => !o.afterReorg && held > read;
    const touch = (hashes: Iterable<OrderHash>) => {
      for (const h of hashes) touched.push(h);
    };
    for (const t of o.tokens ?? []) {
      const cur = s.tokens.get(tokenKey(t.tokenId));
      if (
        cur &&
        (older(cur.block, t.block) ||
          (cur.owner === t.owner && cur.approved === t.approved && !cur.verdict))
      )
        continue;
      this.emit({ type: 'TokenObserved', data: { ...t } });
      touch(this.ofToken(t.tokenId));
    }
    for (const f of o.funds ?? []) {
      const cur = s.funds.get(fundsKey(f.maker, f.currency));
      const reservedElsewhere = f.reservedElsewhere ?? 0n;
      if (
        cur &&
        (older(cur.block, f.block) ||
          (cur.balance === f.balance &&
            cur.reservedElsewhere === reservedElsewhere &&
            cur.block === f.block &&
            !cur.stale))
      )
        continue;
      this.emit({
        type: 'FundsObserved',
        data: {
          maker: f.maker,
          currency: f.currency,
          balance: f.balance,
          reservedElsewhere,
          block: f.block,
        },
      });
      touch(this.ofMaker(f.maker));
    }
    for (const c of o.counters ?? []) {
      const cur = s.counters.get(c.maker);
      if (cur && (older(cur.block, c.block) || cur.counter === c.counter)) continue;
      this.emit({ type: 'CounterObserved', data: { ...c } });
      touch(this.ofMaker(c.maker));
    }
    for (const n of o.nonces ?? []) {
      const cur = s.nonces.get(n.maker, n.nonce);
      if (cur && older(cur.block, n.block)) continue;
      if ((cur?.state ?? 'open') === n.state && !n.filledBy) continue;
      this.emit({
        type: 'NonceObserved',
        data: {
          maker: n.maker,
          nonce: n.nonce,
          state: n.state,
          filledBy: n.filledBy ?? null,
          block: n.block,
        },
      });
      const holder = s.nonceHolder.get(n.maker, n.nonce);
      if (holder) touched.push(holder);
      if (n.filledBy) touched.push(n.filledBy);
    }
    if (o.fee) {
      const cur = s.fee;
      if (
        !cur ||
        (!older(cur.block, o.fee.block) &&
          (cur.recipient !== o.fee.recipient || cur.bps !== o.fee.bps))
      )
        this.emit({ type: 'ProtocolFeeObserved', data: { ...o.fee } });
    }
    return touched;
  }

  /** Announces each of `candidates` whose derived status differs from its recorded one. */
  reconcile(at: string, candidates: Iterable<OrderHash>): void {
    if (Array.isArray(candidates) && candidates.length === 0) return;
    const changes: { o: BookOrder; status: OrderStatus; reason: string | null }[] = [];
    const seen = new Set<OrderHash>();
    for (const hash of candidates) {
      if (seen.has(hash)) continue;
      seen.add(hash);
      const o = this.state.orders.get(hash);
      if (!o || (o.filled && o.status === 'filled')) continue;
      const next = statusOf(this.state, o);
      if (next.status !== o.status) changes.push({ o, ...next });
    }
    changes.sort((a, b) => a.o.seq - b.o.seq);
    for (const { o, status, reason } of changes) {
      this.emit({
        type: 'OrderStatusChanged',
        data: { hash: o.hash, from: o.status, status, reason, at },
      });
      if (status === 'fillable') this.markForMatching(o.hash);
    }
  }

  markForMatching(hash: OrderHash): void {
    this.toMatch[this.marked++] = hash;
  }

  /** Matches each order that became fillable, in arrival order, until none trades. */
  match(now: bigint, at: string): void {
    const fee = this.state.fee;
    const collection = this.state.collection;
    if (!fee || !collection) return;
    const n = this.marked;
    if (n === 0) return;
    // Taken out before matching, which marks the orders for the next round.
    this.marked = 0;
    if (n === 1) {
      // A submit's own order, usually: no list to sort.
      this.matchIncoming(this.toMatch[0]!, now, at, fee, collection);
    } else {
      const queue: BookOrder[] = [];
      for (let i = 0; i < n; i++) {
        const o = this.state.orders.get(this.toMatch[i]!);
        if (o !== undefined) queue.push(o);
      }
      queue.sort(bySeq);
      for (let i = 0; i < queue.length; i++) {
        // Marked twice: matched once (seq is unique, so repeats sort side by side).
        if (i > 0 && queue[i]!.seq === queue[i - 1]!.seq) continue;
        this.matchIncoming(queue[i]!.hash, now, at, fee, collection);
      }
    }
    if (this.marked > 0) this.match(now, at);
  }

  /** Trades `hash`, if still fillable, with its best counterparty, if any. */
  private matchIncoming(
    hash: OrderHash,
    now: bigint,
    at: string,
    fee: NonNullable<MarketState['fee']>,
    collection: Address,
  ): void {
    const incoming = this.state.orders.get(hash);
    if (!incoming || incoming.status !== 'fillable') return;
    const counterparty = bestCounterparty(this.state, incoming, now);
    if (!counterparty) return;
    const incomingIsAsk = isAsk(incoming.order);
    const ask = incomingIsAsk ? incoming : counterparty;
    const bid = incomingIsAsk ? counterparty : incoming;
    const price = ask.order.price;
    const tradeId = tradeIdOf(collection, this.state.nextTrade);
    this.emit({
      type: 'TradeMatched',
      data: {
        tradeId,
        collection,
        tokenId: ask.order.tokenId,
        currency: ask.order.currency,
        price,
        seller: ask.order.maker,
        buyer: bid.order.maker,
        ask: { hash: ask.hash, order: ask.order, signature: ask.signature },
        bid: { hash: bid.hash, order: bid.order, signature: bid.signature },
        split: tradeSplit(price, ask.split ?? askSplit(price, noRoyalty), fee),
        matchedAt: at,
      },
    });
    // The buyer's free balance fell: its other bids may no longer be covered.
    const { maker, currency } = bid.order;
    this.reconcile(at, this.bidsAbove(maker, currency, freeFunds(this.state, maker, currency)));
  }
}

/** No orders (shared: most submits bring no observation). */
const NONE: readonly OrderHash[] = [];

const bySeq = (a: BookOrder, b: BookOrder): number => a.seq - b.seq;

const noRoyalty: RoyaltyTerms = { kind: 'erc2981', receiver: null, amount: 0n };

/*//////////////////////////////////////////////////////////////
                             DECIDE
//////////////////////////////////////////////////////////////*/

function submitOrder(
  state: MarketState,
  c: Extract<MarketCommand, { type: 'SubmitOrder' }>,
): Result<readonly MarketEvent[], MarketError> {
  const { order, hash } = c.order;
  const problem = orderFieldProblem(order);
  if (problem) return refuse(problem.code, problem.message, { hash, field: problem.field });
  if (order.collection !== c.collection || (state.collection && state.collection !== c.collection))
    return refuse('ORDER.WRONG_MARKET', `the order is for collection ${order.collection}`, {
      hash,
      collection: c.collection,
    });
  const draft = draftOver(state);
  const s = draft.state;
  // Read through the draft, which remembers the answer for the fold of the order below.
  const known = s.orders.get(hash);
  if (known)
    return refuse('ORDER.DUPLICATE', 'this signed order was submitted before', {
      hash,
      status: known.status,
    });
  if (order.expiry <= c.now)
    return refuse('ORDER.EXPIRED', 'the order has expired', {
      hash,
      expiry: order.expiry.toString(),
    });
  if (isAsk(order) && !c.royalty)
    return refuse('ORDER.ROYALTY_TERMS_MISSING', 'an ask needs the royalty terms of its token', {
      hash,
    });

  const touched = draft.observe(c.observed);
  // Until the draft's first event its maps hold what the state's do: read those directly, and
  // make no overlay for a map this decision only reads.
  const r: MarketState = draft.events.length === 0 ? state : s;

  const used = r.nonces.get(order.maker, order.nonce);
  if (used)
    return refuse('ORDER.NONCE_USED', `nonce ${order.nonce} is already ${used.state} on chain`, {
      hash,
      nonce: order.nonce.toString(),
    });
  const counter = r.counters.get(order.maker);
  if (counter && order.counter < counter.counter)
    return refuse(
      'ORDER.COUNTER_STALE',
      `signed under counter ${order.counter}, the maker's is ${counter.counter}`,
      {
        hash,
        counter: counter.counter.toString(),
      },
    );
  if (counter && order.counter > counter.counter)
    return refuse(
      'ORDER.COUNTER_AHEAD',
      `signed under counter ${order.counter}, the maker's is ${counter.counter}`,
      {
        hash,
        counter: counter.counter.toString(),
      },
    );
  const holderHash = r.nonceHolder.get(order.maker, order.nonce);
  const holder = holderHash ? s.orders.get(holderHash) : undefined;
  if (holder && (holder.status === 'reserved' || holder.status === 'filled'))
    return refuse(
      'ORDER.NONCE_RESERVED',
      `order ${holder.hash} holds nonce ${order.nonce} in a trade`,
      {
        hash,
        holder: holder.hash,
      },
    );

  // Not filled, reserved nor closed: its nonce and counter were read above.
  const initial = liveStatusOf(r, order, used, counter);
  if (c.requireFillable) {
    const refusal = UNFILLABLE_AT_INTAKE[initial.status as keyof typeof UNFILLABLE_AT_INTAKE];
    if (refusal) return refuse(refusal.code, refusal.message, { hash, status: initial.status });
  }
  draft.emit({
    type: 'OrderAccepted',
    data: {
      collection: c.collection,
      hash,
      order,
      signature: c.order.signature,
      seq: s.nextSeq,
      acceptedAt: c.at,
      status: initial.status,
      reason: initial.reason,
      split: isAsk(order) && c.royalty ? askSplit(order.price, c.royalty) : null,
    },
  });
  if (holder && holder.status !== 'replaced' && !holder.closed)
    draft.emit({
      type: 'OrderStatusChanged',
      data: {
        hash: holder.hash,
        from: holder.status,
        status: 'replaced',
        reason: `replaced by ${hash}`,
        at: c.at,
      },
    });
  draft.reconcile(c.at, touched);
  if (initial.status === 'fillable') draft.markForMatching(hash);
  draft.match(c.now, c.at);
  return ok(draft.events);
}

/** What intake answers for an order the chain does not back right now (when it must be). */
const UNFILLABLE_AT_INTAKE = {
  'not-owner': { code: 'ORDER.NOT_OWNER', message: 'the maker does not own the token' },
  'no-approval': {
    code: 'ORDER.NOT_APPROVED',
    message: 'the Marketplace is not approved to move the token',
  },
  'no-balance': {
    code: 'ORDER.INSUFFICIENT_BALANCE',
    message:
      "the maker's Marketplace balance (less what its unsettled trades hold) is below the price",
  },
} as const satisfies Partial<Record<OrderStatus, { code: MarketErrorCode; message: string }>>;

function cancelOrders(
  state: MarketState,
  c: Extract<MarketCommand, { type: 'CancelOrders' }>,
): Result<readonly MarketEvent[], MarketError> {
  if (state.cancels.has(c.cancelId))
    return refuse('CANCEL.REPLAYED', 'this signed cancel was taken before', {
      cancelId: c.cancelId,
    });
  const draft = draftOver(state);
  draft.emit({
    type: 'CancelRecorded',
    data: { cancelId: c.cancelId, maker: c.maker, hashes: [...new Set(c.hashes)], at: c.at },
  });
  for (const hash of new Set(c.hashes)) {
    const o = draft.state.orders.get(hash);
    if (!o || o.order.maker !== c.maker) continue;
    if (o.filled || o.tradeId !== null || o.closed) continue;
    if (o.status === 'cancelled' || o.status === 'void') continue; // already dead on chain
    draft.emit({
      type: 'OrderStatusChanged',
      data: {
        hash,
        from: o.status,
        status: 'cancelled-off-chain',
        reason: 'cancelled by its maker',
        at: c.at,
      },
    });
  }
  return ok(draft.events);
}

function findTrade(state: MarketState, askHash: OrderHash, bidHash: OrderHash) {
  for (const t of state.trades.values())
    if (t.askHash === askHash && t.bidHash === bidHash) return t;
  return undefined;
}

export function decideMarket(
  command: MarketCommand,
  state: MarketState,
): Result<readonly MarketEvent[], MarketError> {
  switch (command.type) {
    case 'SubmitOrder':
      return submitOrder(state, command);
    case 'CancelOrders':
      return cancelOrders(state, command);
    case 'Observe': {
      const draft = draftOver(state);
      const hadFee = state.fee !== null;
      draft.reconcile(command.at, draft.observe(command.observed));
      // The first fee known: everything fillable so far may now be matched.
      if (!hadFee && draft.state.fee)
        for (const o of draft.state.fillable.values()) draft.markForMatching(o.hash);
      draft.match(command.now, command.at);
      return ok(draft.events);
    }
    case 'SettleTrade': {
      const trade = findTrade(state, command.askHash, command.bidHash);
      if (!trade)
        return refuse('TRADE.UNKNOWN', 'no trade of this market matched these orders', {
          askHash: command.askHash,
          bidHash: command.bidHash,
        });
      if (trade.settled) return ok([]);
      const draft = draftOver(state);
      draft.emit({
        type: 'TradeSettled',
        data: {
          tradeId: trade.tradeId,
          transactionHash: command.transactionHash,
          block: command.block,
          at: command.at,
        },
      });
      draft.reconcile(command.at, draft.concerning(trade));
      draft.match(command.now, command.at);
      return ok(draft.events);
    }
    case 'UnsettleTrade': {
      const trade = findTrade(state, command.askHash, command.bidHash);
      if (!trade)
        return refuse('TRADE.UNKNOWN', 'no trade of this market matched these orders', {
          askHash: command.askHash,
          bidHash: command.bidHash,
        });
      if (!trade.settled) return ok([]);
      const draft = draftOver(state);
      draft.emit({
        type: 'TradeUnsettled',
        data: {
          tradeId: trade.tradeId,
          reason: 'settlement block left the canonical chain',
          at: command.at,
        },
      });
      draft.reconcile(command.at, draft.concerning(trade));
      return ok(draft.events);
    }
    case 'ReleaseTrade': {
      const trade = state.trades.get(command.tradeId);
      if (!trade)
        return refuse('TRADE.UNKNOWN', `no trade ${command.tradeId}`, { tradeId: command.tradeId });
      if (trade.settled) return ok([]); // the chain settled it after all: the settlement wins
      const draft = draftOver(state);
      draft.emit({
        type: 'TradeReleased',
        data: { tradeId: trade.tradeId, reason: command.reason, at: command.at },
      });
      draft.reconcile(command.at, draft.concerning(trade));
      draft.match(command.now, command.at);
      return ok(draft.events);
    }
    case 'Tick': {
      const draft = draftOver(state);
      const expired: BookOrder[] = [];
      for (const o of state.orders.values()) {
        if (o.filled || o.tradeId !== null || o.closed) continue;
        if (o.order.expiry <= command.now) expired.push(o);
        else if (o.status === 'fillable' && startedSince(o, command.now))
          draft.markForMatching(o.hash);
      }
      expired.sort((a, b) => a.seq - b.seq);
      for (const o of expired)
        draft.emit({
          type: 'OrderStatusChanged',
          data: {
            hash: o.hash,
            from: o.status,
            status: 'expired',
            reason: 'past its expiry',
            at: command.at,
          },
        });
      draft.match(command.now, command.at);
      return ok(draft.events);
    }
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

/** An order that was not yet active when accepted and is now: Tick gives it its first match. */
const startedSince = (o: BookOrder, now: bigint): boolean =>
  BigInt(Math.floor(Date.parse(o.acceptedAt) / 1000)) < o.order.start && o.order.start <= now;

/*//////////////////////////////////////////////////////////////
                     FOLDING WHAT WAS DECIDED
//////////////////////////////////////////////////////////////*/

// Deciding already computed, in its draft, exactly the state its events lead to; folding them
// again event by event (as `applyEvent` does for events read back from the store) doubles the
// work of every command. So a decision is remembered with the state it was drafted over, and
// when its own first event is folded into that same, unchanged state, the draft is written
// through at once and the decision's other events are taken as already folded. Anything else —
// events decoded from the store, another state, a state changed in between — folds one by one.
// The property spec compares both paths after every random history.

interface Decision {
  first: MarketEvent | undefined;
  base: MarketState | undefined;
  version: number;
  /** Undefined: no decision waits for its fold. */
  draft: Draft | undefined;
}

/** What the fold keeps of a state: one entry, read once per event. */
interface Folded {
  /** Events folded: a decision knows it is still current when this has not moved. */
  version: number;
  /** A decision written through: the rest of its events, expected next on this state. */
  events: readonly MarketEvent[] | undefined;
  next: number;
}

const folded = new WeakMap<MarketState, Folded>();

function foldedOf(state: MarketState): Folded {
  let f = folded.get(state);
  if (f === undefined) folded.set(state, (f = { version: 0, events: undefined, next: 0 }));
  return f;
}

/**
 * The last decision made, until its first event is folded. One slot, not a map by event:
 * commands are decided and folded one after the other, and a decision superseded before its
 * fold merely folds event by event (a map would hold an entry per decision for the collector).
 * One record, rewritten by each decision.
 */
const pendingDecision: Decision = {
  first: undefined,
  base: undefined,
  version: 0,
  draft: undefined,
};

function forgetDecision(): void {
  pendingDecision.first = pendingDecision.base = pendingDecision.draft = undefined;
}

function decideAndRemember(
  command: MarketCommand,
  state: MarketState,
): Result<readonly MarketEvent[], MarketError> {
  lastDraft.take();
  forgetDecision();
  const result = decideMarket(command, state);
  const made = lastDraft.take();
  if (result.ok && made && result.value.length > 0 && made.events === result.value) {
    pendingDecision.first = result.value[0]!;
    pendingDecision.base = state;
    pendingDecision.version = foldedOf(state).version;
    pendingDecision.draft = made;
  } else if (made) spareDraft = made;
  return result;
}

function evolveMarket(state: MarketState, event: MarketEvent): MarketState {
  const f = foldedOf(state);
  const through = f.events;
  if (through !== undefined) {
    if (through[f.next] !== event)
      throw new Error('market: folded events other than the decision written through');
    if (++f.next === through.length) f.events = undefined;
    f.version++;
    return state;
  }
  const draft = pendingDecision.draft;
  if (
    draft !== undefined &&
    pendingDecision.first === event &&
    pendingDecision.base === state &&
    pendingDecision.version === f.version
  ) {
    forgetDecision();
    f.version++;
    draft.commitTo(state);
    const events = draft.events;
    if (events.length > 1) {
      f.events = events;
      f.next = 1;
    }
    spareDraft = draft;
    return state;
  }
  applyEvent(state, event);
  f.version++;
  return state;
}

export const marketDecider: Decider<MarketCommand, MarketEvent, MarketState, MarketError> = {
  get initialState() {
    return emptyMarket();
  },
  decide: decideAndRemember,
  evolve: evolveMarket,
};
