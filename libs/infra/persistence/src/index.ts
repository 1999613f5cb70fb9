export { createPool } from './pool';
export { postgresHealthCheck } from './health';
export { PgPoolModule, PG_POOL } from './pool.module';
