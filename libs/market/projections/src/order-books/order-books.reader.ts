// Order books read from the orders model (market_orders): per collection and per token, per
// currency (orders in different currencies never trade with each other), depth as price levels
// of the orders that may trade now (status `fillable` and start <= now < expiry, the decider's
// own rule), the best order of each side in price-time priority, and the floor.
//
// Which orders make a side (docs/market.md, "Matching"):
// - a token's book: asks on that token; bids are its token bids and every collection bid (a
//   collection bid may buy any token of the collection);
// - a collection's book: every ask of the collection; bids are the collection bids (what any
//   token can be sold for now); token bids are a side of their own (`tokenBids`), since each
//   one buys a single token and summing them with collection bids would overstate the depth.
// Each order trades one token, so a level's `count` is also its size in tokens. A bid's status
// is per order: a maker with two fillable bids of 100 and a free balance of 150 has both in
// the book, though only one can fill.
import type { DataSource, EntityManager } from 'typeorm';
import { OrderKind } from '@atelier/market-domain';
import { tablePath } from '@atelier/projections';
import { MarketOrderEntity, MarketStreamEntity } from '../orders/orders.entities';

export const BOOK_SIDES = ['asks', 'bids', 'tokenBids'] as const;
export type BookSideName = (typeof BOOK_SIDES)[number];

export const DEFAULT_BOOK_LEVELS = 20;
export const MAX_BOOK_LEVELS = 200;

export interface BookLevel {
  /** Decimal string, in the currency's smallest unit. */
  readonly price: string;
  /** Fillable orders at this price (each trades one token). */
  readonly count: number;
  /** price × count. */
  readonly total: string;
}

/** The order a taker meets first on this side: best price, then earliest accepted. */
export interface BestOrder {
  readonly hash: string;
  readonly maker: string;
  readonly kind: 'ask' | 'token-bid' | 'collection-bid';
  readonly tokenId: string;
  readonly price: string;
}

export interface BookSide {
  /** Best first (asks lowest, bids highest), at most `levels`. */
  readonly levels: readonly BookLevel[];
  /** Fillable orders on the side, all levels. */
  readonly orders: number;
  /** Distinct prices on the side, all levels (more than `levels.length` when cut). */
  readonly priceLevels: number;
  readonly best: BestOrder | null;
}

export interface CurrencyBook {
  readonly currency: string;
  readonly asks: BookSide;
  readonly bids: BookSide;
  /** Collection books only: bids on single tokens. */
  readonly tokenBids?: BookSide;
  /** Lowest fillable ask of the whole collection in this currency. */
  readonly floor: string | null;
  /** bestAsk − bestBid when both exist (negative never stays: such orders match). */
  readonly spread: string | null;
}

export interface OrderBook {
  readonly collection: string;
  /** Null for a collection's book. */
  readonly tokenId: string | null;
  readonly currencies: readonly CurrencyBook[];
}

export interface BookQuery {
  readonly currency?: string;
  /** Levels per side, 1..MAX_BOOK_LEVELS (default DEFAULT_BOOK_LEVELS). */
  readonly levels?: number;
  /** Unix seconds the book is taken at (default: the clock). */
  readonly now?: bigint;
}

const KIND_NAME: Record<number, BestOrder['kind']> = {
  [OrderKind.Ask]: 'ask',
  [OrderKind.TokenBid]: 'token-bid',
  [OrderKind.CollectionBid]: 'collection-bid',
};

/** A level (with its side's totals) or a side's best order, one result set. */
interface BookSqlRow {
  row: 'level' | 'best';
  currency: string;
  side: BookSideName;
  price: string;
  n: string | null;
  total: string | null;
  levels: string | null;
  orders: string | null;
  hash: string | null;
  maker: string | null;
  kind: number | null;
  token_id: string | null;
}

export class OrderBooksReader {
  private readonly manager: EntityManager;
  private readonly orders: string;
  private readonly streams: string;

  constructor(
    dataSource: DataSource,
    private readonly clock: () => bigint = () => BigInt(Math.floor(Date.now() / 1000)),
  ) {
    this.manager = dataSource.manager;
    this.orders = tablePath(this.manager, MarketOrderEntity);
    this.streams = tablePath(this.manager, MarketStreamEntity);
  }

  /** The global position of the last event of this collection's market applied (null: none). */
  async position(collection: string): Promise<string | null> {
    const rows: { p: string }[] = await this.manager.query(
      `SELECT position::text AS p FROM ${this.streams} WHERE collection = $1`,
      [collection],
    );
    return rows[0]?.p ?? null;
  }

  collectionBook(collection: string, query: BookQuery = {}): Promise<OrderBook> {
    return this.book(
      collection,
      null,
      // $1 collection, $2 token id (unused here)
      `CASE kind WHEN ${OrderKind.Ask} THEN 'asks' WHEN ${OrderKind.CollectionBid} THEN 'bids'
         ELSE 'tokenBids' END`,
      '$2::text IS NULL', // no token
      query,
    );
  }

  tokenBook(collection: string, tokenId: string, query: BookQuery = {}): Promise<OrderBook> {
    return this.book(
      collection,
      tokenId,
      `CASE WHEN kind = ${OrderKind.Ask} THEN 'asks' ELSE 'bids' END`,
      `(kind = ${OrderKind.CollectionBid} OR token_id = $2::numeric)`,
      query,
    );
  }

  private async book(
    collection: string,
    tokenId: string | null,
    sideSql: string,
    orderFilter: string,
    query: BookQuery,
  ): Promise<OrderBook> {
    const levels = Math.min(
      Math.max(Math.trunc(query.levels ?? DEFAULT_BOOK_LEVELS), 1),
      MAX_BOOK_LEVELS,
    );
    const now = (query.now ?? this.clock()).toString();
    // $1 collection, $2 token id, $3 now, $4 currency or null.
    const params = [collection, tokenId, now, query.currency ?? null];
    const open = `SELECT currency, ${sideSql} AS side, price, hash, maker, kind, token_id,
        accepted_position
      FROM ${this.orders}
      WHERE collection = $1 AND status = 'fillable' AND start <= $3::numeric
        AND expiry > $3::numeric AND ($4::text IS NULL OR currency = $4) AND ${orderFilter}`;
    // The levels of the open orders with their side's totals, and the best order of each side
    // (the earliest at the best level: only that level's orders are sorted, never the side); the floor needs the whole collection's asks (a token's book
    // reads them apart; a collection's book has them as its asks side).
    const [rows, floorRows] = await Promise.all([
      this.manager.query(
        `WITH o AS (${open}),
         lv AS (SELECT currency, side, price, COUNT(*) AS n, SUM(price) AS total
           FROM o GROUP BY currency, side, price),
         r AS (SELECT lv.*, ROW_NUMBER() OVER (PARTITION BY currency, side
             ORDER BY CASE WHEN side = 'asks' THEN price END ASC,
                      CASE WHEN side <> 'asks' THEN price END DESC) AS rn,
             COUNT(*) OVER (PARTITION BY currency, side) AS levels,
             SUM(n) OVER (PARTITION BY currency, side) AS orders
           FROM lv),
         b AS (SELECT DISTINCT ON (o.currency, o.side) o.currency, o.side, o.hash, o.maker,
             o.kind, o.token_id, o.price
           FROM o JOIN r ON r.rn = 1 AND r.currency = o.currency AND r.side = o.side
             AND r.price = o.price
           ORDER BY o.currency, o.side, o.accepted_position ASC)
         SELECT 'level' AS row, currency, side, price::text AS price, n::text AS n,
           total::text AS total, levels::text AS levels, orders::text AS orders, rn,
           NULL::text AS hash, NULL::text AS maker, NULL::int AS kind, NULL::text AS token_id
         FROM r WHERE rn <= $5
         UNION ALL
         SELECT 'best', currency, side, price::text, NULL, NULL, NULL, NULL, 0, hash, maker, kind,
           token_id::text
         FROM b
         ORDER BY currency, side, rn`,
        [...params, levels],
      ) as Promise<BookSqlRow[]>,
      tokenId === null
        ? Promise.resolve(null)
        : (this.manager.query(
            `SELECT currency, MIN(price)::text AS floor FROM ${this.orders}
             WHERE collection = $1 AND kind = ${OrderKind.Ask} AND status = 'fillable'
               AND start <= $2::numeric AND expiry > $2::numeric
               AND ($3::text IS NULL OR currency = $3)
             GROUP BY currency`,
            [collection, now, query.currency ?? null],
          ) as Promise<{ currency: string; floor: string }[]>),
    ]);

    type Mutable = {
      levels: BookLevel[];
      orders: number;
      priceLevels: number;
      best: BestOrder | null;
    };
    const books = new Map<string, Record<BookSideName, Mutable>>();
    const sidesOf = (currency: string) => {
      let b = books.get(currency);
      if (!b) {
        const side = (): Mutable => ({ levels: [], orders: 0, priceLevels: 0, best: null });
        b = { asks: side(), bids: side(), tokenBids: side() };
        books.set(currency, b);
      }
      return b;
    };
    for (const r of rows) {
      const side = sidesOf(r.currency)[r.side];
      if (r.row === 'best') {
        side.best = {
          hash: r.hash!,
          maker: r.maker!,
          kind: KIND_NAME[Number(r.kind)]!,
          tokenId: r.token_id!,
          price: r.price,
        };
        continue;
      }
      side.levels.push({ price: r.price, count: Number(r.n), total: r.total! });
      side.orders = Number(r.orders);
      side.priceLevels = Number(r.levels);
    }
    const floors = new Map<string, string>(
      floorRows
        ? floorRows.map((r) => [r.currency, r.floor])
        : [...books].flatMap(([c, b]) => (b.asks.best ? [[c, b.asks.best.price]] : [])),
    );
    for (const currency of floors.keys()) sidesOf(currency);

    const currencies = [...books.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([currency, s]): CurrencyBook => {
        const ask = s.asks.best?.price;
        const bid = s.bids.best?.price;
        return {
          currency,
          asks: s.asks,
          bids: s.bids,
          ...(tokenId === null ? { tokenBids: s.tokenBids } : {}),
          floor: floors.get(currency) ?? null,
          spread:
            ask !== undefined && bid !== undefined ? (BigInt(ask) - BigInt(bid)).toString() : null,
        };
      });
    return { collection, tokenId, currencies };
  }
}
