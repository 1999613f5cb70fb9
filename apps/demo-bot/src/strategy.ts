// What a demo trader does in one round, as a pure function of what the public API showed it: the
// works of the collection (owner, last price), the fillable orders, its own Marketplace balance
// and a seeded random source. Three habits keep the demo market alive:
// - relist: a work it owns without an ask of its own gets one, above the last price paid (a
//   resale at a markup), back to the base price once that runs past a cap;
// - take: now and then it bids exactly an ask of someone else that it can pay (the ask's price,
//   so the gateway matches it on arrival and the settlement service settles it in a batch);
// - quote: now and then a resting bid below the best ask of a work it does not own.
// Prices are whole tUSD. Nothing here signs or sends: bot.ts does.

export type Address = `0x${string}`;

/** The fields of a fillable order the strategy reads. */
export interface BookOrder {
  readonly maker: Address;
  readonly kind: 'ask' | 'tokenBid' | 'collectionBid';
  readonly tokenId: bigint;
  readonly price: bigint;
}

export interface Work {
  readonly tokenId: bigint;
  readonly owner: Address;
  /** The last price it traded at (settled or matched), if any. */
  readonly lastPrice: bigint | null;
}

export interface StrategyParams {
  /** One tUSD in base units (6 decimals: 1,000,000). */
  readonly unit: bigint;
  /** The price of a work that never traded, and where a relist starts again after the cap. */
  readonly basePrice: bigint;
  /** A relist above basePrice × capMultiple starts again at basePrice. */
  readonly capMultiple: bigint;
  /** Chance per round of taking an ask. */
  readonly takeProbability: number;
  /** Chance per round of placing one resting bid. */
  readonly quoteProbability: number;
}

export type Action =
  | { readonly type: 'relist'; readonly tokenId: bigint; readonly price: bigint }
  | { readonly type: 'take'; readonly tokenId: bigint; readonly price: bigint }
  | { readonly type: 'quote'; readonly tokenId: bigint; readonly price: bigint };

export interface Round {
  readonly me: Address;
  readonly works: readonly Work[];
  readonly book: readonly BookOrder[];
  /** What the trader can still spend from its Marketplace balance. */
  readonly spendable: bigint;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const wholeUnits = (price: bigint, unit: bigint) => (price / unit) * unit;

/** The actions of one round, in the order to send them. */
export function planRound(round: Round, params: StrategyParams, random: () => number): Action[] {
  const actions: Action[] = [];
  const mine = (o: BookOrder) => same(o.maker, round.me);
  const asks = round.book.filter((o) => o.kind === 'ask');

  // Relist what I own and do not offer, at 5–20 % over the last price.
  for (const work of round.works) {
    if (!same(work.owner, round.me)) continue;
    if (asks.some((o) => mine(o) && o.tokenId === work.tokenId)) continue;
    const last = work.lastPrice ?? params.basePrice;
    const markup = 105n + BigInt(Math.floor(random() * 16)); // percent
    let price = wholeUnits((last * markup) / 100n, params.unit);
    if (price > params.basePrice * params.capMultiple || price < params.unit)
      price = params.basePrice;
    actions.push({ type: 'relist', tokenId: work.tokenId, price });
  }

  // Take one ask of someone else that I can pay, at its price (the trade executes at the ask's).
  let spendable = round.spendable;
  const takeable = asks.filter((o) => !mine(o) && o.price <= spendable);
  if (takeable.length > 0 && random() < params.takeProbability) {
    const ask = takeable[Math.floor(random() * takeable.length)]!;
    actions.push({ type: 'take', tokenId: ask.tokenId, price: ask.price });
    spendable -= ask.price;
  }

  // Quote one resting bid at 60–85 % of the best ask of a work I do not own and bid on yet.
  if (random() < params.quoteProbability) {
    const candidates = round.works.filter(
      (w) =>
        !same(w.owner, round.me) &&
        !round.book.some((o) => mine(o) && o.kind === 'tokenBid' && o.tokenId === w.tokenId) &&
        !actions.some((a) => a.tokenId === w.tokenId),
    );
    if (candidates.length > 0) {
      const work = candidates[Math.floor(random() * candidates.length)]!;
      const bestAsk = asks
        .filter((o) => o.tokenId === work.tokenId)
        .reduce<bigint | null>(
          (best, o) => (best === null || o.price < best ? o.price : best),
          null,
        );
      const reference = bestAsk ?? work.lastPrice ?? params.basePrice;
      const share = 60n + BigInt(Math.floor(random() * 26));
      const price = wholeUnits((reference * share) / 100n, params.unit);
      if (price >= params.unit && price <= spendable)
        actions.push({ type: 'quote', tokenId: work.tokenId, price });
    }
  }
  return actions;
}
