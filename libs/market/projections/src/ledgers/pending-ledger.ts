// An account's settled ledger merged with what its matched, unsettled trades will move: one
// entry per currency found on either side (in the reader's order, localeCompare), a currency with pending amounts only shown
// with a settled balance of 0, and the balance once those trades settle. REST
// (GET /v1/ledgers/:account) and GraphQL (`ledger`) answer this same merge.
import type { PendingLedger } from '../matched-trades/matched-trades.reader';
import type { CurrencyLedger } from './ledgers.reader';

/** What pending trades move in one currency, without the currency. */
export type PendingAmounts = Omit<PendingLedger, 'currency'>;

export type CurrencyLedgerWithPending = CurrencyLedger & {
  readonly pending: PendingAmounts;
  readonly balanceAfterPending: string;
};

const zeroCredits = () => ({ royalty: '0', attribution: '0', fee: '0', proceeds: '0' });

/** A currency the account has no settled fact in. */
export const settledZero = (currency: string): CurrencyLedger => ({
  currency,
  deposited: '0',
  withdrawn: '0',
  paid: '0',
  credited: zeroCredits(),
  balance: '0',
});

/** Settled ledgers and pending amounts per currency, merged (see the file's comment). */
export function withPending(
  settled: readonly CurrencyLedger[],
  pending: readonly PendingLedger[],
): CurrencyLedgerWithPending[] {
  const byCurrency = new Map(settled.map((c) => [c.currency, c]));
  const pendingOf = new Map(pending.map((p) => [p.currency, p]));
  const currencies = [...new Set([...byCurrency.keys(), ...pendingOf.keys()])];
  return currencies
    .sort((a, b) => a.localeCompare(b))
    .map((currency) => {
      const c = byCurrency.get(currency) ?? settledZero(currency);
      const p = pendingOf.get(currency);
      const amounts: PendingAmounts = p
        ? { trades: p.trades, paid: p.paid, credited: { ...p.credited }, net: p.net }
        : { trades: 0, paid: '0', credited: zeroCredits(), net: '0' };
      return {
        ...c,
        credited: { ...c.credited },
        pending: amounts,
        balanceAfterPending: (BigInt(c.balance) + BigInt(amounts.net)).toString(),
      };
    });
}
