// The test listing decider through given/when/then, plus properties that must hold for any
// generated command sequence: folding the accepted events reproduces the state the decider
// saw, a sale is terminal, a listed price is always positive, and every refusal has a code.
import fc from 'fast-check';
import type { Address } from '@atelier/kernel';
import { fold, runCommands } from './index';
import {
  BUYER,
  listingDecider,
  NOW,
  SELLER,
  type ListingCommand,
  type ListingEvent,
} from './testing/listing';

const given = (events: ListingEvent[]) => ({
  when: (command: ListingCommand) => listingDecider.decide(command, fold(listingDecider, events)),
});

describe('listing decider (given / when / then)', () => {
  const listed: ListingEvent = {
    type: 'Listed',
    data: { seller: SELLER, price: 10n, listedAt: NOW },
  };

  it('lists an unlisted artwork', () => {
    expect(given([]).when({ type: 'List', seller: SELLER, price: 10n, now: NOW })).toEqual({
      ok: true,
      value: [listed],
    });
  });

  it('sells at the listed price', () => {
    expect(given([listed]).when({ type: 'Purchase', buyer: BUYER, price: 10n })).toEqual({
      ok: true,
      value: [{ type: 'Sold', data: { buyer: BUYER, price: 10n } }],
    });
  });

  it('refuses a stale price, a self-purchase and a second listing', () => {
    const code = (r: ReturnType<typeof listingDecider.decide>) => (r.ok ? undefined : r.error.code);
    expect(code(given([listed]).when({ type: 'Purchase', buyer: BUYER, price: 9n }))).toBe(
      'LISTING.PRICE_MISMATCH',
    );
    expect(code(given([listed]).when({ type: 'Purchase', buyer: SELLER, price: 10n }))).toBe(
      'LISTING.SELF_PURCHASE',
    );
    expect(code(given([listed]).when({ type: 'List', seller: SELLER, price: 5n, now: NOW }))).toBe(
      'LISTING.ALREADY_LISTED',
    );
    expect(code(given([listed]).when({ type: 'Reprice', seller: BUYER, price: 5n }))).toBe(
      'LISTING.NOT_SELLER',
    );
  });

  it('a reprice to the same price decides nothing', () => {
    expect(given([listed]).when({ type: 'Reprice', seller: SELLER, price: 10n })).toEqual({
      ok: true,
      value: [],
    });
  });
});

const OTHER = '0x00000000000000000000000000000000000000c3' as Address;
const party = fc.constantFrom(SELLER, BUYER, OTHER);
const price = fc.oneof(fc.constantFrom(0n, 1n, 10n), fc.bigInt({ min: -5n, max: 2n ** 96n }));
const command: fc.Arbitrary<ListingCommand> = fc.oneof(
  fc.record({ type: fc.constant('List' as const), seller: party, price, now: fc.constant(NOW) }),
  fc.record({ type: fc.constant('Reprice' as const), seller: party, price }),
  fc.record({ type: fc.constant('Cancel' as const), seller: party }),
  fc.record({ type: fc.constant('Purchase' as const), buyer: party, price }),
);
const codes = new Set([
  'LISTING.ALREADY_LISTED',
  'LISTING.NOT_LISTED',
  'LISTING.NOT_SELLER',
  'LISTING.INVALID_PRICE',
  'LISTING.PRICE_MISMATCH',
  'LISTING.SELF_PURCHASE',
]);

describe('listing decider properties', () => {
  it('for any command sequence: fold(events) is the state, sales are terminal, prices stay positive', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 40 }), (commands) => {
        let state = listingDecider.initialState;
        const history: ListingEvent[] = [];
        for (const c of commands) {
          const r = listingDecider.decide(c, state);
          if (!r.ok) {
            expect(codes.has(r.error.code)).toBe(true);
            continue;
          }
          if (state.status === 'sold') expect(r.value).toEqual([]); // never reached: sold refuses everything
          for (const e of r.value) state = listingDecider.evolve(state, e);
          history.push(...r.value);
          // the state is exactly the fold of what was decided: nothing leaks in from elsewhere
          expect(fold(listingDecider, history)).toEqual(state);
          if (state.status === 'listed') expect(state.price > 0n).toBe(true);
        }
        const soldAt = history.findIndex((e) => e.type === 'Sold');
        if (soldAt >= 0) expect(soldAt).toBe(history.length - 1);
        // at most one open listing at any point
        let open = 0;
        for (const e of history) {
          open += e.type === 'Listed' ? 1 : e.type === 'Cancelled' || e.type === 'Sold' ? -1 : 0;
          expect(open === 0 || open === 1).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('runCommands stops at the first refusal with the state before it', () => {
    const r = runCommands(listingDecider, [
      { type: 'List', seller: SELLER, price: 3n, now: NOW },
      { type: 'Cancel', seller: BUYER },
      { type: 'Cancel', seller: SELLER },
    ]);
    expect(r.error?.code).toBe('LISTING.NOT_SELLER');
    expect(r.events).toHaveLength(1);
    expect(r.state).toEqual({ status: 'listed', seller: SELLER, price: 3n });
  });
});
