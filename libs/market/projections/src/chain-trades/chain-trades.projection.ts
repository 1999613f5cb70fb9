// The settled-trades projection: Marketplace facts (chain.marketplace) -> chain_trades. A
// TradeSettled inserts its row keyed by fact id, its retraction deletes it; nothing else is
// read, so the projection is order-free across partitions and idempotent.
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import type { ChainFactEnvelope } from '@atelier/chain-messages';
import {
  chainFactsDedupedByRows,
  columnsOf,
  unnestSelect,
  writeTogether,
  type Projection,
  type SqlColumnType,
  type SqlStatement,
} from '@atelier/projections';
import {
  advanceHead,
  advanceHeads,
  parseArgs,
  positionOf,
  tablePath,
  zAddress,
  zBytes32,
  zUint,
} from '../chain-facts/chain-facts';
import {
  CHAIN_TRADES_READ_MODEL_ENTITIES,
  ChainTradeEntity,
  ChainTradesHeadEntity,
} from './chain-trades.entities';

export const CHAIN_TRADES_PROJECTION = 'chain-trades';
export const MARKETPLACE = 'Marketplace';

export const tradeSettledArgs = z.object({
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
});

export function chainTradesProjection(
  name: string = CHAIN_TRADES_PROJECTION,
): Projection<ChainFactEnvelope> {
  return {
    name,
    format: chainFactsDedupedByRows(),
    entities: CHAIN_TRADES_READ_MODEL_ENTITIES,
    apply: (fact, tx) => applyTradeFact(fact, tx),
    applyBatch: (facts, tx) => applyTradeFacts(facts, tx),
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
      await writeTogether(tx, [insertTrades(trades, [tradeRow(fact, a)])]);
    }
  }
  await advanceHead(tx, tablePath(tx, ChainTradesHeadEntity), fact);
}

/**
 * The batch form of applyTradeFact: the settled trades of a run of facts in one multi-row
 * INSERT, the head in one upsert. A retraction first writes the trades buffered before it, so
 * the statements run in the facts' order and the rows are those of one fact at a time.
 */
export async function applyTradeFacts(
  facts: readonly ChainFactEnvelope[],
  tx: EntityManager,
): Promise<void> {
  const trades = tablePath(tx, ChainTradeEntity);
  const ours = facts.filter((f) => f.contract === MARKETPLACE);
  let pending: TradeRow[] = [];
  const flush = async () => {
    if (pending.length > 0) await writeTogether(tx, [insertTrades(trades, pending)]);
    pending = [];
  };
  for (const fact of ours) {
    if (fact.event === 'TradeSettled') {
      const a = parseArgs(fact, tradeSettledArgs);
      if (fact.kind === 'retracted') {
        await flush();
        await tx.query(`DELETE FROM ${trades} WHERE fact_id = $1`, [fact.factId]);
      } else pending.push(tradeRow(fact, a));
    }
  }
  // The last buffered trades and the head in one round trip.
  await writeTogether(tx, [
    pending.length > 0 ? insertTrades(trades, pending) : undefined,
    advanceHeads(tablePath(tx, ChainTradesHeadEntity), ours),
  ]);
}

type TradeRow = readonly [string, ...(string | number)[]];

const TRADE_COLUMNS = `fact_id, marketplace, collection, token_id, ask_hash, bid_hash, seller,
  buyer, currency, price, protocol_fee, royalty_receiver, royalty, attribution, seller_proceeds,
  block, log_index, tx_hash, settled_at`;
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

function insertTrades(table: string, rows: readonly TradeRow[]): SqlStatement {
  return {
    sql: `INSERT INTO ${table} (${TRADE_COLUMNS}) ${unnestSelect(TRADE_TYPES)} ON CONFLICT (fact_id) DO NOTHING`,
    params: columnsOf(rows, TRADE_TYPES.length),
  };
}
