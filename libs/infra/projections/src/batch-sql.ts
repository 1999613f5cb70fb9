// Multi-row statements for a projection's applyBatch: rows are passed as one array parameter
// per column and read back with unnest, so a statement of any number of rows has as many
// parameters as columns (PostgreSQL caps a statement at 65,535) and one plan. New rows known to
// be new can go by COPY instead (copyRows), PostgreSQL's bulk load.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { EntityManager } from 'typeorm';

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
}

/**
 * Runs data-modifying statements (INSERT, UPDATE, DELETE) in one round trip, each as a CTE of
 * one `WITH ... SELECT 1`. They all see the snapshot taken before the statement, so use it only
 * for statements on different rows that do not read each other's writes (an insert of new rows
 * beside an update of stored ones, writes to different tables).
 *
 * They run in the order given, so a statement on a row that other transactions also write (a
 * model's head, raised by every partition's chunk) goes last and holds that row's lock only from
 * the end of the statement to the commit. PostgreSQL runs a WITH's data-modifying CTEs that the
 * query does not read at the end of the statement, the last written first (checked by
 * batch-sql.int.spec.ts): so they are written here in reverse. Written in the given order, a
 * chain model's head, the last statement, was taken first and held through the chunk's inserts,
 * and the chunks of three partitions, meant to run at once, ran one after another.
 */
export async function writeTogether(
  tx: { query(sql: string, params?: unknown[]): Promise<unknown> },
  statements: readonly (SqlStatement | undefined)[],
): Promise<void> {
  const list = statements.filter((s): s is SqlStatement => s !== undefined);
  if (list.length === 0) return;
  if (list.length === 1) {
    await tx.query(list[0]!.sql, [...list[0]!.params]);
    return;
  }
  const params: unknown[] = [];
  const ctes = list.map((s, i) => {
    const offset = params.length;
    params.push(...s.params);
    return `w${i} AS (${s.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`)})`;
  });
  await tx.query(`WITH ${ctes.reverse().join(',\n')} SELECT 1`, params);
}

/** A column name of ours, quoted (lowercase identifiers only: nothing else is ever passed). */
const column = (name: string): string => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name))
    throw new Error(`not a column name: ${JSON.stringify(name)}`);
  return `"${name}"`;
};

/** A value as COPY's text format writes it: \N for null, backslash escapes, JSON for objects. */
export function copyText(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  const s =
    typeof value === 'string'
      ? value
      : value instanceof Date
        ? value.toISOString()
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value);
  return COPY_SPECIAL.test(s) ? s.replace(COPY_SPECIALS, (c) => COPY_ESCAPES[c]!) : s;
}
const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_SPECIALS = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
};

/**
 * Bytes of a piece of COPY data (copyPieces): a few hundred rows, written to the connection as it
 * takes them. 64 KiB, 256 KiB and 1 MiB pieces took the same time (18 MB of rows: 34-37 ms).
 */
export const COPY_PIECE_BYTES = 256 * 1024;

/**
 * `rows` as COPY's text format (copyText, tab-separated, one line each), written straight into
 * buffers of `pieceBytes` (the last one cut to what it holds), a line at a time. A line that might
 * not fit in a piece (counting the three bytes UTF-8 may take per UTF-16 unit) goes as a piece of
 * its own.
 *
 * Each piece was a string of 500 lines, encoded by the stream: flattening and encoding those
 * strings took more CPU than making them (chain-artworks' rebuild: 156 ms of the node process's
 * ~1.5 s), and each encoding was fresh memory, whose pages this VM faults in at ~15 µs each.
 * 40,000 market orders' rows, 18 MB: 97-114 ms and 31,000-37,000 page faults that way, 34-65 ms
 * and at most 1,400 written into buffers.
 */
export function* copyPieces(
  rows: readonly (readonly unknown[])[],
  pieceBytes: number = COPY_PIECE_BYTES,
): Generator<Buffer> {
  let piece = Buffer.allocUnsafe(pieceBytes);
  let at = 0;
  for (const row of rows) {
    let line = copyText(row[0]);
    for (let c = 1; c < row.length; c++) line += '\t' + copyText(row[c]);
    line += '\n';
    const most = line.length * 3;
    if (at + most > pieceBytes) {
      if (at > 0) {
        yield piece.subarray(0, at);
        piece = Buffer.allocUnsafe(pieceBytes);
        at = 0;
      }
      if (most > pieceBytes) {
        yield Buffer.from(line);
        continue;
      }
    }
    at += piece.write(line, at, 'utf8');
  }
  if (at > 0) yield piece.subarray(0, at);
}

/**
 * Loads rows into `table` (a quoted path) with COPY ... FROM STDIN on the transaction's own
 * connection: about 1.5 times faster than a multi-row INSERT of the same rows into a table with
 * eight indexes (20,000 market orders: 270-290 ms against 400-580 ms), and no array literal per
 * column to build. COPY has no ON CONFLICT: a row that is already there fails the whole statement
 * with unique_violation (23505), which aborts the transaction up to its last savepoint; use it for
 * rows known to be new, behind a savepoint and a way back (see the orders projection).
 */
export async function copyRows(
  tx: EntityManager,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
): Promise<void> {
  if (rows.length === 0) return;
  const client = (tx.queryRunner as unknown as { databaseConnection?: PoolClient } | undefined)
    ?.databaseConnection;
  if (!client) throw new Error(`copyRows into ${table}: the transaction has no connection yet`);
  const sink = client.query(
    copyFrom(`COPY ${table} (${columns.map(column).join(', ')}) FROM STDIN`),
  );
  await pipeline(Readable.from(copyPieces(rows)), sink);
}
