// Idempotency keys of writes, in PostgreSQL so every gateway instance sees them: the first
// request under (scope, key) claims the row and decides; a retry with the same request gets the
// stored answer (status and body) without deciding again; the same key with another request is
// refused; a duplicate arriving while the first still decides waits for its answer a while.
// Answers are kept 24 h. A claim whose holder died (pending past `staleAfterSeconds`) may be
// taken over by a retry of the same request.
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import type { AccessTables } from './access.schema';

export type IdempotencyOutcome =
  | { readonly kind: 'decide' }
  | { readonly kind: 'replay'; readonly status: number; readonly body: string | null }
  | { readonly kind: 'reused' }
  | { readonly kind: 'in-progress' };

export interface IdempotencyOptions {
  readonly ttlSeconds: number;
  readonly waitMs: number;
  readonly pollMs?: number;
  readonly staleAfterSeconds?: number;
}

/** The fingerprint of a request: method, path and body (as parsed JSON). */
export function requestHash(method: string, url: string, body: unknown): Buffer {
  return createHash('sha256')
    .update(`${method.toUpperCase()} ${url}\n${JSON.stringify(body ?? null)}`)
    .digest();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class IdempotencyStore {
  constructor(
    private readonly pool: Pool,
    private readonly tables: AccessTables,
    private readonly options: IdempotencyOptions,
  ) {}

  async begin(scope: string, key: string, hash: Buffer): Promise<IdempotencyOutcome> {
    const t = this.tables.idempotency;
    const deadline = Date.now() + this.options.waitMs;
    for (;;) {
      // Claim a free, expired or abandoned row; nothing else moves a row back to 'pending'.
      const claimed = await this.pool.query(
        `INSERT INTO ${t} AS i (scope, key, request_hash, state, started_at, expires_at)
         VALUES ($1, $2, $3, 'pending', now(), now() + make_interval(secs => $4))
         ON CONFLICT (scope, key) DO UPDATE SET request_hash = EXCLUDED.request_hash,
           state = 'pending', status = NULL, body = NULL,
           started_at = EXCLUDED.started_at, expires_at = EXCLUDED.expires_at
         WHERE i.expires_at < now()
            OR (i.state = 'pending' AND i.request_hash = EXCLUDED.request_hash
                AND i.started_at < now() - make_interval(secs => $5))
         RETURNING 1`,
        [scope, key, hash, this.options.ttlSeconds, this.options.staleAfterSeconds ?? 60],
      );
      if (claimed.rowCount === 1) return { kind: 'decide' };
      const { rows } = await this.pool.query<{
        request_hash: Buffer;
        state: 'pending' | 'done';
        status: number | null;
        body: string | null;
      }>(
        `SELECT request_hash, state, status, body FROM ${t}
          WHERE scope = $1 AND key = $2 AND expires_at >= now()`,
        [scope, key],
      );
      const row = rows[0];
      if (!row) continue; // expired or swept between the two statements: claim again
      if (!row.request_hash.equals(hash)) return { kind: 'reused' };
      if (row.state === 'done') return { kind: 'replay', status: row.status!, body: row.body };
      if (Date.now() >= deadline) return { kind: 'in-progress' };
      await sleep(this.options.pollMs ?? 50);
    }
  }

  /** Stores the answer of the claim; only a pending claim of this request is completed. */
  async complete(scope: string, key: string, hash: Buffer, status: number, body: string | null) {
    await this.pool.query(
      `UPDATE ${this.tables.idempotency} SET state = 'done', status = $4, body = $5
        WHERE scope = $1 AND key = $2 AND request_hash = $3 AND state = 'pending'`,
      [scope, key, hash, status, body],
    );
  }

  /** Gives the claim up (the request failed before deciding): a retry decides afresh. */
  async release(scope: string, key: string, hash: Buffer): Promise<void> {
    await this.pool.query(
      `DELETE FROM ${this.tables.idempotency}
        WHERE scope = $1 AND key = $2 AND request_hash = $3 AND state = 'pending'`,
      [scope, key, hash],
    );
  }

  async sweep(): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.tables.idempotency} WHERE expires_at < now()`);
  }
}
