// Ponder caches raw chain data (blocks, logs, transactions) in the schema `ponder_sync`,
// keyed by chain id and block number, and shared by every Ponder schema in the database. A
// restarted anvil is a new chain under the same id: the cache then holds another chain's
// blocks, and Ponder indexes them (seen here: facts of blocks from a previous anvil, with their
// old hashes, next to the new chain's). Before Ponder starts on a local chain, this compares the
// cached blocks with the RPC's and drops the chain's cached rows if they disagree.
import pg from 'pg';
import { createPublicClient, http } from 'viem';

const TABLES = [
  'blocks',
  'logs',
  'transactions',
  'transaction_receipts',
  'traces',
  'factory_addresses',
  'intervals',
  'rpc_request_results',
] as const;

export interface SyncCacheCheck {
  readonly databaseUrl: string;
  readonly rpcUrl: string;
  readonly chainId: number;
}

/** Returns the block that gave the cache away (its cached and canonical hash), or undefined if it is sound. */
export async function purgeStaleSyncCache(
  o: SyncCacheCheck,
): Promise<{ block: number; cached: string; canonical: string | null } | undefined> {
  const db = new pg.Client({
    connectionString: o.databaseUrl,
    application_name: 'atelier-indexer-sync-check',
  });
  await db.connect();
  try {
    const exists = await db.query<{ t: string | null }>(
      `SELECT to_regclass('ponder_sync.logs') AS t`,
    );
    if (!exists.rows[0]?.t) return undefined;
    // The lowest and highest cached blocks: a different chain differs at both.
    const sample = await db.query<{ n: string; h: string }>(
      `(SELECT number AS n, hash AS h FROM ponder_sync.blocks WHERE chain_id = $1 ORDER BY number ASC LIMIT 1)
       UNION ALL (SELECT number, hash FROM ponder_sync.blocks WHERE chain_id = $1 ORDER BY number DESC LIMIT 1)
       UNION ALL (SELECT block_number, block_hash FROM ponder_sync.logs WHERE chain_id = $1 ORDER BY block_number DESC LIMIT 1)`,
      [o.chainId],
    );
    const rpc = createPublicClient({ transport: http(o.rpcUrl, { timeout: 5000, retryCount: 1 }) });
    for (const row of sample.rows) {
      const number = Number(row.n);
      const canonical = await rpc
        .getBlock({ blockNumber: BigInt(number) })
        .then((b) => b.hash?.toLowerCase() ?? null)
        .catch(() => null);
      if (canonical === row.h.toLowerCase()) continue;
      await db.query('BEGIN');
      for (const table of TABLES) {
        const has = await db.query(`SELECT to_regclass($1) AS t`, [`ponder_sync.${table}`]);
        if (has.rows[0]?.t)
          await db.query(`DELETE FROM ponder_sync.${table} WHERE chain_id = $1`, [o.chainId]);
      }
      await db.query('COMMIT');
      return { block: number, cached: row.h, canonical };
    }
    return undefined;
  } finally {
    await db.end().catch(() => undefined);
  }
}
