import type { CurrencyLedger } from './ledgers.reader';
import type { PendingLedger } from '../matched-trades/matched-trades.reader';
import { withPending } from './pending-ledger';

const USD = '0xB0000000000000000000000000000000000000B0';
const EUR = '0xa0000000000000000000000000000000000000A0';
const GBP = '0x1000000000000000000000000000000000000010';

const settled = (currency: string, balance: string): CurrencyLedger => ({
  currency,
  deposited: balance,
  withdrawn: '0',
  paid: '0',
  credited: { royalty: '0', attribution: '0', fee: '0', proceeds: '0' },
  balance,
});
const pending = (currency: string, paid: string, proceeds: string): PendingLedger => ({
  currency,
  trades: 1,
  paid,
  credited: { royalty: '0', attribution: '0', fee: '0', proceeds },
  net: (BigInt(proceeds) - BigInt(paid)).toString(),
});

describe('withPending', () => {
  it('merges both sides per currency, in the reader order, with the balance after pending', () => {
    const out = withPending(
      [settled(USD, '100'), settled(GBP, '5')],
      [pending(EUR, '0', '7'), pending(USD, '30', '0')],
    );
    expect(out.map((c) => c.currency)).toEqual([GBP, EUR, USD]);
    expect(out.find((c) => c.currency === USD)).toMatchObject({
      balance: '100',
      pending: { trades: 1, paid: '30', net: '-30' },
      balanceAfterPending: '70',
    });
    // a currency with pending amounts only: a settled balance of 0
    expect(out.find((c) => c.currency === EUR)).toMatchObject({
      deposited: '0',
      balance: '0',
      pending: { credited: { proceeds: '7' }, net: '7' },
      balanceAfterPending: '7',
    });
    // no pending trade in a settled currency: zero amounts, balance unchanged
    expect(out.find((c) => c.currency === GBP)).toMatchObject({
      pending: { trades: 0, paid: '0', net: '0' },
      balanceAfterPending: '5',
    });
  });

  it('leaves its inputs untouched', () => {
    const s = [settled(USD, '1')];
    const p = [pending(USD, '1', '0')];
    const [out] = withPending(s, p);
    (out?.credited as { royalty: string }).royalty = '9';
    (out?.pending.credited as { royalty: string }).royalty = '9';
    expect(s[0]?.credited.royalty).toBe('0');
    expect(p[0]?.credited.royalty).toBe('0');
  });
});
