// The ledgers read model: what the Marketplace's `balanceOf(account, currency)` is made of,
// as one signed entry per (fact, role). Marketplace facts of one trade sit on different
// partitions (TradeSettled keyed by collection; the per-call RoyaltyCredited and
// AttributionCredited totals, deposits, withdrawals and fee settings keyed by the Marketplace),
// so no entry depends on another fact having arrived: balances are sums over entries at read
// time, and a retraction deletes exactly the entries of its fact.
//
// The one cross-fact rule is the protocol fee: TradeSettled says how much, not to whom; the
// recipient is the latest ProtocolFeeSet before the trade (by block and log index). So a fee
// entry keeps no account; the reader resolves it against ledger_fee_settings, whatever order
// the two arrived in (docs/contracts.md, "Rebuilding a balance from events alone").
import { EntitySchema } from 'typeorm';
import { chainHeadEntity, uint256 } from '../chain-facts/chain-facts';

/** What moved an account's balance. `fee` entries name no account (see above). */
export const LEDGER_ROLES = [
  'deposited',
  'withdrawn',
  'paid',
  'proceeds',
  'royalty',
  'attribution',
  'fee',
] as const;
export type LedgerRole = (typeof LEDGER_ROLES)[number];

export interface LedgerEntryRow {
  factId: string;
  role: LedgerRole;
  marketplace: string;
  /** Null for `fee`: resolved at read time. */
  account: string | null;
  currency: string;
  /** Always positive; the role says the sign. */
  amount: string;
  block: string;
  logIndex: number;
  txHash: string;
}

export const LedgerEntryEntity = new EntitySchema<LedgerEntryRow>({
  name: 'LedgerEntry',
  tableName: 'ledger_entries',
  columns: {
    factId: { name: 'fact_id', type: 'text', primary: true },
    role: { type: 'text', primary: true },
    marketplace: { type: 'text' },
    account: { type: 'text', nullable: true },
    currency: { type: 'text' },
    amount: uint256,
    block: { type: 'bigint' },
    logIndex: { name: 'log_index', type: 'integer' },
    txHash: { name: 'tx_hash', type: 'text' },
  },
  indices: [
    { name: 'ledger_entries_account', columns: ['account', 'currency', 'role'] },
    { name: 'ledger_entries_fee', columns: ['role', 'marketplace', 'block', 'logIndex'] },
  ],
});

export interface LedgerFeeSettingRow {
  factId: string;
  marketplace: string;
  recipient: string;
  bps: number;
  block: string;
  logIndex: number;
}

export const LedgerFeeSettingEntity = new EntitySchema<LedgerFeeSettingRow>({
  name: 'LedgerFeeSetting',
  tableName: 'ledger_fee_settings',
  columns: {
    factId: { name: 'fact_id', type: 'text', primary: true },
    marketplace: { type: 'text' },
    recipient: { type: 'text' },
    bps: { type: 'integer' },
    block: { type: 'bigint' },
    logIndex: { name: 'log_index', type: 'integer' },
  },
  indices: [
    { name: 'ledger_fee_settings_position', columns: ['marketplace', 'block', 'logIndex'] },
    { name: 'ledger_fee_settings_recipient', columns: ['recipient'] },
  ],
});

export const LedgersHeadEntity = chainHeadEntity('LedgersHead', 'ledgers_head');

export const LEDGERS_READ_MODEL_ENTITIES = [
  LedgerEntryEntity,
  LedgerFeeSettingEntity,
  LedgersHeadEntity,
] as const;
