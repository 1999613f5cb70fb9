// The activity feed: what happened to works and orders, newest first, read from the models
// that hold it (no table of its own, so it can never disagree with them):
//   mint            artworks (the ArtworkMinted fact)                        chain
//   transfer        artwork_transfers, but neither a mint's nor a sale's     chain
//   sale            chain_trades (TradeSettled)                              chain
//   listing         market_orders, asks, at acceptance                       market
//   bid             market_orders, token bids, at acceptance                 market
//   collection-bid  market_orders, collection bids, at acceptance            market
//   cancel          market_orders now cancelled (off chain or on chain), at that change
//   match           market_trades (TradeMatched), with the trade's status now
// Filters: collection, token (asks and token bids on it; a collection bid names no token),
// account (mint: creator or recipient; transfer/sale/match: either side; orders: the maker),
// kinds. Keyset-paginated on (time, id): each branch is cut to the page before the merge, so
// a page costs `limit` rows per branch whatever the history.
import type { DataSource, EntityManager } from 'typeorm';
import { OrderKind } from '@atelier/market-domain';
import { tablePath } from '@atelier/projections';
import {
  ArtworkEntity,
  ArtworksHeadEntity,
  ArtworkTransferEntity,
} from '../artworks/artworks.entities';
import { DIGITS, decodeCursor, encodeCursor, headBlock } from '../chain-facts/chain-facts';
import { ChainTradeEntity, ChainTradesHeadEntity } from '../chain-trades/chain-trades.entities';
import {
  MarketOrderEntity,
  MarketStreamEntity,
  MarketTradeEntity,
} from '../orders/orders.entities';

export const ACTIVITY_KINDS = [
  'mint',
  'transfer',
  'sale',
  'listing',
  'bid',
  'collection-bid',
  'cancel',
  'match',
] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

const ZERO = '0x0000000000000000000000000000000000000000';

export interface ActivityItem {
  /** Unique in the feed: `<kind>:<fact id | order hash | trade id>`. */
  readonly id: string;
  readonly kind: ActivityKind;
  readonly at: string;
  readonly collection: string;
  /** Null for a collection bid (and its cancel). */
  readonly tokenId: string | null;
  /** Where the token goes from (seller, previous owner, an ask's maker); null for a mint or a bid. */
  readonly from: string | null;
  /** Where it goes to (buyer, new owner, a bid's maker, a mint's recipient); null for an ask. */
  readonly to: string | null;
  readonly price: string | null;
  readonly currency: string | null;
  readonly orderHash: string | null;
  readonly tradeId: string | null;
  /** Orders: the order's status now; match: the trade's (matched, settled, released). */
  readonly status: string | null;
  readonly block: string | null;
  readonly logIndex: number | null;
  readonly transactionHash: string | null;
}

export interface ActivityQuery {
  readonly collection?: string;
  /** Needs `collection`. */
  readonly tokenId?: string;
  readonly account?: string;
  readonly kinds?: readonly ActivityKind[];
  readonly cursor?: string;
  readonly limit?: number;
}

interface ActivitySqlRow {
  id: string;
  kind: ActivityKind;
  at: Date;
  at_us: string;
  collection: string;
  token_id: string | null;
  from_a: string | null;
  to_a: string | null;
  price: string | null;
  currency: string | null;
  order_hash: string | null;
  trade_id: string | null;
  status: string | null;
  block: string | null;
  log_index: number | null;
  tx_hash: string | null;
}

/** Every branch's columns, in order (named once, here). */
const COLUMNS = `id, kind, at, at_us, collection, token_id, from_a, to_a, price, currency,
  order_hash, trade_id, status, block, log_index, tx_hash`;

const ID_TEXT = /^[a-z-]{3,16}:[0-9a-z:x]{1,200}$/;
const SCOPE = 'activity';

export class ActivityReader {
  private readonly manager: EntityManager;
  private readonly t: Record<
    | 'artworks'
    | 'transfers'
    | 'sales'
    | 'orders'
    | 'trades'
    | 'streams'
    | 'artworksHead'
    | 'salesHead',
    string
  >;

  /** `chain`: the chain-fact read models' DataSource; `orders`: the orders model's (same database). */
  constructor(chain: DataSource, orders: DataSource) {
    this.manager = orders.manager;
    const c = chain.manager;
    const o = orders.manager;
    this.t = {
      artworks: tablePath(c, ArtworkEntity),
      transfers: tablePath(c, ArtworkTransferEntity),
      sales: tablePath(c, ChainTradeEntity),
      artworksHead: tablePath(c, ArtworksHeadEntity),
      salesHead: tablePath(c, ChainTradesHeadEntity),
      orders: tablePath(o, MarketOrderEntity),
      trades: tablePath(o, MarketTradeEntity),
      streams: tablePath(o, MarketStreamEntity),
    };
  }

  /** The chain block both chain models reached (the lower head), and the orders model's newest
   *  global position. */
  async position(): Promise<{ block: string | null; market: string | null }> {
    const [a, s, m] = await Promise.all([
      headBlock(this.manager, this.t.artworksHead),
      headBlock(this.manager, this.t.salesHead),
      this.manager.query(`SELECT MAX(position)::text AS p FROM ${this.t.streams}`) as Promise<
        { p: string | null }[]
      >,
    ]);
    const block = a === null || s === null ? null : BigInt(a) < BigInt(s) ? a : s;
    return { block, market: m[0]?.p ?? null };
  }

  async list(
    query: ActivityQuery = {},
    maxPage = 500,
  ): Promise<{ items: ActivityItem[]; nextCursor: string | null }> {
    const limit = Math.min(Math.max(Math.trunc(query.limit ?? 50), 1), maxPage);
    const kinds = new Set<ActivityKind>(query.kinds?.length ? query.kinds : ACTIVITY_KINDS);
    const params: unknown[] = [];
    const param = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    const collection = query.collection ? param(query.collection) : null;
    const tokenId = query.tokenId !== undefined ? param(query.tokenId) : null;
    const account = query.account ? param(query.account) : null;
    let after = 'TRUE';
    if (query.cursor) {
      const [atUs, id] = decodeCursor(query.cursor, SCOPE, [DIGITS, ID_TEXT]);
      // The time as a timestamptz, exactly (integer microseconds), so each branch compares its
      // own column and an index on it can serve the page.
      after = `(at, id) < ('epoch'::timestamptz + ${param(atUs)}::bigint * interval '1 microsecond',
        ${param(id)}::text)`;
    }
    const n = param(limit + 1);
    const all = (...conds: (string | null | false)[]) =>
      conds.filter((c): c is string => typeof c === 'string').join(' AND ') || 'TRUE';
    const on = (a: string) => ({
      collection: collection && `${a}.collection = ${collection}`,
      token: tokenId && `${a}.token_id = ${tokenId}::numeric`,
      either: (x: string, y: string) =>
        account && `(${a}.${x} = ${account} OR ${a}.${y} = ${account})`,
      one: (x: string) => account && `${a}.${x} = ${account}`,
    });
    const atUs = (col: string) => `(EXTRACT(EPOCH FROM ${col}) * 1000000)::bigint`;
    const branches: string[] = [];
    const branch = (select: string) =>
      branches.push(
        `(SELECT * FROM (${select}) AS x(${COLUMNS}) WHERE ${after}
          ORDER BY at DESC, id DESC LIMIT ${n})`,
      );

    if (kinds.has('mint')) {
      const w = on('a');
      branch(`SELECT 'mint:' || a.mint_fact_id AS id, 'mint' AS kind, a.minted_at AS at,
          ${atUs('a.minted_at')} AS at_us, a.collection, a.token_id::text AS token_id,
          NULL::text AS from_a, a.minted_to AS to_a, NULL::text AS price, NULL::text AS currency,
          NULL::text AS order_hash, NULL::text AS trade_id, NULL::text AS status,
          a.minted_block::text AS block, a.minted_log_index AS log_index, a.minted_tx AS tx_hash
        FROM ${this.t.artworks} a
        WHERE ${all(w.collection, w.token, w.either('creator', 'minted_to'))}`);
    }
    if (kinds.has('transfer')) {
      const w = on('t');
      branch(`SELECT 'transfer:' || t.fact_id, 'transfer', t.at, ${atUs('t.at')},
          t.collection, t.token_id::text, t.from_address, t.to_address, NULL, NULL, NULL, NULL,
          NULL, t.block::text, t.log_index, t.tx_hash
        FROM ${this.t.transfers} t
        WHERE ${all(w.collection, w.token, w.either('from_address', 'to_address'))}
          AND t.at IS NOT NULL AND t.from_address <> '${ZERO}'
          AND NOT EXISTS (SELECT 1 FROM ${this.t.sales} s WHERE s.collection = t.collection
            AND s.token_id = t.token_id AND s.tx_hash = t.tx_hash)`);
    }
    if (kinds.has('sale')) {
      const w = on('s');
      branch(`SELECT 'sale:' || s.fact_id, 'sale', s.settled_at, ${atUs('s.settled_at')},
          s.collection, s.token_id::text, s.seller, s.buyer, s.price::text, s.currency, NULL,
          NULL, 'settled', s.block::text, s.log_index, s.tx_hash
        FROM ${this.t.sales} s WHERE ${all(w.collection, w.token, w.either('seller', 'buyer'))}`);
    }
    const orderKinds: [ActivityKind, number][] = [
      ['listing', OrderKind.Ask],
      ['bid', OrderKind.TokenBid],
      ['collection-bid', OrderKind.CollectionBid],
    ];
    const placed = orderKinds.filter(
      ([k, kind]) => kinds.has(k) && !(tokenId && kind === OrderKind.CollectionBid),
    );
    // An order's side decides which end of the move its maker is.
    const orderColumns = (a: string) => `${a}.collection,
        CASE WHEN ${a}.kind = ${OrderKind.CollectionBid} THEN NULL ELSE ${a}.token_id::text END,
        CASE WHEN ${a}.kind = ${OrderKind.Ask} THEN ${a}.maker END,
        CASE WHEN ${a}.kind <> ${OrderKind.Ask} THEN ${a}.maker END,
        ${a}.price::text, ${a}.currency, ${a}.hash, ${a}.trade_id, ${a}.status,
        NULL, NULL::int, NULL`;
    const orderToken = (a: string) =>
      tokenId &&
      `(${a}.kind <> ${OrderKind.CollectionBid} AND ${a}.token_id = ${tokenId}::numeric)`;
    if (placed.length) {
      const w = on('o');
      branch(`SELECT CASE o.kind WHEN ${OrderKind.Ask} THEN 'listing:' WHEN ${OrderKind.TokenBid}
            THEN 'bid:' ELSE 'collection-bid:' END || o.hash,
          CASE o.kind WHEN ${OrderKind.Ask} THEN 'listing' WHEN ${OrderKind.TokenBid} THEN 'bid'
            ELSE 'collection-bid' END,
          o.accepted_at, ${atUs('o.accepted_at')}, ${orderColumns('o')}
        FROM ${this.t.orders} o
        WHERE ${all(w.collection, orderToken('o'), w.one('maker'))}
          AND o.kind IN (${placed.map(([, k]) => k).join(', ')})`);
    }
    if (kinds.has('cancel')) {
      const w = on('o');
      branch(`SELECT 'cancel:' || o.hash, 'cancel', o.updated_at, ${atUs('o.updated_at')},
          ${orderColumns('o')}
        FROM ${this.t.orders} o
        WHERE ${all(w.collection, orderToken('o'), w.one('maker'))}
          AND o.status IN ('cancelled', 'cancelled-off-chain')`);
    }
    if (kinds.has('match')) {
      const w = on('m');
      branch(`SELECT 'match:' || m.trade_id, 'match', m.matched_at, ${atUs('m.matched_at')},
          m.collection, m.token_id::text, m.seller, m.buyer, m.price::text, m.currency, NULL,
          m.trade_id, m.status, m.block::text, NULL::int, m.tx_hash
        FROM ${this.t.trades} m WHERE ${all(w.collection, w.token, w.either('seller', 'buyer'))}`);
    }
    if (branches.length === 0) return { items: [], nextCursor: null };
    const rows: ActivitySqlRow[] = await this.manager.query(
      `SELECT * FROM (${branches.join(' UNION ALL ')}) u ORDER BY at DESC, id DESC LIMIT ${n}`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({
        id: r.id,
        kind: r.kind,
        at: new Date(r.at).toISOString(),
        collection: r.collection,
        tokenId: r.token_id,
        from: r.from_a,
        to: r.to_a,
        price: r.price,
        currency: r.currency,
        orderHash: r.order_hash,
        tradeId: r.trade_id,
        status: r.status,
        block: r.block,
        logIndex: r.log_index === null ? null : Number(r.log_index),
        transactionHash: r.tx_hash,
      })),
      nextCursor:
        rows.length > limit && last ? encodeCursor(SCOPE, [String(last.at_us), last.id]) : null,
    };
  }
}
