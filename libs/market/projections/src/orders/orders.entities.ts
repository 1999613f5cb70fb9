// The tables of the orders read model: one row per order (its signed fields and its current
// status), one per trade (matched, then settled or released), and one per market stream (the
// last global position applied to it: read-your-writes, and the list of markets). Amounts and
// uint256 fields are `numeric(78)` (read back as decimal strings); each row keeps the global
// position of the last event that changed it, so applying an older event again changes nothing.
import { EntitySchema } from 'typeorm';

export interface MarketOrderRow {
  hash: string;
  collection: string;
  maker: string;
  kind: number;
  tokenId: string;
  currency: string;
  price: string;
  start: string;
  expiry: string;
  counter: string;
  nonce: string;
  signature: string;
  status: string;
  reason: string | null;
  /** The trade holding the order while it is reserved, and the one that filled it. */
  tradeId: string | null;
  seq: number;
  acceptedAt: Date;
  /** Global position of its OrderAccepted: the keyset of the listing (unique, in arrival order). */
  acceptedPosition: string;
  updatedAt: Date;
  lastPosition: string;
}

const uint256 = { type: 'numeric', precision: 78, scale: 0 } as const;

export const MarketOrderEntity = new EntitySchema<MarketOrderRow>({
  name: 'MarketOrder',
  tableName: 'market_orders',
  columns: {
    hash: { type: 'text', primary: true },
    collection: { type: 'text' },
    maker: { type: 'text' },
    kind: { type: 'smallint' },
    tokenId: { name: 'token_id', ...uint256 },
    currency: { type: 'text' },
    price: uint256,
    start: uint256,
    expiry: uint256,
    counter: uint256,
    nonce: uint256,
    signature: { type: 'text' },
    status: { type: 'text' },
    reason: { type: 'text', nullable: true },
    tradeId: { name: 'trade_id', type: 'text', nullable: true },
    seq: { type: 'integer' },
    acceptedAt: { name: 'accepted_at', type: 'timestamptz' },
    acceptedPosition: { name: 'accepted_position', type: 'bigint' },
    updatedAt: { name: 'updated_at', type: 'timestamptz' },
    lastPosition: { name: 'last_position', type: 'bigint' },
  },
  indices: [
    { name: 'market_orders_maker', columns: ['maker', 'acceptedPosition'] },
    { name: 'market_orders_collection', columns: ['collection', 'acceptedPosition'] },
    { name: 'market_orders_status', columns: ['status', 'acceptedPosition'] },
    { name: 'market_orders_position', columns: ['acceptedPosition'], unique: true },
    // The order side's reads (order-books/, activity/): the open orders of a book, listings and
    // bids newest first, cancels newest first (docs/read-api.md has the measured effect).
    {
      name: 'market_orders_book',
      columns: ['collection', 'currency', 'kind', 'price'],
      where: `"status" = 'fillable'`,
    },
    { name: 'market_orders_accepted_at', columns: ['acceptedAt'] },
    {
      name: 'market_orders_cancelled_at',
      columns: ['updatedAt'],
      where: `"status" IN ('cancelled', 'cancelled-off-chain')`,
    },
  ],
});

export const TRADE_STATUSES = ['matched', 'settled', 'released'] as const;
export type TradeStatus = (typeof TRADE_STATUSES)[number];

export interface MarketTradeRow {
  tradeId: string;
  collection: string;
  askHash: string;
  bidHash: string;
  buyer: string;
  seller: string;
  currency: string;
  tokenId: string;
  price: string;
  /** The TradeSplit as stored in the event (amounts as decimal strings). */
  split: Record<string, unknown>;
  status: TradeStatus;
  transactionHash: string | null;
  block: string | null;
  reason: string | null;
  matchedAt: Date;
  updatedAt: Date;
  lastPosition: string;
}

export const MarketTradeEntity = new EntitySchema<MarketTradeRow>({
  name: 'MarketTrade',
  tableName: 'market_trades',
  columns: {
    tradeId: { name: 'trade_id', type: 'text', primary: true },
    collection: { type: 'text' },
    askHash: { name: 'ask_hash', type: 'text' },
    bidHash: { name: 'bid_hash', type: 'text' },
    buyer: { type: 'text' },
    seller: { type: 'text' },
    currency: { type: 'text' },
    tokenId: { name: 'token_id', ...uint256 },
    price: uint256,
    split: { type: 'jsonb' },
    status: { type: 'text' },
    transactionHash: { name: 'tx_hash', type: 'text', nullable: true },
    block: { type: 'bigint', nullable: true },
    reason: { type: 'text', nullable: true },
    matchedAt: { name: 'matched_at', type: 'timestamptz' },
    updatedAt: { name: 'updated_at', type: 'timestamptz' },
    lastPosition: { name: 'last_position', type: 'bigint' },
  },
  indices: [
    { name: 'market_trades_orders', columns: ['askHash', 'bidHash'] },
    { name: 'market_trades_buyer', columns: ['buyer', 'currency', 'status'] },
    // Matched-but-unsettled trades and the activity feed (matched-trades/, activity/).
    { name: 'market_trades_matched_at', columns: ['matchedAt'] },
    {
      name: 'market_trades_pending',
      columns: ['collection', 'matchedAt'],
      where: `"status" = 'matched'`,
    },
  ],
});

export interface MarketStreamRow {
  streamName: string;
  collection: string;
  /** Global position of the last event of this market applied here. */
  position: string;
}

export const MarketStreamEntity = new EntitySchema<MarketStreamRow>({
  name: 'MarketStream',
  tableName: 'market_streams',
  columns: {
    streamName: { name: 'stream_name', type: 'text', primary: true },
    collection: { type: 'text' },
    position: { type: 'bigint' },
  },
});

export const ORDERS_READ_MODEL_ENTITIES = [
  MarketOrderEntity,
  MarketTradeEntity,
  MarketStreamEntity,
] as const;
