// Trades as the chain settled them (Marketplace.TradeSettled): one row per fact, with the full
// split (price, protocol fee, royalty and its receiver, attribution, seller proceeds), seller,
// buyer, block and transaction. A retracted fact (reorg) deletes its row. Collection stats are
// aggregates over these rows at read time, so they can never drift from them.
import { EntitySchema } from 'typeorm';
import { chainHeadEntity, uint256 } from '../chain-facts/chain-facts';

export interface ChainTradeRow {
  factId: string;
  marketplace: string;
  collection: string;
  tokenId: string;
  askHash: string;
  bidHash: string;
  seller: string;
  buyer: string;
  currency: string;
  price: string;
  protocolFee: string;
  royaltyReceiver: string;
  royalty: string;
  attribution: string;
  sellerProceeds: string;
  block: string;
  logIndex: number;
  txHash: string;
  settledAt: Date;
}

export const ChainTradeEntity = new EntitySchema<ChainTradeRow>({
  name: 'ChainTrade',
  tableName: 'chain_trades',
  columns: {
    factId: { name: 'fact_id', type: 'text', primary: true },
    marketplace: { type: 'text' },
    collection: { type: 'text' },
    tokenId: { name: 'token_id', ...uint256 },
    askHash: { name: 'ask_hash', type: 'text' },
    bidHash: { name: 'bid_hash', type: 'text' },
    seller: { type: 'text' },
    buyer: { type: 'text' },
    currency: { type: 'text' },
    price: uint256,
    protocolFee: { name: 'protocol_fee', ...uint256 },
    royaltyReceiver: { name: 'royalty_receiver', type: 'text' },
    royalty: uint256,
    attribution: uint256,
    sellerProceeds: { name: 'seller_proceeds', ...uint256 },
    block: { type: 'bigint' },
    logIndex: { name: 'log_index', type: 'integer' },
    txHash: { name: 'tx_hash', type: 'text' },
    settledAt: { name: 'settled_at', type: 'timestamptz' },
  },
  indices: [
    { name: 'chain_trades_position', columns: ['block', 'logIndex'] },
    { name: 'chain_trades_collection', columns: ['collection', 'block', 'logIndex'] },
    { name: 'chain_trades_seller', columns: ['seller', 'block', 'logIndex'] },
    { name: 'chain_trades_buyer', columns: ['buyer', 'block', 'logIndex'] },
    { name: 'chain_trades_token', columns: ['collection', 'tokenId'] },
    // The activity feed and the settled + matched listing sort by time (activity/, matched-trades/).
    { name: 'chain_trades_settled_at', columns: ['settledAt'] },
  ],
});

export const ChainTradesHeadEntity = chainHeadEntity('ChainTradesHead', 'chain_trades_head');

export const CHAIN_TRADES_READ_MODEL_ENTITIES = [ChainTradeEntity, ChainTradesHeadEntity] as const;
