// The ranked index against the rule it stands for: after any sequence of adds and removes, a
// scan visits exactly the entries held, price first (ascending for asks, descending for bids),
// then earliest. Prices are drawn to collide as doubles (above 2^53, a few units apart) and as
// exact values, so both ways an insert compares (doubles, then bigints) are exercised; a scan
// with a bound stops only past the entries within it.
import fc from 'fast-check';
import type { Address, OrderHash } from '@atelier/kernel';
import { NonceMap, NonceMapOverlay, Overlay, SKIP, SortedIndex, TAKE, type Ranked } from './book';

const BIG = 1n << 70n;
/** Prices that tie as doubles (BIG + 0..3), exact small ones, and whole multiples of 10^15. */
const price = fc.oneof(
  fc.bigInt({ min: 0n, max: 3n }).map((d) => BIG + d),
  fc.bigInt({ min: 1n, max: 5n }),
  fc.integer({ min: 1, max: 4 }).map((n) => BigInt(n) * 10n ** 15n),
);

type Op = { add: true; price: bigint } | { add: false; pick: number };
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: price.map((p) => ({ add: true as const, price: p })) },
  { weight: 1, arbitrary: fc.nat().map((n) => ({ add: false as const, pick: n })) },
);

const entry = (seq: number, p: bigint): Ranked => ({
  hash: `0x${seq.toString(16).padStart(64, '0')}` as OrderHash,
  seq,
  order: { price: p },
});

function scan(index: SortedIndex<string>, bound?: bigint): number[] {
  const seen: number[] = [];
  index.best(
    'k',
    (e) => {
      seen.push(e.seq);
      return SKIP;
    },
    bound,
  );
  return seen;
}

describe('SortedIndex', () => {
  for (const descending of [false, true])
    it(`scans in ${descending ? 'bid' : 'ask'} rank after random adds and removes`, () => {
      fc.assert(
        fc.property(fc.array(op, { maxLength: 400 }), price, (ops, bound) => {
          const index = new SortedIndex<string>(descending);
          const held: Ranked[] = [];
          let seq = 0;
          for (const o of ops) {
            if (o.add) {
              const e = entry(++seq, o.price);
              index.add('k', e);
              held.push(e);
            } else if (held.length > 0) {
              const [e] = held.splice(o.pick % held.length, 1);
              index.remove('k', e!);
            }
          }
          const expected = [...held]
            .sort((a, b) =>
              a.order.price !== b.order.price
                ? a.order.price < b.order.price !== descending
                  ? -1
                  : 1
                : a.seq - b.seq,
            )
            .map((e) => e.seq);
          expect(scan(index)).toEqual(expected);
          expect(scan(index.clone())).toEqual(expected);
          // A bound may cut the scan short, but only past the entries within it.
          const within = held
            .filter((e) => (descending ? e.order.price >= bound : e.order.price <= bound))
            .map((e) => e.seq);
          const bounded = scan(index, bound);
          expect(bounded).toEqual(expected.slice(0, bounded.length));
          expect(bounded.length).toBeGreaterThanOrEqual(within.length);
        }),
        { numRuns: 200 },
      );
    });

  // The heap removes lazily and a scan takes entries off and puts them back: long histories of
  // removals (past the sweep), entries coming back, scans that stop part-way and scans bounded
  // short, against a plain sorted list.
  for (const descending of [false, true])
    it(`keeps ${descending ? 'bid' : 'ask'} rank through sweeps, comebacks and partial scans`, () => {
      type LongOp =
        | { kind: 'add'; price: bigint }
        | { kind: 'remove'; pick: number; best: boolean }
        | { kind: 'readd'; pick: number }
        | { kind: 'scan'; take: number; bound: bigint | undefined };
      const longOp: fc.Arbitrary<LongOp> = fc.oneof(
        { weight: 4, arbitrary: price.map((p) => ({ kind: 'add' as const, price: p })) },
        {
          weight: 3,
          arbitrary: fc
            .record({ pick: fc.nat(), best: fc.boolean() })
            .map((r) => ({ kind: 'remove' as const, ...r })),
        },
        { weight: 1, arbitrary: fc.nat().map((pick) => ({ kind: 'readd' as const, pick })) },
        {
          weight: 1,
          arbitrary: fc
            .record({ take: fc.nat({ max: 20 }), bound: fc.option(price, { nil: undefined }) })
            .map((r) => ({ kind: 'scan' as const, ...r })),
        },
      );
      const ranked = (held: readonly Ranked[]) =>
        [...held].sort((a, b) =>
          a.order.price !== b.order.price
            ? a.order.price < b.order.price !== descending
              ? -1
              : 1
            : a.seq - b.seq,
        );
      fc.assert(
        fc.property(fc.array(longOp, { minLength: 200, maxLength: 1500 }), (ops) => {
          const index = new SortedIndex<string>(descending);
          let held: Ranked[] = [];
          const removed: Ranked[] = [];
          let seq = 0;
          for (const o of ops) {
            if (o.kind === 'add') {
              const e = entry(++seq, o.price);
              index.add('k', e);
              held.push(e);
            } else if (o.kind === 'remove' && held.length > 0) {
              const e = o.best ? ranked(held)[0]! : held[o.pick % held.length]!;
              held = held.filter((x) => x !== e);
              removed.push(e);
              index.remove('k', e);
            } else if (o.kind === 'readd' && removed.length > 0) {
              const [e] = removed.splice(o.pick % removed.length, 1);
              index.add('k', e!);
              held.push(e!);
            } else if (o.kind === 'scan') {
              // Passes over `take` entries, then takes the next: the one the rule ranks there.
              let seen = 0;
              const within = ranked(held).filter(
                (e) =>
                  o.bound === undefined ||
                  (descending ? e.order.price >= o.bound : e.order.price <= o.bound),
              );
              const got = index.best('k', () => (seen++ < o.take ? SKIP : TAKE), o.bound);
              if (o.take < within.length) expect(got?.seq).toBe(within[o.take]!.seq);
            }
          }
          expect(scan(index)).toEqual(ranked(held).map((e) => e.seq));
        }),
        { numRuns: 60 },
      );
    });

  it('re-adds an entry removed earlier at its old place (a released order keeps its time)', () => {
    const index = new SortedIndex<string>(false);
    const a = entry(1, 10n);
    const b = entry(2, 10n);
    const c = entry(3, 9n);
    for (const e of [a, b, c]) index.add('k', e);
    index.remove('k', a);
    expect(scan(index)).toEqual([3, 2]);
    index.add('k', a);
    expect(scan(index)).toEqual([3, 1, 2]);
  });
});

// The nonce map against a Map keyed by `maker:nonce`, through random writes made directly and
// through a draft's overlay: reads agree at every step, the overlay leaves its base as it was
// until committed, and committed it leaves the base as the same writes made directly. Nonces
// are drawn small (kept as numbers), at the edge of that range and far beyond it (bigints).
describe('NonceMap', () => {
  const makers = ['0xa1', '0xa2', '0xa3'] as Address[];
  const nonce = fc.oneof(
    fc.bigInt({ min: 0n, max: 3n }),
    fc.constantFrom(0x3fffffffn, 0x40000000n),
    fc.bigInt({ min: 0n, max: 3n }).map((d) => (1n << 200n) + d),
  );
  const write = fc.record({
    maker: fc.constantFrom(...makers),
    nonce,
    value: fc.option(fc.nat(9), { nil: undefined }),
  });
  type Write = { maker: Address; nonce: bigint; value: number | undefined };
  const sorted = (m: NonceMap<number>) =>
    [...m.entries()].map(([a, n, v]) => `${a}:${n}=${v}`).sort();
  const expected = (m: Map<string, number>) => [...m].map(([k, v]) => `${k}=${v}`).sort();
  const apply = (m: Map<string, number>, w: Write) =>
    w.value === undefined
      ? m.delete(`${w.maker}:${w.nonce}`)
      : m.set(`${w.maker}:${w.nonce}`, w.value);

  it('reads and commits as a map keyed by maker and nonce', () => {
    fc.assert(
      fc.property(fc.array(write), fc.array(write), (before, drafted) => {
        const base = new NonceMap<number>();
        const model = new Map<string, number>();
        for (const w of before) {
          if (w.value === undefined) base.delete(w.maker, w.nonce);
          else base.set(w.maker, w.nonce, w.value);
          apply(model, w);
          expect(base.get(w.maker, w.nonce)).toBe(model.get(`${w.maker}:${w.nonce}`));
        }
        expect(sorted(base)).toEqual(expected(model));
        const untouched = sorted(base);
        const draft = new NonceMapOverlay(base);
        for (const w of drafted) {
          if (w.value === undefined) draft.delete(w.maker, w.nonce);
          else draft.set(w.maker, w.nonce, w.value);
          apply(model, w);
          for (const m of makers)
            for (const n of [w.nonce, 0n, 1n]) expect(draft.get(m, n)).toBe(model.get(`${m}:${n}`));
        }
        expect(sorted(base)).toEqual(untouched);
        draft.commit();
        expect(sorted(base)).toEqual(expected(model));
        expect(sorted(base.clone())).toEqual(expected(model));
      }),
    );
  });
});

// A draft's map against a Map: writes through an overlay read back as the Map's would, leave the
// base untouched, and once committed leave the base equal to the Map, entries in the same order
// (a fold event by event writes them so). Past `SMALL` writes the overlay changes how it keeps
// them; restarted for a second decision it forgets the first's writes and reads.
describe('Overlay', () => {
  const write = fc.record({ key: fc.nat(11), value: fc.option(fc.nat(9), { nil: undefined }) });
  type Write = { key: number; value: number | undefined };
  const apply = (m: Map<number, number>, w: Write) =>
    w.value === undefined ? m.delete(w.key) : m.set(w.key, w.value);

  it('reads, commits and restarts as a Map', () => {
    fc.assert(
      fc.property(
        fc.array(write, { maxLength: 8 }),
        fc.array(write, { maxLength: 24 }),
        fc.array(write, { maxLength: 24 }),
        (before, first, second) => {
          const base = new Map<number, number>();
          for (const w of before) apply(base, w);
          const overlay = new Overlay<number, number>(base);
          for (const drafted of [first, second]) {
            const model = new Map(base);
            const untouched = [...base];
            for (const w of drafted) {
              const had = model.has(w.key);
              if (w.value === undefined) expect(overlay.delete(w.key)).toBe(had);
              else overlay.set(w.key, w.value);
              apply(model, w);
              for (let k = 0; k < 12; k++) {
                expect(overlay.get(k)).toBe(model.get(k));
                expect(overlay.has(k)).toBe(model.has(k));
              }
            }
            expect([...overlay.values()].sort()).toEqual([...model.values()].sort());
            expect([...base]).toEqual(untouched);
            overlay.commit();
            expect([...base]).toEqual([...model]);
            overlay.reset(base);
          }
        },
      ),
    );
  });
});
