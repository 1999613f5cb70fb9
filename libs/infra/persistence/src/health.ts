// PostgreSQL readiness: the pool answers a trivial query within the probe's time.
import type { Pool } from 'pg';
import { abortable, type DependencyCheck } from '@atelier/health';

export function postgresHealthCheck(pool: Pool, name = 'postgres'): DependencyCheck {
  return {
    name,
    async check(signal) {
      const { rows } = await abortable(
        pool.query<{ db: string; version: string }>(
          "SELECT current_database() AS db, current_setting('server_version') AS version",
        ),
        signal,
      );
      return { database: rows[0]?.db, version: rows[0]?.version };
    },
  };
}
