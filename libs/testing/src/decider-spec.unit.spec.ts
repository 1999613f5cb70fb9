// The given/when/then helper on a tiny decider: it passes when the decider does what the spec
// says and fails, with a readable reason, when it does not.
import { domainError, err, ok, type DomainError } from '@atelier/kernel';
import type { Decider } from '@atelier/eventsourcing';
import { deciderSpec } from './decider-spec';

type Cmd = { type: 'Open' } | { type: 'Deposit'; amount: bigint };
type Ev =
  { type: 'Opened'; data: Record<string, never> } | { type: 'Deposited'; data: { amount: bigint } };
type St = { open: boolean; balance: bigint };
type Er = DomainError<'ACCOUNT.NOT_OPEN' | 'ACCOUNT.ALREADY_OPEN' | 'ACCOUNT.INVALID_AMOUNT'>;

const account: Decider<Cmd, Ev, St, Er> = {
  initialState: { open: false, balance: 0n },
  decide(c, s) {
    switch (c.type) {
      case 'Open':
        return s.open
          ? err(domainError('ACCOUNT.ALREADY_OPEN', 'already open'))
          : ok([{ type: 'Opened', data: {} }]);
      case 'Deposit':
        if (!s.open) return err(domainError('ACCOUNT.NOT_OPEN', 'not open'));
        if (c.amount < 0n)
          return err(
            domainError('ACCOUNT.INVALID_AMOUNT', 'negative', { amount: String(c.amount) }),
          );
        return c.amount === 0n ? ok([]) : ok([{ type: 'Deposited', data: { amount: c.amount } }]);
      default: {
        const _exhaustive: never = c;
        return _exhaustive;
      }
    }
  },
  evolve(s, e) {
    switch (e.type) {
      case 'Opened':
        return { ...s, open: true };
      case 'Deposited':
        return { ...s, balance: s.balance + e.data.amount };
      default: {
        const _exhaustive: never = e;
        return _exhaustive;
      }
    }
  },
};

const spec = deciderSpec(account);
const opened: Ev = { type: 'Opened', data: {} };

describe('deciderSpec', () => {
  it('given / when / then events, returning the new state', () => {
    const state = spec
      .given([opened])
      .when({ type: 'Deposit', amount: 5n })
      .then([{ type: 'Deposited', data: { amount: 5n } }]);
    expect(state).toEqual({ open: true, balance: 5n });
  });

  it('then error by stable code, with details', () => {
    spec.given().when({ type: 'Deposit', amount: 1n }).thenError('ACCOUNT.NOT_OPEN');
    spec
      .given([opened])
      .when({ type: 'Deposit', amount: -1n })
      .thenError('ACCOUNT.INVALID_AMOUNT', { amount: '-1' });
  });

  it('then nothing, and then state', () => {
    spec.given([opened]).when({ type: 'Deposit', amount: 0n }).thenNothing();
    spec
      .given([opened, { type: 'Deposited', data: { amount: 2n } }])
      .when({ type: 'Deposit', amount: 3n })
      .thenState((s) => expect(s.balance).toBe(5n));
  });

  it('fails with a readable reason when the decider disagrees', () => {
    expect(() => spec.given([opened]).when({ type: 'Open' }).then([opened])).toThrow(
      /refused: ACCOUNT.ALREADY_OPEN/,
    );
    expect(() => spec.given().when({ type: 'Open' }).thenError('ACCOUNT.ALREADY_OPEN')).toThrow(
      /was accepted/,
    );
    expect(() => spec.given([opened]).when({ type: 'Deposit', amount: 1n }).then([])).toThrow();
  });
});
