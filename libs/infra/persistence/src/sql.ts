// SQL text built from configuration (schema names), and the one way our libraries create
// their own bookkeeping tables (relay and projection checkpoints) next to the data they track.
import { CodedError } from '@atelier/kernel';

export class SqlIdentifierError extends CodedError<'SQL.UNSAFE_IDENTIFIER'> {
  override readonly name = 'SqlIdentifierError';
}

/** A configured identifier as SQL text; anything but a plain lowercase name is refused. */
export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name))
    throw new SqlIdentifierError(
      'SQL.UNSAFE_IDENTIFIER',
      `unsafe SQL identifier: ${JSON.stringify(name)}`,
      { name },
    );
  return `"${name}"`;
}

/** What the helpers need of a connection: pg's Client and TypeORM's QueryRunner both fit. */
export type SqlQuery = (sql: string, params?: unknown[]) => Promise<unknown>;

export interface TablesSpec {
  /** Quoted schema (quoteIdent), created if missing. */
  readonly schema: string;
  /** Qualified table name -> its column and key definitions. */
  readonly tables: Readonly<Record<string, string>>;
  /** Names the advisory lock that serialises creation across processes. */
  readonly lock: string;
}

/** Column definitions of a checkpoint: a position that moves forward, and when it last did. */
export const CHECKPOINT_COLUMNS =
  'position bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now()';

/**
 * Creates the schema and the tables that are missing, then runs `andThen` (more DDL) under
 * the same lock. IF NOT EXISTS alone still races between two processes starting together, so
 * creation is serialised by a session advisory lock on this connection.
 */
export async function ensureTables(
  query: SqlQuery,
  spec: TablesSpec,
  andThen?: () => Promise<void>,
): Promise<void> {
  await query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [spec.lock]);
  try {
    await query(`CREATE SCHEMA IF NOT EXISTS ${spec.schema}`);
    for (const [table, columns] of Object.entries(spec.tables))
      await query(`CREATE TABLE IF NOT EXISTS ${table} (${columns})`);
    await andThen?.();
  } finally {
    await query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [spec.lock]).catch(
      () => undefined,
    );
  }
}
