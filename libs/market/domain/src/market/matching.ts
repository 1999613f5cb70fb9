// Price-time priority under the contract's rule that a trade runs at the ask's price (a bid's
// price is the buyer's ceiling):
// - an incoming ask meets the best bid that covers it: token bids on its token and collection
//   bids of its collection, highest price first, then earliest;
// - an incoming bid meets the cheapest ask it covers: on its token, or any token of the
//   collection for a collection bid, lowest price first, then earliest.
// Never a maker with itself, never across currencies, only orders active at `now`, and only a
// buyer whose free balance covers the trade price.
import type { BookOrder, MarketMaps } from './market';
import { freeFunds } from './market';
import { isActiveAt, isAsk, OrderKind, type Order } from './order';

const covers = (ask: Order, bid: Order): boolean =>
  ask.currency === bid.currency &&
  ask.maker !== bid.maker &&
  bid.price >= ask.price &&
  (bid.kind === OrderKind.CollectionBid || bid.tokenId === ask.tokenId);

/** The resting order `incoming` trades with, or undefined. `incoming` must be fillable. */
export function bestCounterparty(
  state: MarketMaps,
  incoming: BookOrder,
  now: bigint,
): BookOrder | undefined {
  if (!isActiveAt(incoming.order, now)) return undefined;
  const incomingIsAsk = isAsk(incoming.order);
  let best: BookOrder | undefined;
  for (const resting of candidates(state, incoming)) {
    if (resting.status !== 'fillable') continue;
    if (resting.hash === incoming.hash || isAsk(resting.order) === incomingIsAsk) continue;
    if (!isActiveAt(resting.order, now)) continue;
    const ask = incomingIsAsk ? incoming : resting;
    const bid = incomingIsAsk ? resting : incoming;
    if (!covers(ask.order, bid.order)) continue;
    const free = freeFunds(state, bid.order.maker, bid.order.currency);
    if (free === null || free < ask.order.price) continue;
    if (best === undefined || better(resting, best, incomingIsAsk)) best = resting;
  }
  return best;
}

/** The resting orders that could meet `incoming`, found through the market's indexes. */
function* candidates(state: MarketMaps, incoming: BookOrder): Iterable<BookOrder> {
  const o = incoming.order;
  if (o.kind === OrderKind.CollectionBid) {
    yield* state.fillable.values();
    return;
  }
  const hashes = [state.byToken.get(o.tokenId.toString())];
  if (o.kind === OrderKind.Ask) hashes.push(state.collectionBids.get('all'));
  for (const list of hashes)
    for (const hash of list) {
      const resting = state.orders.get(hash);
      if (resting) yield resting;
    }
}

/** Is `a` ahead of `b` among resting bids (incoming ask) or resting asks (incoming bid)? */
function better(a: BookOrder, b: BookOrder, restingAreBids: boolean): boolean {
  if (a.order.price !== b.order.price)
    return restingAreBids ? a.order.price > b.order.price : a.order.price < b.order.price;
  return a.seq < b.seq;
}
