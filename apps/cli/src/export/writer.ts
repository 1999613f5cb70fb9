// Writes a dataset to a CSV or Parquet file: rows are read from PostgreSQL through a cursor in
// one read-only REPEATABLE READ transaction (one consistent snapshot, bounded memory on the
// Node side), appended to a DuckDB table with the dataset's column types, and DuckDB's COPY
// writes the file. (DuckDB's postgres extension would read PostgreSQL itself, but extensions
// are downloaded at first use and this machine downloads nothing; the appender is the path
// that needs no network.) The file is written beside the target and renamed into place, so a
// failed export never leaves a half-written file under the asked name.
import { mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Pool } from 'pg';
import { DuckDBInstance, timestampTZValue, type DuckDBAppender } from '@duckdb/node-api';
import type { Column, ColumnType } from './datasets';

export type ExportFormat = 'csv' | 'parquet';

export interface WriteResult {
  readonly rows: number;
  readonly bytes: number;
  readonly seconds: number;
}

const FETCH = 5_000;
const MEMORY_LIMIT = process.env['ATELIER_EXPORT_MEMORY_LIMIT'] ?? '256MB';

const append: Record<ColumnType, (a: DuckDBAppender, v: string) => void> = {
  VARCHAR: (a, v) => a.appendVarchar(v),
  JSON: (a, v) => a.appendVarchar(v),
  BIGINT: (a, v) => a.appendBigInt(BigInt(v)),
  INTEGER: (a, v) => a.appendInteger(Number(v)),
  TIMESTAMPTZ: (a, v) => a.appendTimestampTZ(timestampTZValue(BigInt(v))),
};

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

export async function writeDataset(
  pool: Pool,
  query: { sql: string; params: readonly string[] },
  columns: readonly Column[],
  format: ExportFormat,
  out: string,
  onRows?: (rows: number) => void,
): Promise<WriteResult> {
  const started = process.hrtime.bigint();
  // A database file of its own (not :memory:) with a memory limit: the rows are staged on
  // disk, so a large export does not have to fit in memory.
  const work = await mkdtemp(join(tmpdir(), 'atelier-export-'));
  const duck = await DuckDBInstance.create(join(work, 'export.duckdb'), {
    memory_limit: MEMORY_LIMIT,
    threads: '2',
  });
  const conn = await duck.connect();
  const partial = join(dirname(out), `.${basename(out)}.${process.pid}.partial`);
  let rows = 0;
  try {
    // Times in the file are UTC whatever the machine's zone.
    await conn.run(`SET TimeZone = 'UTC'`);
    await conn.run(
      `CREATE TABLE export (${columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ')})`,
    );
    const appender = await conn.createAppender('export');
    const client = await pool.connect();
    try {
      await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query(`DECLARE export_rows NO SCROLL CURSOR FOR ${query.sql}`, [
        ...query.params,
      ]);
      for (;;) {
        const batch = await client.query<(string | null)[]>({
          text: `FETCH ${FETCH} FROM export_rows`,
          rowMode: 'array' as const,
        });
        for (const row of batch.rows) {
          for (let i = 0; i < columns.length; i++) {
            const v = row[i];
            if (v === null || v === undefined) appender.appendNull();
            else append[columns[i]!.type](appender, v);
          }
          appender.endRow();
        }
        // Commits what was appended, so DuckDB may move it out of memory.
        appender.flushSync();
        rows += batch.rows.length;
        onRows?.(rows);
        if (batch.rows.length < FETCH) break;
      }
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
    appender.flushSync();
    appender.closeSync();
    const options = format === 'parquet' ? `(FORMAT parquet)` : `(FORMAT csv, HEADER true)`;
    await conn.run(`COPY export TO ${sqlString(partial)} ${options}`);
    await rename(partial, out);
  } catch (e) {
    await rm(partial, { force: true });
    throw e;
  } finally {
    conn.closeSync();
    duck.closeSync();
    await rm(work, { recursive: true, force: true });
  }
  return {
    rows,
    bytes: (await stat(out)).size,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
}
