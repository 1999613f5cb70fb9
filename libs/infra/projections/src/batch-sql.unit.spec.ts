// The multi-row helpers of applyBatch: column arrays for unnest, and statements joined as CTEs
// with their parameters renumbered (the int specs of the market projections run them for real).
import { columnsOf, copyPieces, copyText, unnestSelect, writeTogether } from './batch-sql';

describe('batch SQL helpers', () => {
  it('unnestSelect casts one array parameter per column, from the given number', () => {
    expect(unnestSelect(['text', 'numeric', 'timestamptz'], 3)).toBe(
      'SELECT * FROM unnest($3::text[], $4::numeric[], $5::timestamptz[])',
    );
  });

  it('columnsOf turns rows into column arrays, missing values as null', () => {
    expect(columnsOf([['a', 1], ['b'], ['c', 3]], 2)).toEqual([
      ['a', 'b', 'c'],
      [1, null, 3],
    ]);
  });

  it('writeTogether sends one statement, each part a CTE with its parameters renumbered, the last written first', async () => {
    const sent: Array<[string, unknown[] | undefined]> = [];
    const tx = { query: async (sql: string, params?: unknown[]) => void sent.push([sql, params]) };
    await writeTogether(tx, [
      { sql: 'INSERT INTO a VALUES ($1, $2)', params: [1, 2] },
      undefined,
      {
        sql: 'UPDATE b SET x = $2 WHERE y = $1 AND z = $12',
        params: ['y', 'x', 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
      },
    ]);
    expect(sent).toEqual([
      [
        // PostgreSQL runs them last-written first: in the order given (batch-sql.int.spec.ts).
        'WITH w1 AS (UPDATE b SET x = $4 WHERE y = $3 AND z = $14),\nw0 AS (INSERT INTO a VALUES ($1, $2)) SELECT 1',
        [1, 2, 'y', 'x', 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
      ],
    ]);
    sent.length = 0;
    await writeTogether(tx, [undefined, { sql: 'DELETE FROM c WHERE k = $1', params: [7] }]);
    await writeTogether(tx, []);
    expect(sent).toEqual([['DELETE FROM c WHERE k = $1', [7]]]);
  });

  it('copyText writes values as COPY text format reads them', () => {
    expect(copyText(null)).toBe('\\N');
    expect(copyText(undefined)).toBe('\\N');
    expect(copyText('plain 0xabc')).toBe('plain 0xabc');
    expect(copyText('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(copyText('\\N')).toBe('\\\\N'); // the text "\N", not null
    expect(copyText(12n)).toBe('12');
    expect(copyText(3)).toBe('3');
    expect(copyText(new Date('2026-12-01T10:00:00.000Z'))).toBe('2026-12-01T10:00:00.000Z');
    expect(copyText({ a: 'x\ty', b: [1] })).toBe('{"a":"x\\\\ty","b":[1]}');
  });

  it('copyPieces writes the rows as COPY text lines into pieces of at most the given size', () => {
    const rows = [
      ['0xabc', 1, null],
      ['crème brûlée ✓', 12n, 'tab\there'],
      ['🎨 art', { k: 'v' }, 'line\nbreak'],
      ['x'.repeat(40), 'y', 'z'], // over a third of a 64-byte piece: a piece of its own
      ['last', 0, ''],
    ];
    const expected = rows.map((r) => r.map(copyText).join('\t') + '\n').join('');
    const pieces = [...copyPieces(rows, 64)];
    expect(Buffer.concat(pieces).toString('utf8')).toBe(expected);
    expect(pieces.length).toBeGreaterThan(2);
    for (const piece of pieces.filter((p) => !p.toString().startsWith('x'.repeat(40))))
      expect(piece.length).toBeLessThanOrEqual(64);
    expect(pieces.map((p) => p.toString())).toContain(`${'x'.repeat(40)}\ty\tz\n`);
    // Multi-byte text: a line fits where its UTF-8 length does (3 bytes a unit at most).
    expect([...copyPieces([['é'.repeat(20)]], 64)].map((p) => p.toString())).toEqual([
      `${'é'.repeat(20)}\n`,
    ]);
    expect([...copyPieces([], 64)]).toEqual([]);
  });
});
