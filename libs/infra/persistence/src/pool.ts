// The process's PostgreSQL pool, sized small: this machine's server is shared by every app.
import { Pool } from 'pg';

export function createPool(connectionString: string, applicationName: string, max = 10): Pool {
  return new Pool({
    connectionString,
    application_name: applicationName,
    max,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 10_000,
  });
}
