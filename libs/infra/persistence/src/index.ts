export { createPool } from './pool';
export { postgresHealthCheck } from './health';
export { PgPoolModule, PG_POOL } from './pool.module';
export {
  quoteIdent,
  SqlIdentifierError,
  ensureTables,
  CHECKPOINT_COLUMNS,
  type SqlQuery,
  type TablesSpec,
} from './sql';
