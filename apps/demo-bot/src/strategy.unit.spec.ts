// The demo trader's round: given what the API showed, which orders it places.
import fc from 'fast-check';
import { seededRandom } from '@atelier/kernel';
import { planRound, type Address, type BookOrder, type Work } from './strategy';

const T = 1_000_000n;
const params = {
  unit: T,
  basePrice: 100n * T,
  capMultiple: 5n,
  takeProbability: 1,
  quoteProbability: 0,
};
const me: Address = '0x00000000000000000000000000000000000000aa';
const other: Address = '0x00000000000000000000000000000000000000bb';
const work = (tokenId: bigint, owner: Address, lastPrice: bigint | null = null): Work => ({
  tokenId,
  owner,
  lastPrice,
});
const ask = (tokenId: bigint, maker: Address, price: bigint): BookOrder => ({
  maker,
  kind: 'ask',
  tokenId,
  price,
});

describe('demo trader round', () => {
  it('relists a work it owns without an ask of its own, 5–20 % over the last price, in whole tUSD', () => {
    const [action] = planRound(
      { me, works: [work(1n, me, 200n * T)], book: [], spendable: 0n },
      params,
      seededRandom(1),
    );
    expect(action).toMatchObject({ type: 'relist', tokenId: 1n });
    expect(action!.price).toBeGreaterThanOrEqual(210n * T);
    expect(action!.price).toBeLessThanOrEqual(240n * T);
    expect(action!.price % T).toBe(0n);
  });

  it('does not relist what it already offers, and starts again at the base price past the cap', () => {
    expect(
      planRound(
        { me, works: [work(1n, me)], book: [ask(1n, me, 150n * T)], spendable: 0n },
        params,
        seededRandom(2),
      ),
    ).toEqual([]);
    expect(
      planRound(
        { me, works: [work(2n, me, 480n * T)], book: [], spendable: 0n },
        params,
        () => 0.99,
      ),
    ).toEqual([{ type: 'relist', tokenId: 2n, price: 100n * T }]);
  });

  it("takes someone else's ask at the ask's price, only if it can pay, never its own", () => {
    const book = [ask(3n, other, 120n * T), ask(4n, me, 90n * T)];
    const works = [work(3n, other), work(4n, me)];
    expect(planRound({ me, works, book, spendable: 119n * T }, params, seededRandom(3))).toEqual(
      [],
    );
    expect(planRound({ me, works, book, spendable: 120n * T }, params, seededRandom(3))).toEqual([
      { type: 'take', tokenId: 3n, price: 120n * T },
    ]);
  });

  it('quotes a resting bid below the best ask of a work it does not own', () => {
    const quoting = { ...params, takeProbability: 0, quoteProbability: 1 };
    const [action] = planRound(
      { me, works: [work(5n, other)], book: [ask(5n, other, 200n * T)], spendable: 1_000n * T },
      quoting,
      seededRandom(4),
    );
    expect(action).toMatchObject({ type: 'quote', tokenId: 5n });
    expect(action!.price).toBeGreaterThanOrEqual(120n * T);
    expect(action!.price).toBeLessThanOrEqual(170n * T);
  });

  it('never spends more than it has, never bids on its own works, never acts twice on one work', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ tokenId: fc.bigInt(1n, 20n), mine: fc.boolean(), last: fc.nat(500) }),
          { maxLength: 20 },
        ),
        fc.array(
          fc.record({ tokenId: fc.bigInt(1n, 20n), mine: fc.boolean(), price: fc.nat(600) }),
          { maxLength: 20 },
        ),
        fc.nat(2_000),
        fc.integer(),
        (ws, os, budget, seed) => {
          const works = [...new Map(ws.map((w) => [w.tokenId, w])).values()].map((w) =>
            work(w.tokenId, w.mine ? me : other, w.last === 0 ? null : BigInt(w.last) * T),
          );
          const book = os.map((o) => ask(o.tokenId, o.mine ? me : other, BigInt(o.price + 1) * T));
          const spendable = BigInt(budget) * T;
          const actions = planRound(
            { me, works, book, spendable },
            { ...params, takeProbability: 0.5, quoteProbability: 0.5 },
            seededRandom(seed),
          );
          const spent = actions
            .filter((a) => a.type !== 'relist')
            .reduce((sum, a) => sum + a.price, 0n);
          expect(spent).toBeLessThanOrEqual(spendable);
          for (const a of actions.filter((a) => a.type === 'quote')) {
            expect(works.find((w) => w.tokenId === a.tokenId)!.owner).toBe(other);
          }
          for (const a of actions.filter((a) => a.type === 'take')) {
            expect(book.some((o) => o.tokenId === a.tokenId && o.maker === other)).toBe(true);
          }
          const quotedOrTaken = actions.filter((a) => a.type !== 'relist').map((a) => a.tokenId);
          expect(new Set(quotedOrTaken).size).toBe(quotedOrTaken.length);
          for (const a of actions) expect(a.price > 0n && a.price % T === 0n).toBe(true);
        },
      ),
    );
  });
});
