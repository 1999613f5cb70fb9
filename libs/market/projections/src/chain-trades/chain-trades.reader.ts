// Reading settled trades: a keyset-paginated listing (newest first; filters collection, account
// as seller or buyer, block range) and a collection's stats (volume and sales per currency,
// unique buyers, last sale; the floor from the orders read model's fillable asks when that
// model lives in the same database). Every answer carries the block the model reflects.
import type { DataSource, EntityManager } from 'typeorm';
import { tablePath } from '@atelier/projections';
import { DIGITS, decodeCursor, encodeCursor, headBlock } from '../chain-facts/chain-facts';
import { MarketOrderEntity } from '../orders/orders.entities';
import { ChainTradeEntity, ChainTradesHeadEntity } from './chain-trades.entities';

export interface ChainTradeView {
  readonly factId: string;
  readonly marketplace: string;
  readonly collection: string;
  readonly tokenId: string;
  readonly askHash: string;
  readonly bidHash: string;
  readonly seller: string;
  readonly buyer: string;
  readonly currency: string;
  readonly price: string;
  readonly protocolFee: string;
  readonly royaltyReceiver: string;
  readonly royalty: string;
  readonly attribution: string;
  readonly sellerProceeds: string;
  readonly block: string;
  readonly logIndex: number;
  readonly transactionHash: string;
  readonly settledAt: string;
}

export interface TradeListQuery {
  readonly collection?: string;
  /** Trades where this account sold or bought. */
  readonly account?: string;
  readonly fromBlock?: bigint;
  readonly toBlock?: bigint;
  readonly cursor?: string;
  readonly limit?: number;
}

export interface CurrencyStats {
  readonly currency: string;
  readonly volume: string;
  readonly sales: number;
  /** Lowest fillable ask in this currency; null without one (or without the orders model). */
  readonly floor: string | null;
}

export interface CollectionStats {
  readonly collection: string;
  readonly sales: number;
  readonly uniqueBuyers: number;
  readonly currencies: readonly CurrencyStats[];
  readonly lastSale: { readonly block: string; readonly at: string } | null;
}

/** A row of chain_trades as the readers select it (also the GraphQL loaders'). */
export interface ChainTradeSqlRow {
  fact_id: string;
  marketplace: string;
  collection: string;
  token_id: string;
  ask_hash: string;
  bid_hash: string;
  seller: string;
  buyer: string;
  currency: string;
  price: string;
  protocol_fee: string;
  royalty_receiver: string;
  royalty: string;
  attribution: string;
  seller_proceeds: string;
  block: string;
  log_index: number;
  tx_hash: string;
  settled_at: Date;
}

export const CHAIN_TRADE_COLUMNS = `fact_id, marketplace, collection, token_id::text AS token_id, ask_hash, bid_hash,
  seller, buyer, currency, price::text AS price, protocol_fee::text AS protocol_fee,
  royalty_receiver, royalty::text AS royalty, attribution::text AS attribution,
  seller_proceeds::text AS seller_proceeds, block::text AS block, log_index, tx_hash, settled_at`;

export const chainTradeView = (r: ChainTradeSqlRow): ChainTradeView => ({
  factId: r.fact_id,
  marketplace: r.marketplace,
  collection: r.collection,
  tokenId: r.token_id,
  askHash: r.ask_hash,
  bidHash: r.bid_hash,
  seller: r.seller,
  buyer: r.buyer,
  currency: r.currency,
  price: r.price,
  protocolFee: r.protocol_fee,
  royaltyReceiver: r.royalty_receiver,
  royalty: r.royalty,
  attribution: r.attribution,
  sellerProceeds: r.seller_proceeds,
  block: r.block,
  logIndex: Number(r.log_index),
  transactionHash: r.tx_hash,
  settledAt: new Date(r.settled_at).toISOString(),
});

const SCOPE = 'trades';

export class ChainTradesReader {
  private readonly manager: EntityManager;
  private readonly trades: string;
  private readonly head: string;
  private readonly orders: string | null;

  /** `orders`: the orders read model's DataSource, when the floor should come from it. */
  constructor(dataSource: DataSource, orders?: DataSource) {
    this.manager = dataSource.manager;
    this.trades = tablePath(this.manager, ChainTradeEntity);
    this.head = tablePath(this.manager, ChainTradesHeadEntity);
    this.orders = orders ? tablePath(orders.manager, MarketOrderEntity) : null;
  }

  position(): Promise<string | null> {
    return headBlock(this.manager, this.head);
  }

  async list(
    query: TradeListQuery = {},
    maxPage = 500,
  ): Promise<{ items: ChainTradeView[]; nextCursor: string | null }> {
    const limit = Math.min(Math.max(Math.trunc(query.limit ?? 50), 1), maxPage);
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    if (query.collection) where.push(`collection = ${param(query.collection)}`);
    if (query.account) {
      const p = param(query.account);
      where.push(`(seller = ${p} OR buyer = ${p})`);
    }
    if (query.fromBlock !== undefined) where.push(`block >= ${param(query.fromBlock.toString())}`);
    if (query.toBlock !== undefined) where.push(`block <= ${param(query.toBlock.toString())}`);
    if (query.cursor) {
      const [block, log] = decodeCursor(query.cursor, SCOPE, [DIGITS, DIGITS]);
      where.push(`(block, log_index) < (${param(block)}::bigint, ${param(log)}::int)`);
    }
    const rows: ChainTradeSqlRow[] = await this.manager.query(
      `SELECT ${CHAIN_TRADE_COLUMNS} FROM ${this.trades} t ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY t.block DESC, t.log_index DESC LIMIT ${param(limit + 1)}`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(chainTradeView),
      nextCursor:
        rows.length > limit && last
          ? encodeCursor(SCOPE, [last.block, String(last.log_index)])
          : null,
    };
  }

  async stats(collection: string): Promise<CollectionStats> {
    const perCurrency: { currency: string; volume: string; sales: string }[] =
      await this.manager.query(
        `SELECT currency, SUM(price)::text AS volume, COUNT(*)::text AS sales
         FROM ${this.trades} WHERE collection = $1 GROUP BY currency ORDER BY currency`,
        [collection],
      );
    const totals: { sales: string; buyers: string; block: string | null; at: Date | null }[] =
      await this.manager.query(
        `SELECT COUNT(*)::text AS sales, COUNT(DISTINCT buyer)::text AS buyers,
           MAX(block)::text AS block, MAX(settled_at) AS at
         FROM ${this.trades} WHERE collection = $1`,
        [collection],
      );
    const floors = new Map<string, string>();
    if (this.orders) {
      const rows: { currency: string; floor: string }[] = await this.manager.query(
        `SELECT currency, MIN(price)::text AS floor FROM ${this.orders}
         WHERE collection = $1 AND kind = 0 AND status = 'fillable' GROUP BY currency`,
        [collection],
      );
      for (const r of rows) floors.set(r.currency.toLowerCase(), r.floor);
    }
    const currencies = new Map<string, CurrencyStats>();
    for (const r of perCurrency)
      currencies.set(r.currency, {
        currency: r.currency,
        volume: r.volume,
        sales: Number(r.sales),
        floor: floors.get(r.currency) ?? null,
      });
    for (const [currency, floor] of floors)
      if (!currencies.has(currency))
        currencies.set(currency, { currency, volume: '0', sales: 0, floor });
    const t = totals[0];
    return {
      collection,
      sales: Number(t?.sales ?? 0),
      uniqueBuyers: Number(t?.buyers ?? 0),
      currencies: [...currencies.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
      lastSale: t?.block && t.at ? { block: t.block, at: new Date(t.at).toISOString() } : null,
    };
  }
}
