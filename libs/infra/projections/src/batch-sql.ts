// Multi-row statements for a projection's applyBatch: rows are passed as one array parameter
// per column and read back with unnest, so a statement of any number of rows has as many
// parameters as columns (PostgreSQL caps a statement at 65,535) and one plan.

/** PostgreSQL types a column array is cast to. */
export type SqlColumnType =
  'text' | 'numeric' | 'bigint' | 'int' | 'smallint' | 'boolean' | 'timestamptz' | 'jsonb';

/**
 * `SELECT * FROM unnest($1::text[], $2::numeric[], ...)` for the given column types, starting at
 * parameter `from` (1-based): the rows part of an `INSERT INTO t (cols) SELECT ...`.
 */
export function unnestSelect(types: readonly SqlColumnType[], from = 1): string {
  return `SELECT * FROM unnest(${types.map((t, i) => `$${from + i}::${t}[]`).join(', ')})`;
}

/** Rows (arrays of `width` values) as `width` column arrays, the parameters of unnestSelect. */
export function columnsOf(rows: readonly (readonly unknown[])[], width: number): unknown[][] {
  const columns: unknown[][] = Array.from({ length: width }, () => new Array(rows.length));
  rows.forEach((row, r) => {
    for (let c = 0; c < width; c++) columns[c]![r] = row[c] ?? null;
  });
  return columns;
}
