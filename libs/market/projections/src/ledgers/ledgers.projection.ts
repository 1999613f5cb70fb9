// The ledgers projection: Marketplace facts (chain.marketplace) -> ledger_entries and
// ledger_fee_settings. Each fact writes the entries of its own roles, keyed (fact id, role):
//   Deposited           + amount to account                    (deposited)
//   Withdrawn           - amount from account                  (withdrawn)
//   TradeSettled        - price from buyer                     (paid)
//                       + sellerProceeds to seller             (proceeds)
//                       + protocolFee to the fee recipient     (fee, resolved when read)
//   RoyaltyCredited     + amount to receiver                   (royalty: the call's total)
//   AttributionCredited + amount to contributor                (attribution: the call's total)
//   ProtocolFeeSet      a fee setting (who receives the fees of later trades)
// TradeSettled.royalty and .attribution are not entries: the *Credited totals are what the
// contract writes to the balances (summed per call), so counting both would count twice.
// Entries are inserted ON CONFLICT DO NOTHING and a retraction deletes its fact's entries, so
// the projection is idempotent and commutative: no arrival order across partitions matters.
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import type { ChainFactEnvelope } from '@atelier/chain-messages';
import {
  chainFactsDedupedByRows,
  type Projection,
  type SqlColumnType,
  tablePath,
} from '@atelier/projections';
import {
  advanceHead,
  advanceHeads,
  parseArgs,
  withFastPath,
  zAddress,
  zUint,
} from '../chain-facts/chain-facts';
import { FactRows, writeFactRows, type FactRow } from '../chain-facts/fact-rows';
import { MARKETPLACE, tradeSettledArgs } from '../chain-trades/chain-trades.projection';
import {
  LEDGERS_READ_MODEL_ENTITIES,
  LedgerEntryEntity,
  LedgerFeeSettingEntity,
  LedgersHeadEntity,
  type LedgerRole,
} from './ledgers.entities';

export const LEDGERS_PROJECTION = 'chain-ledgers';

const accountAmount = withFastPath(
  z.object({ account: zAddress, currency: zAddress, amount: zUint }),
  { account: 'address', currency: 'address', amount: 'uint' },
);
const receiverAmount = withFastPath(
  z.object({ receiver: zAddress, currency: zAddress, amount: zUint }),
  { receiver: 'address', currency: 'address', amount: 'uint' },
);
const contributorAmount = withFastPath(
  z.object({ contributor: zAddress, currency: zAddress, amount: zUint }),
  { contributor: 'address', currency: 'address', amount: 'uint' },
);
const protocolFeeSet = z.object({ recipient: zAddress, bps: z.number().int().min(0).max(10_000) });

interface Entry {
  readonly role: LedgerRole;
  readonly account: string | null;
  readonly currency: string;
  readonly amount: string;
}

export function ledgersProjection(
  name: string = LEDGERS_PROJECTION,
): Projection<ChainFactEnvelope> {
  return {
    name,
    format: chainFactsDedupedByRows(),
    entities: LEDGERS_READ_MODEL_ENTITIES,
    apply: (fact, tx) => applyLedgerFact(fact, tx),
    applyBatch: (facts, tx) => applyLedgerFacts(facts, tx),
    // Its rows are per fact, and a fact and its retraction share their Kafka key (so partition):
    // chunks of different partitions write different rows. All of them raise the head (one row
    // per contract, a GREATEST, so their order is moot): a chunk waits for another's commit only
    // at that last statement.
    partitionsIndependent: true,
    // It inserts and deletes by fact id (the primary keys): every other index is the readers'.
    readIndexes: [LedgerEntryEntity, LedgerFeeSettingEntity].flatMap((e) =>
      (e.options.indices ?? []).filter((i) => !i.unique).map((i) => i.name!),
    ),
  };
}

/** The entries a Marketplace fact contributes (none for events that move no balance). */
export function ledgerEntriesOf(fact: ChainFactEnvelope): readonly Entry[] {
  switch (fact.event) {
    case 'Deposited': {
      const a = parseArgs(fact, accountAmount);
      return [{ role: 'deposited', account: a.account, currency: a.currency, amount: a.amount }];
    }
    case 'Withdrawn': {
      const a = parseArgs(fact, accountAmount);
      return [{ role: 'withdrawn', account: a.account, currency: a.currency, amount: a.amount }];
    }
    case 'RoyaltyCredited': {
      const a = parseArgs(fact, receiverAmount);
      return [{ role: 'royalty', account: a.receiver, currency: a.currency, amount: a.amount }];
    }
    case 'AttributionCredited': {
      const a = parseArgs(fact, contributorAmount);
      return [
        { role: 'attribution', account: a.contributor, currency: a.currency, amount: a.amount },
      ];
    }
    case 'TradeSettled': {
      const a = parseArgs(fact, tradeSettledArgs);
      return [
        { role: 'paid', account: a.buyer, currency: a.currency, amount: a.price },
        { role: 'proceeds', account: a.seller, currency: a.currency, amount: a.sellerProceeds },
        { role: 'fee', account: null, currency: a.currency, amount: a.protocolFee },
      ];
    }
    default:
      return [];
  }
}

export async function applyLedgerFact(fact: ChainFactEnvelope, tx: EntityManager): Promise<void> {
  if (fact.contract !== MARKETPLACE) return;
  const entries = tablePath(tx, LedgerEntryEntity);
  const settings = tablePath(tx, LedgerFeeSettingEntity);
  const retracted = fact.kind === 'retracted';
  if (fact.event === 'ProtocolFeeSet') {
    const a = parseArgs(fact, protocolFeeSet);
    if (retracted) await tx.query(`DELETE FROM ${settings} WHERE fact_id = $1`, [fact.factId]);
    else
      await tx.query(
        `INSERT INTO ${settings} (fact_id, marketplace, recipient, bps, block, log_index)
         VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (fact_id) DO NOTHING`,
        [fact.factId, fact.address, a.recipient, a.bps, fact.blockNumber, fact.logIndex],
      );
  } else {
    const list = ledgerEntriesOf(fact).filter((e) => e.amount !== '0');
    if (retracted) {
      if (list.length > 0)
        await tx.query(`DELETE FROM ${entries} WHERE fact_id = $1`, [fact.factId]);
    } else if (list.length > 0) {
      await tx.query(
        `INSERT INTO ${entries} (fact_id, role, marketplace, account, currency, amount, block, log_index, tx_hash)
         SELECT $1, r, $2, a, c, m, $3, $4, $5
         FROM unnest($6::text[], $7::text[], $8::text[], $9::numeric[]) AS u(r, a, c, m)
         ON CONFLICT (fact_id, role) DO NOTHING`,
        [
          fact.factId,
          fact.address,
          fact.blockNumber,
          fact.logIndex,
          fact.transactionHash,
          list.map((e) => e.role),
          list.map((e) => e.account),
          list.map((e) => e.currency),
          list.map((e) => e.amount),
        ],
      );
    }
  }
  await advanceHead(tx, tablePath(tx, LedgersHeadEntity), fact);
}

/**
 * Applies Marketplace facts in order: the chunk folded in memory (FactRows: the entries and fee
 * settings it inserts, the retracted facts' rows it deletes), then written by writeFactRows with
 * the head. The rows are those of applyLedgerFact on each fact in turn.
 */
export async function applyLedgerFacts(
  facts: readonly ChainFactEnvelope[],
  tx: EntityManager,
): Promise<void> {
  const ours = facts.filter((f) => f.contract === MARKETPLACE);
  if (ours.length === 0) return;
  const entries = new FactRows({
    path: tablePath(tx, LedgerEntryEntity),
    columns: ENTRY_COLUMNS,
    types: ENTRY_TYPES,
    key: 'fact_id, role',
  });
  const settings = new FactRows({
    path: tablePath(tx, LedgerFeeSettingEntity),
    columns: SETTING_COLUMNS,
    types: SETTING_TYPES,
    key: 'fact_id',
  });
  const buffers = [entries, settings];
  for (const fact of ours) {
    const id = fact.factId;
    let buffer: FactRows;
    let rows: FactRow[];
    if (fact.event === 'ProtocolFeeSet') {
      const a = parseArgs(fact, protocolFeeSet);
      buffer = settings;
      rows = [[id, fact.address, a.recipient, a.bps, fact.blockNumber, fact.logIndex]];
    } else {
      const list = ledgerEntriesOf(fact).filter((e) => e.amount !== '0');
      if (list.length === 0) continue;
      buffer = entries;
      rows = list.map((e) => [
        id,
        e.role,
        fact.address,
        e.account,
        e.currency,
        e.amount,
        fact.blockNumber,
        fact.logIndex,
        fact.transactionHash,
      ]);
    }
    if (fact.kind === 'retracted') buffer.retract(id);
    else {
      if (buffer.retracted(id)) await writeFactRows(tx, buffers);
      buffer.add(id, rows);
    }
  }
  await writeFactRows(tx, buffers, [advanceHeads(tablePath(tx, LedgersHeadEntity), ours)]);
}

const ENTRY_COLUMNS = [
  'fact_id',
  'role',
  'marketplace',
  'account',
  'currency',
  'amount',
  'block',
  'log_index',
  'tx_hash',
];
const SETTING_COLUMNS = ['fact_id', 'marketplace', 'recipient', 'bps', 'block', 'log_index'];
const ENTRY_TYPES: readonly SqlColumnType[] = [
  'text',
  'text',
  'text',
  'text',
  'text',
  'numeric',
  'bigint',
  'int',
  'text',
];
const SETTING_TYPES: readonly SqlColumnType[] = ['text', 'text', 'text', 'int', 'bigint', 'int'];
