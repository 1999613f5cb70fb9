// Reading the ledgers: one account's balance per currency, with what made it — deposited,
// withdrawn, paid as a buyer, and credited by kind (royalty, attribution, fee, proceeds):
//   balance = deposited − withdrawn − paid + royalty + attribution + fee + proceeds
// which equals the Marketplace's balanceOf(account, currency) once the model has every fact up
// to a block. Fee entries are resolved to the recipient of the latest ProtocolFeeSet before
// each trade, here, so the projection never had to wait for one fact to apply another.
import type { DataSource, EntityManager } from 'typeorm';
import { tablePath } from '@atelier/projections';
import { headBlock } from '../chain-facts/chain-facts';
import {
  LedgerEntryEntity,
  LedgerFeeSettingEntity,
  LedgersHeadEntity,
  type LedgerRole,
} from './ledgers.entities';

export interface CurrencyLedger {
  readonly currency: string;
  readonly deposited: string;
  readonly withdrawn: string;
  readonly paid: string;
  readonly credited: {
    readonly royalty: string;
    readonly attribution: string;
    readonly fee: string;
    readonly proceeds: string;
  };
  /** May be negative only while the model lacks facts the chain has. */
  readonly balance: string;
}

export interface AccountLedger {
  readonly account: string;
  readonly currencies: readonly CurrencyLedger[];
}

export class LedgersReader {
  private readonly manager: EntityManager;
  private readonly entries: string;
  private readonly settings: string;
  private readonly head: string;

  constructor(dataSource: DataSource) {
    this.manager = dataSource.manager;
    this.entries = tablePath(this.manager, LedgerEntryEntity);
    this.settings = tablePath(this.manager, LedgerFeeSettingEntity);
    this.head = tablePath(this.manager, LedgersHeadEntity);
  }

  position(): Promise<string | null> {
    return headBlock(this.manager, this.head);
  }

  /**
   * @param asOfBlock only entries of facts in blocks up to it (inclusive): balanceOf at that
   *   block, once the model has every fact up to it. The fee recipient needs no bound: it is
   *   the latest setting before each trade, so before the block too.
   */
  async ledger(account: string, currency?: string, asOfBlock?: bigint): Promise<AccountLedger> {
    return (await this.ledgerAt(account, currency, asOfBlock)).ledger;
  }

  /**
   * `ledger` and the model's position in one statement: one round trip, and the position read
   * in the same snapshot as the entries, so the balance is balanceOf at the block the answer
   * names (separate reads could name a block older than a fact they summed).
   */
  async ledgerAt(
    account: string,
    currency?: string,
    asOfBlock?: bigint,
  ): Promise<{ position: string | null; ledger: AccountLedger }> {
    const found: {
      head_block: string | null;
      currency: string | null;
      role: LedgerRole | null;
      total: string | null;
    }[] = await this.manager.query(
      `WITH sums AS (
         SELECT currency, role, SUM(amount)::text AS total FROM ${this.entries}
         WHERE account = $1 AND ($2::text IS NULL OR currency = $2)
           AND ($3::bigint IS NULL OR block <= $3) GROUP BY currency, role
         UNION ALL
         SELECT e.currency, 'fee', SUM(e.amount)::text FROM ${this.entries} e
           JOIN LATERAL (
             SELECT s.recipient FROM ${this.settings} s
             WHERE s.marketplace = e.marketplace AND (s.block, s.log_index) < (e.block, e.log_index)
             ORDER BY s.block DESC, s.log_index DESC LIMIT 1) s ON true
         WHERE e.role = 'fee' AND s.recipient = $1 AND ($2::text IS NULL OR e.currency = $2)
           AND ($3::bigint IS NULL OR e.block <= $3)
           AND EXISTS (SELECT 1 FROM ${this.settings} WHERE recipient = $1)
         GROUP BY e.currency)
       SELECT h.head_block, sums.* FROM (SELECT MAX(block)::text AS head_block FROM ${this.head}) h
         LEFT JOIN sums ON true`,
      [account, currency ?? null, asOfBlock?.toString() ?? null],
    );
    const rows = found.filter(
      (r): r is { head_block: string | null; currency: string; role: LedgerRole; total: string } =>
        r.currency !== null,
    );
    const by = new Map<string, Record<LedgerRole, bigint>>();
    for (const r of rows) {
      const sums =
        by.get(r.currency) ??
        ({
          deposited: 0n,
          withdrawn: 0n,
          paid: 0n,
          proceeds: 0n,
          royalty: 0n,
          attribution: 0n,
          fee: 0n,
        } satisfies Record<LedgerRole, bigint>);
      sums[r.role] += BigInt(r.total);
      by.set(r.currency, sums);
    }
    const ledger: AccountLedger = {
      account,
      currencies: [...by.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([c, s]) => ({
          currency: c,
          deposited: s.deposited.toString(),
          withdrawn: s.withdrawn.toString(),
          paid: s.paid.toString(),
          credited: {
            royalty: s.royalty.toString(),
            attribution: s.attribution.toString(),
            fee: s.fee.toString(),
            proceeds: s.proceeds.toString(),
          },
          balance: (
            s.deposited -
            s.withdrawn -
            s.paid +
            s.royalty +
            s.attribution +
            s.fee +
            s.proceeds
          ).toString(),
        })),
    };
    return { position: found[0]?.head_block ?? null, ledger };
  }

  /** Every account with an entry or a fee setting (reconciliation, specs). */
  async accounts(): Promise<string[]> {
    const rows: { account: string }[] = await this.manager.query(
      `SELECT account FROM ${this.entries} WHERE account IS NOT NULL
       UNION SELECT recipient FROM ${this.settings} ORDER BY 1`,
    );
    return rows.map((r) => r.account);
  }
}
