// For this library's int specs: a pool on the test stack's database and a fresh schema per
// spec file, dropped afterwards, so specs never see each other's events.
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';

export function testDatabaseUrl(): string {
  const url = process.env['GATEWAY_DATABASE_URL'];
  if (!url)
    throw new Error(
      'GATEWAY_DATABASE_URL is not set: run int specs through jest --selectProjects int (its global setup starts the stack)',
    );
  return url;
}

export const freshSchemaName = (): string => `es_${randomBytes(6).toString('hex')}`;

export function testPool(max = 12): Pool {
  return new Pool({
    connectionString: testDatabaseUrl(),
    max,
    application_name: 'atelier-event-store-int',
  });
}

export async function dropSchema(pool: Pool, schema: string): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}
