// How the runner tells a database outage (wait for it) from a bad event (dead-letter it), and
// how a read model's tables are named in SQL.
import type { DataSource, EntityManager } from 'typeorm';

/**
 * A name TypeORM gives (schema, table, index, column) quoted as it is, any case: quoteIdent
 * (@atelier/persistence) refuses what is not a plain lowercase identifier, and entity names need
 * not be.
 */
export const quotedName = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Dotted parts (`schema`, `table`) as one quoted SQL name: `"schema"."table"`. */
export const quotedPath = (parts: readonly string[]): string => parts.map(quotedName).join('.');

/**
 * `"schema"."table"` of an entity in the data source of `source`: a DataSource, or the manager
 * of one of its transactions.
 */
export function tablePath(
  source: DataSource | EntityManager,
  entity: Parameters<DataSource['getMetadata']>[0],
): string {
  const ds = 'getMetadata' in source ? source : source.connection;
  return quotedPath(ds.getMetadata(entity).tablePath.split('.'));
}

/**
 * Errors worth retrying as they are, as opposed to a handler bug: the database went away,
 * a serialization failure or deadlock, or the server is short of resources.
 * A transient error is never dead-lettered: the message waits for the database instead.
 */
export function isTransientDbError(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown; driverError?: unknown };
  const code = typeof err?.code === 'string' ? err.code : undefined;
  if (code && /^(08|40|53|57|58)/.test(code) && code.length === 5) return true;
  if (code && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(code))
    return true;
  const message = typeof err?.message === 'string' ? err.message : '';
  if (
    /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
      message,
    )
  )
    return true;
  return err?.driverError !== undefined && err.driverError !== e
    ? isTransientDbError(err.driverError)
    : false;
}
