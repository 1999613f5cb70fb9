// The settled-trades projection: Marketplace facts (chain.marketplace) -> chain_trades. A
// TradeSettled inserts its row keyed by fact id, its retraction deletes it; nothing else is
// read, so the projection is order-free across partitions and idempotent.
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import type { ChainFactEnvelope } from '@atelier/chain-messages';
import {
  chainFactsDedupedByRows,
  writeTogether,
  type Projection,
  type SqlColumnType,
  tablePath,
} from '@atelier/projections';
import {
  advanceHead,
  advanceHeads,
  parseArgs,
  positionOf,
  withFastPath,
  zAddress,
  zBytes32,
  zUint,
} from '../chain-facts/chain-facts';
import { FactRows, writeFactRows, type FactTable } from '../chain-facts/fact-rows';
import {
  CHAIN_TRADES_READ_MODEL_ENTITIES,
  ChainTradeEntity,
  ChainTradesHeadEntity,
} from './chain-trades.entities';

export const CHAIN_TRADES_PROJECTION = 'chain-trades';
export const MARKETPLACE = 'Marketplace';

export const tradeSettledArgs = withFastPath(
  z.object({
    askHash: zBytes32,
    bidHash: zBytes32,
    collection: zAddress,
    tokenId: zUint,
    seller: zAddress,
    buyer: zAddress,
    currency: zAddress,
    price: zUint,
    protocolFee: zUint,
    royaltyReceiver: zAddress,
    royalty: zUint,
    attribution: zUint,
    sellerProceeds: zUint,
  }),
  {
    askHash: 'bytes32',
    bidHash: 'bytes32',
    collection: 'address',
    tokenId: 'uint',
    seller: 'address',
    buyer: 'address',
    currency: 'address',
    price: 'uint',
    protocolFee: 'uint',
    royaltyReceiver: 'address',
    royalty: 'uint',
    attribution: 'uint',
    sellerProceeds: 'uint',
  },
);

export function chainTradesProjection(
  name: string = CHAIN_TRADES_PROJECTION,
): Projection<ChainFactEnvelope> {
  return {
    name,
    format: chainFactsDedupedByRows(),
    entities: CHAIN_TRADES_READ_MODEL_ENTITIES,
    apply: (fact, tx) => applyTradeFact(fact, tx),
    applyBatch: (facts, tx) => applyTradeFacts(facts, tx),
    // Its rows are per fact, and a fact and its retraction share their Kafka key (so partition):
    // chunks of different partitions write different rows. All of them raise the head (one row
    // per contract, a GREATEST, so their order is moot): a chunk waits for another's commit only
    // at that last statement.
    partitionsIndependent: true,
    // It inserts and deletes by fact id (the primary key): every other index is the readers'.
    readIndexes: (ChainTradeEntity.options.indices ?? [])
      .filter((i) => !i.unique)
      .map((i) => i.name!),
  };
}

export async function applyTradeFact(fact: ChainFactEnvelope, tx: EntityManager): Promise<void> {
  if (fact.contract !== MARKETPLACE) return;
  if (fact.event === 'TradeSettled') {
    const a = parseArgs(fact, tradeSettledArgs);
    const trades = tablePath(tx, ChainTradeEntity);
    if (fact.kind === 'retracted') {
      await tx.query(`DELETE FROM ${trades} WHERE fact_id = $1`, [fact.factId]);
    } else {
      // The batch form's insert, with one row.
      const one = new FactRows(tradesTable(tx));
      one.add(fact.factId, [tradeRow(fact, a)]);
      await writeTogether(tx, [one.insertion()]);
    }
  }
  await advanceHead(tx, tablePath(tx, ChainTradesHeadEntity), fact);
}

/**
 * The batch form of applyTradeFact: the chunk folded in memory (FactRows: the settled trades it
 * inserts, the retracted ones it deletes), then written by writeFactRows with the head. The rows
 * are those of applyTradeFact on each fact in turn.
 */
export async function applyTradeFacts(
  facts: readonly ChainFactEnvelope[],
  tx: EntityManager,
): Promise<void> {
  const ours = facts.filter((f) => f.contract === MARKETPLACE);
  const trades = new FactRows(tradesTable(tx));
  for (const fact of ours) {
    if (fact.event !== 'TradeSettled') continue;
    const a = parseArgs(fact, tradeSettledArgs);
    if (fact.kind === 'retracted') trades.retract(fact.factId);
    else {
      if (trades.retracted(fact.factId)) await writeFactRows(tx, [trades]);
      trades.add(fact.factId, [tradeRow(fact, a)]);
    }
  }
  await writeFactRows(tx, [trades], [advanceHeads(tablePath(tx, ChainTradesHeadEntity), ours)]);
}

type TradeRow = readonly [string, ...(string | number)[]];

const TRADE_COLUMNS = [
  'fact_id',
  'marketplace',
  'collection',
  'token_id',
  'ask_hash',
  'bid_hash',
  'seller',
  'buyer',
  'currency',
  'price',
  'protocol_fee',
  'royalty_receiver',
  'royalty',
  'attribution',
  'seller_proceeds',
  'block',
  'log_index',
  'tx_hash',
  'settled_at',
];
const TRADE_TYPES: readonly SqlColumnType[] = [
  'text',
  'text',
  'text',
  'numeric',
  'text',
  'text',
  'text',
  'text',
  'text',
  'numeric',
  'numeric',
  'text',
  'numeric',
  'numeric',
  'numeric',
  'bigint',
  'int',
  'text',
  'timestamptz',
];

function tradeRow(fact: ChainFactEnvelope, a: z.output<typeof tradeSettledArgs>): TradeRow {
  const at = positionOf(fact);
  return [
    fact.factId,
    fact.address,
    a.collection,
    a.tokenId,
    a.askHash,
    a.bidHash,
    a.seller,
    a.buyer,
    a.currency,
    a.price,
    a.protocolFee,
    a.royaltyReceiver,
    a.royalty,
    a.attribution,
    a.sellerProceeds,
    at.block,
    at.logIndex,
    fact.transactionHash,
    at.at,
  ];
}

const tradesTable = (tx: EntityManager): FactTable => ({
  path: tablePath(tx, ChainTradeEntity),
  columns: TRADE_COLUMNS,
  types: TRADE_TYPES,
  key: 'fact_id',
});
