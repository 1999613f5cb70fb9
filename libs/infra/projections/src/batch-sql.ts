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

/** One statement and its parameters ($1.. numbered from 1). */
export interface SqlStatement {
  readonly sql: string;
  readonly params: readonly unknown[];
  /** Count the rows it returns (its sql ends in RETURNING): writeTogether gives the counts back. */
  readonly count?: boolean;
}

/**
 * Runs data-modifying statements (INSERT, UPDATE, DELETE) in one round trip, each as a CTE of
 * one `WITH ... SELECT`. They all see the snapshot taken before the statement, so use it only
 * for statements on different rows that do not read each other's writes (an insert of new rows
 * beside an update of stored ones, writes to different tables). Returns, in order, the number of
 * rows each statement marked `count` returned.
 */
export async function writeTogether(
  tx: { query(sql: string, params?: unknown[]): Promise<unknown> },
  statements: readonly (SqlStatement | undefined)[],
): Promise<number[]> {
  const list = statements.filter((s): s is SqlStatement => s !== undefined);
  if (list.length === 0) return [];
  const counted = list.flatMap((s, i) => (s.count ? [i] : []));
  if (list.length === 1 && counted.length === 0) {
    await tx.query(list[0]!.sql, [...list[0]!.params]);
    return [];
  }
  const params: unknown[] = [];
  const ctes = list.map((s, i) => {
    const offset = params.length;
    params.push(...s.params);
    return `w${i} AS (${s.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`)})`;
  });
  const select =
    counted.length === 0
      ? 'SELECT 1'
      : `SELECT ${counted.map((i) => `(SELECT count(*) FROM w${i})::int AS c${i}`).join(', ')}`;
  const rows = (await tx.query(`WITH ${ctes.join(',\n')} ${select}`, params)) as Array<
    Record<string, number>
  >;
  return counted.map((i) => rows[0]![`c${i}`]!);
}
