// Reading the orders model: one order, a keyset-paginated listing, and the questions the
// market's use cases ask of it (the OrderDirectory port of @atelier/market-application, met
// structurally, and what the fillability tracker needs: which markets exist, where a maker
// has orders, which trade two order hashes are). Rows come back as domain values (bigints,
// branded addresses and hashes).
import type { DataSource, EntityManager } from 'typeorm';
import { asAddress, asOrderHash, CodedError, type Address, type OrderHash } from '@atelier/kernel';
import { MARKET_CATEGORY, type OrderKind, type OrderStatus } from '@atelier/market-domain';
import { tablePath } from '@atelier/projections';
import {
  MarketOrderEntity,
  MarketStreamEntity,
  MarketTradeEntity,
  type TradeStatus,
} from './orders.entities';

export interface OrderView {
  readonly hash: OrderHash;
  readonly collection: Address;
  readonly maker: Address;
  readonly kind: OrderKind;
  readonly tokenId: bigint;
  readonly currency: Address;
  readonly price: bigint;
  readonly start: bigint;
  readonly expiry: bigint;
  readonly counter: bigint;
  readonly nonce: bigint;
  readonly signature: `0x${string}`;
  readonly status: OrderStatus;
  readonly reason: string | null;
  readonly tradeId: string | null;
  readonly seq: number;
  readonly acceptedAt: string;
  readonly updatedAt: string;
}

export interface TradeView {
  readonly tradeId: string;
  readonly collection: Address;
  readonly askHash: OrderHash;
  readonly bidHash: OrderHash;
  readonly buyer: Address;
  readonly seller: Address;
  readonly currency: Address;
  readonly tokenId: bigint;
  readonly price: bigint;
  readonly split: Readonly<Record<string, unknown>>;
  readonly status: TradeStatus;
  readonly transactionHash: `0x${string}` | null;
  readonly block: bigint | null;
  readonly reason: string | null;
}

export interface OrderListQuery {
  readonly maker?: Address;
  readonly status?: OrderStatus;
  readonly collection?: Address;
  /** `nextCursor` of the previous page; absent for the first. */
  readonly cursor?: string;
  /** 1..500, default 50. */
  readonly limit?: number;
}

export interface OrderPage {
  /** Newest first (by arrival). */
  readonly items: readonly OrderView[];
  /** Pass back for the next page; null on the last one. */
  readonly nextCursor: string | null;
}

export class OrdersReadError extends CodedError<'ORDERS.BAD_CURSOR'> {
  override readonly name = 'OrdersReadError';
}

export const MAX_PAGE = 500;

/** Statuses after which an order never trades or changes again short of a reorg. */
const CLOSED_FOR_GOOD = ['cancelled-off-chain', 'replaced', 'expired'];

interface OrderSqlRow {
  hash: string;
  collection: string;
  maker: string;
  kind: number;
  token_id: string;
  currency: string;
  price: string;
  start: string;
  expiry: string;
  counter: string;
  nonce: string;
  signature: string;
  status: string;
  reason: string | null;
  trade_id: string | null;
  seq: number;
  accepted_at: Date;
  updated_at: Date;
  accepted_position: string;
}

const toOrder = (r: OrderSqlRow): OrderView => ({
  hash: asOrderHash(r.hash),
  collection: asAddress(r.collection),
  maker: asAddress(r.maker),
  kind: Number(r.kind) as OrderKind,
  tokenId: BigInt(r.token_id),
  currency: asAddress(r.currency),
  price: BigInt(r.price),
  start: BigInt(r.start),
  expiry: BigInt(r.expiry),
  counter: BigInt(r.counter),
  nonce: BigInt(r.nonce),
  signature: r.signature as `0x${string}`,
  status: r.status as OrderStatus,
  reason: r.reason,
  tradeId: r.trade_id,
  seq: Number(r.seq),
  acceptedAt: new Date(r.accepted_at).toISOString(),
  updatedAt: new Date(r.updated_at).toISOString(),
});

const encodeCursor = (position: string): string =>
  Buffer.from(`p:${position}`).toString('base64url');

function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^p:(\d{1,19})$/.exec(text);
  if (!m) throw new OrdersReadError('ORDERS.BAD_CURSOR', 'the cursor is not one this API gave');
  return m[1] as string;
}

export class OrdersReader {
  private readonly manager: EntityManager;
  private readonly orders: string;
  private readonly trades: string;
  private readonly streams: string;

  constructor(dataSource: DataSource) {
    this.manager = dataSource.manager;
    this.orders = tablePath(this.manager, MarketOrderEntity);
    this.trades = tablePath(this.manager, MarketTradeEntity);
    this.streams = tablePath(this.manager, MarketStreamEntity);
  }

  async get(hash: OrderHash): Promise<OrderView | null> {
    const rows: OrderSqlRow[] = await this.manager.query(
      `SELECT * FROM ${this.orders} WHERE hash = $1`,
      [hash],
    );
    return rows[0] ? toOrder(rows[0]) : null;
  }

  /** Newest first, keyset-paginated on the arrival position (stable under concurrent inserts). */
  async list(query: OrderListQuery = {}): Promise<OrderPage> {
    const limit = Math.min(Math.max(Math.trunc(query.limit ?? 50), 1), MAX_PAGE);
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    if (query.maker) where.push(`maker = ${param(query.maker)}`);
    if (query.status) where.push(`status = ${param(query.status)}`);
    if (query.collection) where.push(`collection = ${param(query.collection)}`);
    if (query.cursor) where.push(`accepted_position < ${param(decodeCursor(query.cursor))}`);
    const rows: OrderSqlRow[] = await this.manager.query(
      `SELECT * FROM ${this.orders} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY accepted_position DESC LIMIT ${param(limit + 1)}`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toOrder),
      nextCursor: rows.length > limit && last ? encodeCursor(last.accepted_position) : null,
    };
  }

  async collectionsOf(hashes: readonly OrderHash[]): Promise<ReadonlyMap<OrderHash, Address>> {
    if (hashes.length === 0) return new Map();
    const rows: { hash: string; collection: string }[] = await this.manager.query(
      `SELECT hash, collection FROM ${this.orders} WHERE hash = ANY($1::text[])`,
      [[...hashes]],
    );
    return new Map(rows.map((r) => [asOrderHash(r.hash), asAddress(r.collection)]));
  }

  /** Sum of the prices of trades matched and not settled (nor released) where `maker` buys in
   *  `currency`, in every market but `except`. */
  async reservedElsewhere(maker: Address, currency: Address, except: Address): Promise<bigint> {
    const rows: { total: string | null }[] = await this.manager.query(
      `SELECT SUM(price)::text AS total FROM ${this.trades}
       WHERE buyer = $1 AND currency = $2 AND collection <> $3 AND status = 'matched'`,
      [maker, currency, except],
    );
    return BigInt(rows[0]?.total ?? '0');
  }

  /** The markets where `maker` has orders that may still trade (or come back after a reorg). */
  async marketsOfMaker(maker: Address): Promise<readonly Address[]> {
    const rows: { collection: string }[] = await this.manager.query(
      `SELECT DISTINCT collection FROM ${this.orders} WHERE maker = $1 AND status <> ALL($2::text[])`,
      [maker, CLOSED_FOR_GOOD],
    );
    return rows.map((r) => asAddress(r.collection)).sort();
  }

  /** Token ids of `maker`'s asks in `collection` that may still trade. */
  async askTokensOf(maker: Address, collection: Address): Promise<readonly bigint[]> {
    const rows: { token_id: string }[] = await this.manager.query(
      `SELECT DISTINCT token_id::text AS token_id FROM ${this.orders}
       WHERE maker = $1 AND collection = $2 AND kind = 0 AND status <> ALL($3::text[])`,
      [maker, collection, CLOSED_FOR_GOOD],
    );
    return rows.map((r) => BigInt(r.token_id)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Every collection with a market (at least one event applied). */
  async markets(): Promise<readonly Address[]> {
    const rows: { collection: string }[] = await this.manager.query(
      `SELECT collection FROM ${this.streams} ORDER BY collection`,
    );
    return rows.map((r) => asAddress(r.collection));
  }

  /** Those of `collections` that have a market. */
  async marketsAmong(collections: readonly Address[]): Promise<ReadonlySet<Address>> {
    if (collections.length === 0) return new Set();
    const rows: { collection: string }[] = await this.manager.query(
      `SELECT collection FROM ${this.streams} WHERE collection = ANY($1::text[])`,
      [[...collections]],
    );
    return new Set(rows.map((r) => asAddress(r.collection)));
  }

  async trade(tradeId: string): Promise<TradeView | null> {
    const rows: TradeSqlRow[] = await this.manager.query(
      `SELECT * FROM ${this.trades} WHERE trade_id = $1`,
      [tradeId],
    );
    return rows[0] ? toTrade(rows[0]) : null;
  }

  /** The latest trade of ours that paired these two orders (the chain names trades by them). */
  async tradeOf(askHash: OrderHash, bidHash: OrderHash): Promise<TradeView | null> {
    const rows: TradeSqlRow[] = await this.manager.query(
      `SELECT * FROM ${this.trades} WHERE ask_hash = $1 AND bid_hash = $2
       ORDER BY last_position DESC LIMIT 1`,
      [askHash, bidHash],
    );
    return rows[0] ? toTrade(rows[0]) : null;
  }

  async tradesOf(collection: Address): Promise<readonly TradeView[]> {
    const rows: TradeSqlRow[] = await this.manager.query(
      `SELECT * FROM ${this.trades} WHERE collection = $1 ORDER BY trade_id`,
      [collection],
    );
    return rows.map(toTrade);
  }

  /**
   * Read-your-writes: true once every named market has applied its events up to `position`
   * (a write's global position in the store). Without collections: once any market has (the
   * model's partitions advance independently, so name the markets written for a guarantee).
   */
  async positionReached(position: bigint, collections: readonly Address[] = []): Promise<boolean> {
    if (collections.length === 0) {
      const rows: { p: string | null }[] = await this.manager.query(
        `SELECT MAX(position)::text AS p FROM ${this.streams}`,
      );
      return rows[0]?.p != null && BigInt(rows[0].p) >= position;
    }
    const names = [...new Set(collections)].map((c) => `${MARKET_CATEGORY}-${c}`);
    const rows: { n: string }[] = await this.manager.query(
      `SELECT COUNT(*)::text AS n FROM ${this.streams} WHERE stream_name = ANY($1::text[]) AND position >= $2`,
      [names, position.toString()],
    );
    return Number(rows[0]?.n ?? 0) === names.length;
  }
}

interface TradeSqlRow {
  trade_id: string;
  collection: string;
  ask_hash: string;
  bid_hash: string;
  buyer: string;
  seller: string;
  currency: string;
  token_id: string;
  price: string;
  split: Record<string, unknown>;
  status: string;
  tx_hash: string | null;
  block: string | null;
  reason: string | null;
}

const toTrade = (r: TradeSqlRow): TradeView => ({
  tradeId: r.trade_id,
  collection: asAddress(r.collection),
  askHash: asOrderHash(r.ask_hash),
  bidHash: asOrderHash(r.bid_hash),
  buyer: asAddress(r.buyer),
  seller: asAddress(r.seller),
  currency: asAddress(r.currency),
  tokenId: BigInt(r.token_id),
  price: BigInt(r.price),
  split: r.split,
  status: r.status as TradeStatus,
  transactionHash: r.tx_hash as `0x${string}` | null,
  block: r.block === null ? null : BigInt(r.block),
  reason: r.reason,
});
