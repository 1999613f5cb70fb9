// Expected-revision arithmetic, the same for every adapter: proved for arbitrary stream
// states and batch sizes rather than a few examples.
import fc from 'fast-check';
import {
  ANY,
  firstRevisionAfter,
  isValidExpectedRevision,
  NO_STREAM,
  revisionAfterAppend,
  satisfies,
  STREAM_EXISTS,
  type StreamState,
} from './index';

const state: fc.Arbitrary<StreamState> = fc.oneof(
  fc.constant(NO_STREAM),
  fc.bigInt({ min: 0n, max: 2n ** 62n }),
);

describe('revision arithmetic', () => {
  it('ANY accepts every state; NO_STREAM and STREAM_EXISTS split them exactly', () => {
    fc.assert(
      fc.property(state, (s) => {
        expect(satisfies(ANY, s)).toBe(true);
        expect(satisfies(NO_STREAM, s)).toBe(s === NO_STREAM);
        expect(satisfies(STREAM_EXISTS, s)).toBe(s !== NO_STREAM);
        expect(satisfies(NO_STREAM, s) !== satisfies(STREAM_EXISTS, s)).toBe(true);
      }),
    );
  });

  it('an exact revision matches only itself', () => {
    fc.assert(
      fc.property(state, fc.bigInt({ min: 0n, max: 2n ** 62n }), (s, r) => {
        expect(satisfies(r, s)).toBe(s === r);
      }),
    );
  });

  it('appending n then m events is appending n + m; the result is the next expected revision', () => {
    fc.assert(
      fc.property(
        state,
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        (s, n, m) => {
          expect(revisionAfterAppend(revisionAfterAppend(s, n), m)).toEqual(
            revisionAfterAppend(s, n + m),
          );
          if (n > 0) {
            const after = revisionAfterAppend(s, n);
            expect(after).toBe(firstRevisionAfter(s) + BigInt(n) - 1n);
            expect(satisfies(after, after)).toBe(true);
            expect(satisfies(STREAM_EXISTS, after)).toBe(true);
          }
        },
      ),
    );
    expect(() => revisionAfterAppend(NO_STREAM, -1)).toThrow(RangeError);
  });

  it('validates expected revisions', () => {
    expect([ANY, NO_STREAM, STREAM_EXISTS, 0n, 5n].every(isValidExpectedRevision)).toBe(true);
    expect([-1n, 'nope', 1, undefined].some(isValidExpectedRevision)).toBe(false);
  });
});
