// writeTogether against real PostgreSQL: its statements run in the order given, so the last one
// takes its row locks last. A chain model's chunk raises the model's head (one row every
// partition's chunk writes) in its last statement; taken first, that lock had made the chunks of
// different partitions wait for each other's whole write instead of only for the commit.
import { randomUUID } from 'node:crypto';
import { Pool, type PoolClient } from 'pg';
import { writeTogether, type SqlStatement } from './batch-sql';

const databaseUrl = process.env['GATEWAY_DATABASE_URL']!;
const schema = `batchsql_${randomUUID().slice(0, 8)}`;
const pool = new Pool({ connectionString: databaseUrl, max: 3 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A slow statement (a second's sleep, then an insert) and one on the shared row. */
const slow: SqlStatement = {
  sql: `INSERT INTO ${schema}.rows (x) SELECT $1::int FROM pg_sleep(1)`,
  params: [1],
};
const raiseHead: SqlStatement = {
  sql: `UPDATE ${schema}.head SET n = n + $1::int WHERE id = 1`,
  params: [1],
};

/**
 * Starts `statements` in a transaction on one connection; 300 ms in (the slow one still running),
 * another connection tries to raise the head with a 200 ms lock timeout. Says whether it could.
 */
async function headFreeMidStatement(statements: SqlStatement[]): Promise<boolean> {
  const a: PoolClient = await pool.connect();
  const b: PoolClient = await pool.connect();
  try {
    await a.query('BEGIN');
    const running = writeTogether({ query: (sql, params) => a.query(sql, params) }, statements);
    await sleep(300);
    let free = true;
    try {
      await b.query('BEGIN');
      await b.query(`SET LOCAL lock_timeout = '200ms'`);
      await b.query(raiseHead.sql, [...raiseHead.params]);
      await b.query('COMMIT');
    } catch (e) {
      if ((e as { code?: string }).code !== '55P03') throw e; // lock_not_available
      free = false;
      await b.query('ROLLBACK');
    }
    await running;
    await a.query('COMMIT');
    return free;
  } finally {
    a.release();
    b.release();
  }
}

beforeAll(async () => {
  await pool.query(`CREATE SCHEMA ${schema}`);
  await pool.query(`CREATE TABLE ${schema}.rows (x int NOT NULL)`);
  await pool.query(`CREATE TABLE ${schema}.head (id int PRIMARY KEY, n int NOT NULL)`);
  await pool.query(`INSERT INTO ${schema}.head VALUES (1, 0)`);
});

afterAll(async () => {
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool.end();
});

describe('writeTogether (PostgreSQL)', () => {
  it('runs its statements in the order given: a row written last is locked only at the end', async () => {
    // The head last: another transaction can still raise it while the slow insert runs.
    expect(await headFreeMidStatement([slow, raiseHead])).toBe(true);
    // The head first: it is locked from the start of the statement.
    expect(await headFreeMidStatement([raiseHead, slow])).toBe(false);
    // Every write happened once: two slow inserts, the head raised by both statements and by the
    // one other transaction that got through.
    const { rows } = await pool.query<{ rows: string; n: number }>(
      `SELECT (SELECT count(*) FROM ${schema}.rows)::text AS rows, n FROM ${schema}.head`,
    );
    expect(rows[0]).toEqual({ rows: '2', n: 3 });
  });
});
