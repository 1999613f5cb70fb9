// Trades the market matched and the chain has not settled yet (market_trades, status
// `matched`), read beside the settled ones (chain_trades): a listing of the pending trades
// alone or of both (newest first, one keyset over both tables), and what the pending trades
// will move in each ledger when they settle (buyer paid, seller proceeds, royalty,
// attribution per contributor, protocol fee), from the split the decider fixed at the match
// (the same rounding the contract applies, docs/market.md).
//
// A trade is pending while its market_trades row says `matched` and no TradeSettled fact of
// the same pair is in chain_trades: the two models advance independently, and a trade the
// chain settled but the market has not heard of yet must count once (as settled), not twice.
// Both models live in one database (the gateway's READ_MODEL_SCHEMA); this reader joins them.
import type { DataSource, EntityManager } from 'typeorm';
import { tablePath } from '@atelier/projections';
import { DIGITS, decodeCursor, encodeCursor } from '../chain-facts/chain-facts';
import { ChainTradeEntity } from '../chain-trades/chain-trades.entities';
import type { ChainTradeView } from '../chain-trades/chain-trades.reader';
import { MarketStreamEntity, MarketTradeEntity } from '../orders/orders.entities';

export const TRADE_LISTINGS = ['settled', 'matched', 'all'] as const;
export type TradeListing = (typeof TRADE_LISTINGS)[number];

export interface MatchedTradeView {
  readonly status: 'matched';
  readonly tradeId: string;
  readonly collection: string;
  readonly tokenId: string;
  readonly askHash: string;
  readonly bidHash: string;
  readonly seller: string;
  readonly buyer: string;
  readonly currency: string;
  readonly price: string;
  readonly protocolFee: string;
  readonly feeRecipient: string | null;
  readonly royaltyReceiver: string | null;
  readonly royalty: string;
  readonly attribution: string;
  readonly contributors: readonly { readonly account: string; readonly amount: string }[];
  readonly sellerProceeds: string;
  readonly matchedAt: string;
}

export type SettledTradeItem = ChainTradeView & { readonly status: 'settled' };
export type TradeItem = SettledTradeItem | MatchedTradeView;

export interface MatchedTradeListQuery {
  /** `matched`: pending trades only; `all`: pending and settled, newest first. */
  readonly status: Exclude<TradeListing, 'settled'>;
  readonly collection?: string;
  /** Trades where this account sells or buys. */
  readonly account?: string;
  readonly cursor?: string;
  readonly limit?: number;
}

/** What the pending trades will move in one account's ledger, per currency. */
export interface PendingLedger {
  readonly currency: string;
  /** Matched trades that move this account's ledger in this currency. */
  readonly trades: number;
  readonly paid: string;
  readonly credited: {
    readonly royalty: string;
    readonly attribution: string;
    readonly fee: string;
    readonly proceeds: string;
  };
  /** credits − paid: what the balance moves by once they all settle. */
  readonly net: string;
}

interface MatchedSqlRow {
  trade_id: string;
  collection: string;
  token_id: string;
  ask_hash: string;
  bid_hash: string;
  seller: string;
  buyer: string;
  currency: string;
  price: string;
  split: Record<string, unknown>;
  matched_at: Date;
}

const str = (v: unknown, fallback = '0'): string =>
  typeof v === 'string' || typeof v === 'number' ? String(v) : fallback;

const toMatched = (r: MatchedSqlRow): MatchedTradeView => {
  const s = r.split;
  const contributors = Array.isArray(s['contributors'])
    ? (s['contributors'] as { account: string; amount: unknown }[]).map((c) => ({
        account: String(c.account).toLowerCase(),
        amount: str(c.amount),
      }))
    : [];
  const addr = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : null);
  return {
    status: 'matched',
    tradeId: r.trade_id,
    collection: r.collection,
    tokenId: r.token_id,
    askHash: r.ask_hash,
    bidHash: r.bid_hash,
    seller: r.seller,
    buyer: r.buyer,
    currency: r.currency,
    price: r.price,
    protocolFee: str(s['protocolFee']),
    feeRecipient: addr(s['feeRecipient']),
    royaltyReceiver: addr(s['royaltyReceiver']),
    royalty: str(s['royalty']),
    attribution: str(s['attribution']),
    contributors,
    sellerProceeds: str(s['sellerProceeds']),
    matchedAt: new Date(r.matched_at).toISOString(),
  };
};

const SETTLED_COLUMNS = `fact_id, marketplace, collection, token_id::text AS token_id, ask_hash,
  bid_hash, seller, buyer, currency, price::text AS price, protocol_fee::text AS protocol_fee,
  royalty_receiver, royalty::text AS royalty, attribution::text AS attribution,
  seller_proceeds::text AS seller_proceeds, block::text AS block, log_index, tx_hash, settled_at`;

type SettledSqlRow = Record<string, unknown> & {
  fact_id: string;
  block: string;
  log_index: number;
  settled_at: Date;
};

const toSettled = (r: SettledSqlRow): SettledTradeItem => ({
  status: 'settled',
  factId: r.fact_id,
  marketplace: r['marketplace'] as string,
  collection: r['collection'] as string,
  tokenId: r['token_id'] as string,
  askHash: r['ask_hash'] as string,
  bidHash: r['bid_hash'] as string,
  seller: r['seller'] as string,
  buyer: r['buyer'] as string,
  currency: r['currency'] as string,
  price: r['price'] as string,
  protocolFee: r['protocol_fee'] as string,
  royaltyReceiver: r['royalty_receiver'] as string,
  royalty: r['royalty'] as string,
  attribution: r['attribution'] as string,
  sellerProceeds: r['seller_proceeds'] as string,
  block: r.block,
  logIndex: Number(r.log_index),
  transactionHash: r['tx_hash'] as string,
  settledAt: new Date(r.settled_at).toISOString(),
});

/** The keyset tie-breaker of a row: unique, and sortable as text within one instant. */
const KEY_TEXT = /^[ms][0-9a-z:x]{1,200}$/;

export class MatchedTradesReader {
  private readonly manager: EntityManager;
  private readonly trades: string;
  private readonly streams: string;
  private readonly chainTrades: string;

  /** `chain`: the chain-fact read models' DataSource; `orders`: the orders model's (same database). */
  constructor(chain: DataSource, orders: DataSource) {
    this.manager = orders.manager;
    this.trades = tablePath(orders.manager, MarketTradeEntity);
    this.streams = tablePath(orders.manager, MarketStreamEntity);
    this.chainTrades = tablePath(chain.manager, ChainTradeEntity);
  }

  /** The newest global position the orders model applied (of `collection`'s market if given). */
  async position(collection?: string): Promise<string | null> {
    const rows: { p: string | null }[] = await this.manager.query(
      collection
        ? `SELECT position::text AS p FROM ${this.streams} WHERE collection = $1`
        : `SELECT MAX(position)::text AS p FROM ${this.streams}`,
      collection ? [collection] : [],
    );
    return rows[0]?.p ?? null;
  }

  /** Matched trades not yet settled on chain, as `m`. */
  private pendingSql(where: string): string {
    return `SELECT m.* FROM ${this.trades} m
      WHERE m.status = 'matched' AND ${where}
        AND NOT EXISTS (SELECT 1 FROM ${this.chainTrades} c
          WHERE c.collection = m.collection AND c.token_id = m.token_id
            AND c.ask_hash = m.ask_hash AND c.bid_hash = m.bid_hash)`;
  }

  /** Newest first: pending trades by match time, settled ones by block time. */
  async list(
    query: MatchedTradeListQuery,
    maxPage = 500,
  ): Promise<{ items: TradeItem[]; nextCursor: string | null }> {
    const limit = Math.min(Math.max(Math.trunc(query.limit ?? 50), 1), maxPage);
    const scope = `trades:${query.status}`;
    const params: unknown[] = [];
    const param = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    const collection = query.collection ? param(query.collection) : null;
    const account = query.account ? param(query.account) : null;
    const where = (a: string) =>
      [
        ...(collection ? [`${a}.collection = ${collection}`] : []),
        ...(account ? [`(${a}.seller = ${account} OR ${a}.buyer = ${account})`] : []),
      ].join(' AND ') || 'TRUE';
    let after = 'TRUE';
    if (query.cursor) {
      const [at, key] = decodeCursor(query.cursor, scope, [DIGITS, KEY_TEXT]);
      // Compared on each table's own time column (exact microseconds), so its index serves.
      after = `(at, k) < ('epoch'::timestamptz + ${param(at)}::bigint * interval '1 microsecond',
        ${param(key)}::text)`;
    }
    const n = param(limit + 1);
    const matched = `SELECT * FROM (
        SELECT 'm' AS src, p.matched_at AS at,
          (EXTRACT(EPOCH FROM p.matched_at) * 1000000)::bigint AS at_us,
          'm' || p.trade_id AS k, p.trade_id AS id
        FROM (${this.pendingSql(where('m'))}) p) x
      WHERE ${after} ORDER BY at DESC, k DESC LIMIT ${n}`;
    const settled = `SELECT * FROM (
        SELECT 's' AS src, c.settled_at AS at,
          (EXTRACT(EPOCH FROM c.settled_at) * 1000000)::bigint AS at_us,
          's' || lpad(c.block::text, 20, '0') || ':' || lpad(c.log_index::text, 10, '0') AS k,
          c.fact_id AS id
        FROM ${this.chainTrades} c WHERE ${where('c')}) x
      WHERE ${after} ORDER BY at DESC, k DESC LIMIT ${n}`;
    const keys: { src: 'm' | 's'; at_us: string; k: string; id: string }[] =
      await this.manager.query(
        query.status === 'matched'
          ? matched
          : `SELECT * FROM ((${matched}) UNION ALL (${settled})) u
             ORDER BY at DESC, k DESC LIMIT ${n}`,
        params,
      );
    const page = keys.slice(0, limit);
    const mIds = page.filter((r) => r.src === 'm').map((r) => r.id);
    const sIds = page.filter((r) => r.src === 's').map((r) => r.id);
    const [mRows, sRows] = await Promise.all([
      mIds.length
        ? (this.manager.query(
            `SELECT trade_id, collection, token_id::text AS token_id, ask_hash, bid_hash, seller,
               buyer, currency, price::text AS price, split, matched_at
             FROM ${this.trades} WHERE trade_id = ANY($1::text[])`,
            [mIds],
          ) as Promise<MatchedSqlRow[]>)
        : Promise.resolve([] as MatchedSqlRow[]),
      sIds.length
        ? (this.manager.query(
            `SELECT ${SETTLED_COLUMNS} FROM ${this.chainTrades} WHERE fact_id = ANY($1::text[])`,
            [sIds],
          ) as Promise<SettledSqlRow[]>)
        : Promise.resolve([] as SettledSqlRow[]),
    ]);
    const byM = new Map(mRows.map((r) => [r.trade_id, toMatched(r)]));
    const byS = new Map(sRows.map((r) => [r.fact_id, toSettled(r)]));
    const items = page
      .map((r) => (r.src === 'm' ? byM.get(r.id) : byS.get(r.id)))
      .filter((x): x is TradeItem => x !== undefined);
    const last = page[page.length - 1];
    return {
      items,
      nextCursor: keys.length > limit && last ? encodeCursor(scope, [last.at_us, last.k]) : null,
    };
  }

  /** What the pending trades will move in `account`'s ledger, per currency (none: []). */
  async pending(account: string, currency?: string): Promise<PendingLedger[]> {
    // One pass over the pending trades where the account takes a part (buyer, seller, royalty
    // receiver, fee recipient, contributor), each part summed by currency.
    const rows: {
      currency: string;
      trades: string;
      paid: string;
      proceeds: string;
      royalty: string;
      fee: string;
      attribution: string;
    }[] = await this.manager.query(
      `SELECT currency, COUNT(*)::text AS trades,
         SUM(CASE WHEN buyer = $1 THEN price ELSE 0 END)::text AS paid,
         SUM(CASE WHEN seller = $1 THEN (split->>'sellerProceeds')::numeric ELSE 0 END)::text
           AS proceeds,
         SUM(CASE WHEN lower(split->>'royaltyReceiver') = $1
           THEN (split->>'royalty')::numeric ELSE 0 END)::text AS royalty,
         SUM(CASE WHEN lower(split->>'feeRecipient') = $1
           THEN (split->>'protocolFee')::numeric ELSE 0 END)::text AS fee,
         SUM(share)::text AS attribution
       FROM (${this.pendingSql('($2::text IS NULL OR m.currency = $2)')}) p
       CROSS JOIN LATERAL (SELECT COALESCE(SUM((c->>'amount')::numeric), 0) AS share
         FROM jsonb_array_elements(COALESCE(p.split->'contributors', '[]'::jsonb)) c
         WHERE lower(c->>'account') = $1) s
       WHERE buyer = $1 OR seller = $1 OR lower(split->>'royaltyReceiver') = $1
         OR lower(split->>'feeRecipient') = $1 OR s.share > 0
       GROUP BY currency ORDER BY currency`,
      [account, currency ?? null],
    );
    return rows.map((r) => {
      const credited = {
        royalty: r.royalty,
        attribution: r.attribution,
        fee: r.fee,
        proceeds: r.proceeds,
      };
      const net =
        BigInt(r.royalty) +
        BigInt(r.attribution) +
        BigInt(r.fee) +
        BigInt(r.proceeds) -
        BigInt(r.paid);
      return {
        currency: r.currency,
        trades: Number(r.trades),
        paid: r.paid,
        credited,
        net: net.toString(),
      };
    });
  }
}
