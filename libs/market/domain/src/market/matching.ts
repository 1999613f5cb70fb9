// Price-time priority under the contract's rule that a trade runs at the ask's price (a bid's
// price is the buyer's ceiling):
// - an incoming ask meets the best bid that covers it: token bids on its token and collection
//   bids of its collection, highest price first, then earliest;
// - an incoming bid meets the cheapest ask it covers: on its token, or any token of the
//   collection for a collection bid, lowest price first, then earliest.
// Never a maker with itself, never across currencies, only orders active at `now`, and only a
// buyer whose free balance covers the trade price.
import { SKIP, STOP, TAKE, type Ranked } from './book';
import type { BookOrder, MarketMaps } from './market';
import { ANY_TOKEN, freeFunds } from './market';
import { isActiveAt, isAsk, OrderKind, tokenKey, type Order } from './order';

const covers = (ask: Order, bid: Order): boolean =>
  ask.currency === bid.currency &&
  ask.maker !== bid.maker &&
  bid.price >= ask.price &&
  (bid.kind === OrderKind.CollectionBid || bid.tokenId === ask.tokenId);

/**
 * What the scan in progress compares against. Matching is synchronous and a scan never starts
 * another, so one module-level context serves every scan: the visitor is one function, not a
 * closure made per submit.
 */
const scan = {
  state: undefined as unknown as MarketMaps,
  incoming: undefined as unknown as BookOrder,
  now: 0n,
  incomingIsAsk: false,
};

// Each ranked index yields the best resting order it holds that can trade; the visitor re-reads
// the order (an index may hold more than the fillable orders, see book.ts) and stops once the
// price no longer covers, since every later entry is further away.
function visit(entry: Ranked): typeof TAKE | typeof SKIP | typeof STOP {
  const { state, incoming, now, incomingIsAsk } = scan;
  const o = incoming.order;
  if (incomingIsAsk ? entry.order.price < o.price : entry.order.price > o.price) return STOP;
  const resting = state.orders.get(entry.hash);
  if (!resting || resting.status !== 'fillable') return SKIP;
  if (resting.hash === incoming.hash || isAsk(resting.order) === incomingIsAsk) return SKIP;
  if (!isActiveAt(resting.order, now)) return SKIP;
  const ask = incomingIsAsk ? o : resting.order;
  const bid = incomingIsAsk ? resting.order : o;
  if (!covers(ask, bid)) return SKIP;
  const free = freeFunds(state, bid.maker, bid.currency);
  if (free === null || free < ask.price) return SKIP;
  return TAKE;
}

const current = (state: MarketMaps, entry: Ranked | undefined): BookOrder | undefined =>
  entry === undefined ? undefined : state.orders.get(entry.hash);

/** The resting order `incoming` trades with, or undefined. `incoming` must be fillable. */
export function bestCounterparty(
  state: MarketMaps,
  incoming: BookOrder,
  now: bigint,
): BookOrder | undefined {
  if (!isActiveAt(incoming.order, now)) return undefined;
  const o = incoming.order;
  scan.state = state;
  scan.incoming = incoming;
  scan.now = now;
  scan.incomingIsAsk = isAsk(o);
  let found: BookOrder | undefined;
  if (!scan.incomingIsAsk)
    found = current(
      state,
      state.askRanks.best(
        o.kind === OrderKind.CollectionBid ? ANY_TOKEN : tokenKey(o.tokenId),
        visit,
        o.price,
      ),
    );
  else {
    const tokenBid = current(state, state.bidRanks.best(tokenKey(o.tokenId), visit, o.price));
    const collectionBid = current(state, state.bidRanks.best(ANY_TOKEN, visit, o.price));
    found =
      tokenBid === undefined
        ? collectionBid
        : collectionBid === undefined || !better(collectionBid, tokenBid, true)
          ? tokenBid
          : collectionBid;
  }
  // Hold no draft past the scan.
  scan.state = undefined as unknown as MarketMaps;
  scan.incoming = undefined as unknown as BookOrder;
  return found;
}

/** Is `a` ahead of `b` among resting bids (incoming ask) or resting asks (incoming bid)? */
function better(a: BookOrder, b: BookOrder, restingAreBids: boolean): boolean {
  if (a.order.price !== b.order.price)
    return restingAreBids ? a.order.price > b.order.price : a.order.price < b.order.price;
  return a.seq < b.seq;
}
