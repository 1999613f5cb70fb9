import { MAX_ORDERS_PER_REQUEST, chunk, mergeBulkAnswers } from './bulk';

type R = { index: number; accepted: boolean; hash: string };

const answer = (hashes: string[], refused: number[], position: string | null) => ({
  results: hashes.map((hash, index) => ({ index, accepted: !refused.includes(index), hash })),
  accepted: hashes.length - refused.length,
  refused: refused.length,
  position,
});

describe('chunk', () => {
  it('splits into the API’s max batch, in order, the last one shorter', () => {
    const items = Array.from({ length: 2_345 }, (_, i) => i);
    const chunks = chunk(items, MAX_ORDERS_PER_REQUEST);
    expect(chunks.map((c) => c.length)).toEqual([1_000, 1_000, 345]);
    expect(chunks.flat()).toEqual(items);
    expect(chunk([], 1_000)).toEqual([]);
    expect(chunk([1, 2], 1_000)).toEqual([[1, 2]]);
  });

  it('refuses a size below one', () => {
    expect(() => chunk([1], 0)).toThrow(RangeError);
  });
});

describe('mergeBulkAnswers', () => {
  it('offsets each chunk’s indexes, sums the counts and keeps the highest position', () => {
    const merged = mergeBulkAnswers<R>([
      { size: 2, answer: answer(['a', 'b'], [1], '900') },
      { size: 3, answer: answer(['c', 'd', 'e'], [0], '1000') },
      { size: 1, answer: answer(['f'], [], null) },
    ]);
    expect(merged.results.map((r) => [r.index, r.hash, r.accepted])).toEqual([
      [0, 'a', true],
      [1, 'b', false],
      [2, 'c', false],
      [3, 'd', true],
      [4, 'e', true],
      [5, 'f', true],
    ]);
    expect(merged).toMatchObject({ accepted: 4, refused: 2, position: '1000' });
  });

  it('compares positions as integers, not strings', () => {
    const merged = mergeBulkAnswers<R>([
      { size: 1, answer: answer(['a'], [], '99') },
      { size: 1, answer: answer(['b'], [], '100') },
    ]);
    expect(merged.position).toBe('100');
  });

  it('refuses a chunk whose answer does not have one result per order', () => {
    expect(() => mergeBulkAnswers<R>([{ size: 2, answer: answer(['a'], [], '1') }])).toThrow(
      /2 orders got 1 results/,
    );
  });
});
