// One account's ledger as both edges read it (GET /v1/ledgers/:account, GraphQL `ledger`): wait
// for the positions asked for, then the ledger with the chain model's position in one statement
// (one snapshot: the balance is balanceOf at the block it names) and, alongside, the market's
// position then the pending trades (reflecting at least it). As of a block there are no pending
// amounts: they are about now. Each edge merges them into its own shape (withPending).
import type {
  AccountLedger,
  LedgersReader,
  MatchedTradesReader,
  PendingLedger,
} from '@atelier/market-projections';
import type { ReadPositions } from './read-positions';
import type { LedgerReadQuery } from './read-market.query';

export interface LedgerRead {
  readonly block: string | null;
  readonly market: string | null;
  readonly ledger: AccountLedger;
  /** Null for an `asOfBlock` read. */
  readonly pending: readonly PendingLedger[] | null;
}

export async function readLedger(
  ledgers: LedgersReader,
  matched: MatchedTradesReader,
  positions: ReadPositions,
  account: string,
  q: LedgerReadQuery,
): Promise<LedgerRead> {
  await Promise.all([
    positions.chain(q.minPosition, () => ledgers.position()),
    positions.orders(q.minMarketPosition),
  ]);
  const [{ position: block, ledger }, [market, pending]] = await Promise.all([
    ledgers.ledgerAt(account, q.currency, q.asOfBlock),
    (async () => {
      const at = await matched.position();
      const open = q.asOfBlock === undefined ? await matched.pending(account, q.currency) : null;
      return [at, open] as const;
    })(),
  ]);
  return { block, market, ledger, pending };
}
