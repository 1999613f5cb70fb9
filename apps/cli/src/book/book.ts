// The order book of one collection (or one token of it) for `atelier book`, from either
// source of the same truth:
// - now: the orders read model (market_orders), orders whose status is `fillable` and whose
//   time window holds now;
// - as of a block: the collection's market stream in the event store, folded with the market
//   decider's own evolve up to the last event recorded at or before that block's timestamp,
//   keeping the orders fillable in that state and within their window at that time. Orders
//   live off chain, so "as of block N" means "as the market knew it when block N was mined".
// Which orders make a side follows docs/market.md ("Matching"): a token's book has the asks
// on that token and, as bids, its token bids and every collection bid; a collection's book has
// every ask and the collection bids, with token bids as a side of their own. Each order trades
// one token, so a level's count is also its size in tokens.
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import {
  marketDecider,
  MARKET_CATEGORY,
  marketEventCodec,
  OrderKind,
} from '@atelier/market-domain';
import { MarketOrderEntity } from '@atelier/market-projections';
import { quoteIdent } from '@atelier/persistence';
import { tablePath } from '@atelier/projections';

export interface LiveOrder {
  readonly hash: string;
  readonly maker: string;
  readonly kind: number;
  readonly tokenId: bigint;
  readonly currency: string;
  readonly price: bigint;
  readonly seq: number;
}

export interface Level {
  readonly price: string;
  readonly count: number;
}

export interface Side {
  readonly levels: readonly Level[];
  readonly best: { readonly hash: string; readonly maker: string; readonly price: string } | null;
}

export interface CurrencyBook {
  readonly currency: string;
  readonly asks: Side;
  readonly bids: Side;
  /** A collection's book only: token bids, each for one token. */
  readonly tokenBids?: Side;
}

export interface OrderBookAnswer {
  readonly collection: string;
  readonly tokenId: string | null;
  readonly at: string;
  readonly source: 'read-model' | 'event-store';
  readonly currencies: readonly CurrencyBook[];
}

/** Levels best first (asks cheapest, bids dearest), time priority inside a price. */
function side(orders: readonly LiveOrder[], dearestFirst: boolean, levels: number): Side {
  const sorted = [...orders].sort((a, b) =>
    a.price === b.price ? a.seq - b.seq : a.price < b.price !== dearestFirst ? -1 : 1,
  );
  const out: Level[] = [];
  for (const o of sorted) {
    const last = out[out.length - 1];
    if (last && last.price === o.price.toString())
      out[out.length - 1] = { ...last, count: last.count + 1 };
    else if (out.length < levels) out.push({ price: o.price.toString(), count: 1 });
    else break;
  }
  const best = sorted[0];
  return {
    levels: out,
    best: best ? { hash: best.hash, maker: best.maker, price: best.price.toString() } : null,
  };
}

export function buildBook(
  orders: readonly LiveOrder[],
  tokenId: bigint | undefined,
  levels: number,
): CurrencyBook[] {
  const currencies = [...new Set(orders.map((o) => o.currency))].sort();
  return currencies.map((currency) => {
    const mine = orders.filter((o) => o.currency === currency);
    const asks = mine.filter(
      (o) => o.kind === OrderKind.Ask && (tokenId === undefined || o.tokenId === tokenId),
    );
    const collectionBids = mine.filter((o) => o.kind === OrderKind.CollectionBid);
    const tokenBids = mine.filter(
      (o) => o.kind === OrderKind.TokenBid && (tokenId === undefined || o.tokenId === tokenId),
    );
    return tokenId === undefined
      ? {
          currency,
          asks: side(asks, false, levels),
          bids: side(collectionBids, true, levels),
          tokenBids: side(tokenBids, true, levels),
        }
      : {
          currency,
          asks: side(asks, false, levels),
          bids: side([...tokenBids, ...collectionBids], true, levels),
        };
  });
}

/** The fillable orders of the read model whose window holds `now` (unix seconds). */
export async function liveOrdersFromModel(
  ds: DataSource,
  collection: string,
  now: bigint,
): Promise<LiveOrder[]> {
  const table = tablePath(ds, MarketOrderEntity);
  const rows: {
    hash: string;
    maker: string;
    kind: number;
    token_id: string;
    currency: string;
    price: string;
    seq: number;
  }[] = await ds.query(
    `SELECT hash, maker, kind, token_id::text, currency, price::text, seq FROM ${table}
      WHERE collection = $1 AND status = 'fillable' AND start <= $2::numeric AND expiry > $2::numeric`,
    [collection, now.toString()],
  );
  return rows.map((r) => ({
    hash: r.hash,
    maker: r.maker,
    kind: Number(r.kind),
    tokenId: BigInt(r.token_id),
    currency: r.currency,
    price: BigInt(r.price),
    seq: r.seq,
  }));
}

/**
 * The collection's market stream folded up to the last event recorded at or before `at`
 * (unix seconds), and its fillable orders whose window holds `at`; also how many events it
 * folded.
 */
export async function liveOrdersFromStore(
  pool: Pool,
  eventStoreSchema: string,
  collection: string,
  at: bigint,
): Promise<{ orders: LiveOrder[]; events: number }> {
  const stream = `${MARKET_CATEGORY}-${collection}`;
  const { rows } = await pool.query<{
    type: string;
    schema_version: number;
    data: Record<string, unknown>;
  }>(
    `SELECT type, schema_version, data FROM ${quoteIdent(eventStoreSchema)}.events
      WHERE stream_name = $1 AND recorded_at <= to_timestamp($2::double precision)
      ORDER BY stream_revision`,
    [stream, Number(at)],
  );
  let state = marketDecider.initialState;
  for (const r of rows)
    state = marketDecider.evolve(
      state,
      marketEventCodec.decode({
        type: r.type,
        schemaVersion: r.schema_version,
        data: r.data as never,
      }),
    );
  const orders: LiveOrder[] = [];
  for (const o of state.fillable.values()) {
    if (o.order.start > at || o.order.expiry <= at) continue;
    orders.push({
      hash: o.hash,
      maker: o.order.maker,
      kind: o.order.kind,
      tokenId: o.order.tokenId,
      currency: o.order.currency,
      price: o.order.price,
      seq: o.seq,
    });
  }
  return { orders, events: rows.length };
}
