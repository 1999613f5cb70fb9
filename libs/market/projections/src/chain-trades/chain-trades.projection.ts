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
  withFastPath,
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
      await writeTogether(tx, [insertTrades(trades, [tradeRow(fact, a)])]);
    }
  }
  await advanceHead(tx, tablePath(tx, ChainTradesHeadEntity), fact);
}

/**
 * The batch form of applyTradeFact: the chunk folded in memory, then one round trip (the settled
 * trades in one multi-row INSERT, the retracted ones in one DELETE, the head in one upsert). A
 * retraction of a trade of the same chunk drops its pending row and deletes a stored copy of it;
 * inserts and deletes then name different fact ids, so the statements commute. A fact that comes
 * back after its retraction in one chunk (never through the runner, which skips it; possible when
 * called directly) writes what is pending first, so the rows are those of one fact at a time.
 */
export async function applyTradeFacts(
  facts: readonly ChainFactEnvelope[],
  tx: EntityManager,
): Promise<void> {
  const trades = tablePath(tx, ChainTradeEntity);
  const ours = facts.filter((f) => f.contract === MARKETPLACE);
  let pending = new Map<string, TradeRow>();
  let retracted = new Set<string>();
  const statements = (): SqlStatement[] => [
    ...(retracted.size > 0
      ? [{ sql: `DELETE FROM ${trades} WHERE fact_id = ANY($1::text[])`, params: [[...retracted]] }]
      : []),
    ...(pending.size > 0 ? [insertTrades(trades, [...pending.values()])] : []),
  ];
  for (const fact of ours) {
    if (fact.event !== 'TradeSettled') continue;
    const a = parseArgs(fact, tradeSettledArgs);
    if (fact.kind === 'retracted') {
      pending.delete(fact.factId);
      retracted.add(fact.factId);
    } else {
      if (retracted.has(fact.factId)) {
        await writeTogether(tx, statements());
        pending = new Map();
        retracted = new Set();
      }
      // A copy has the same content: the first stays, as ON CONFLICT DO NOTHING keeps it.
      if (!pending.has(fact.factId)) pending.set(fact.factId, tradeRow(fact, a));
    }
  }
  await writeTogether(tx, [
    ...statements(),
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
