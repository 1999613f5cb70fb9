// Creates the project's PostgreSQL role and databases on the server at POSTGRES_ADMIN_URL
// (default: the machine's server, trust auth). Idempotent; a clear error when no server
// answers. Prints the databases' URLs as KEY=value lines for the calling script.
import { Client } from 'pg';

const adminUrl = process.env.POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const prefix = process.env.ATELIER_DB_PREFIX ?? 'atelier';
const role = process.env.ATELIER_DB_ROLE ?? 'atelier';
const password = process.env.ATELIER_DB_PASSWORD ?? 'atelier';

const databases = {
  GATEWAY_DATABASE_URL: prefix,
  INDEXER_DATABASE_URL: `${prefix}_indexer`,
  SETTLEMENT_DATABASE_URL: `${prefix}_settlement`,
} as const;

const ident = (s: string): string => {
  if (!/^[a-z_][a-z0-9_]*$/.test(s)) throw new Error(`unsafe identifier: ${s}`);
  return `"${s}"`;
};

async function main(): Promise<void> {
  const admin = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (e) {
    console.error(
      `[postgres] ERROR: no PostgreSQL server answers at ${adminUrl.replace(/:[^:@/]*@/, ':***@')} ` +
        `(${(e as Error).message}). Start one (PostgreSQL 15+) or set POSTGRES_ADMIN_URL.`,
    );
    process.exit(2);
  }
  try {
    const { rows: version } = await admin.query<{ server_version_num: string }>(
      'SHOW server_version_num',
    );
    if (Number(version[0]!.server_version_num) < 150000) {
      throw new Error(`PostgreSQL 15+ is required, found ${version[0]!.server_version_num}`);
    }
    const roleExists = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
    if (roleExists.rowCount === 0) {
      await admin.query(
        `CREATE ROLE ${ident(role)} LOGIN PASSWORD '${password.replace(/'/g, "''")}'`,
      );
      console.error(`[postgres] created role ${role}`);
    }
    const url = new URL(adminUrl);
    for (const [key, db] of Object.entries(databases)) {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db]);
      if (exists.rowCount === 0) {
        await admin.query(`CREATE DATABASE ${ident(db)} OWNER ${ident(role)}`);
        console.error(`[postgres] created database ${db}`);
      }
      const dbUrl = `postgres://${role}:${encodeURIComponent(password)}@${url.host}/${db}`;
      console.log(`${key}=${dbUrl}`);
    }
  } finally {
    await admin.end();
  }
}

main().catch((e: unknown) => {
  console.error(`[postgres] ERROR: ${(e as Error).message}`);
  process.exit(1);
});
