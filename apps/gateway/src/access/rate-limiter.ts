// Rate limits and daily quotas that hold across every gateway instance on one database: each
// decision is one atomic statement on a PostgreSQL row (the row lock of INSERT ... ON CONFLICT
// DO UPDATE orders concurrent callers; READ COMMITTED re-reads the row they waited for), and
// time is the database server's clock, so instances with skewed clocks still agree. These hold
// every API key's limit and quota, and the per-IP limit of writes without a key.
//
// Reads without a key are limited per IP in each process instead (LocalRateLimiter, the same
// bucket in memory): a row write per anonymous read serialised every read of one IP on that
// row (issue 10: 69 book reads/s), and a read changes nothing that a limit across instances
// would protect; behind N instances an IP may read N times its rate.
//
// Token bucket: a subject holds up to `burst` tokens and regains `rps` per second; a request
// takes one, or is refused while fewer than one is left (the refusal takes nothing, so a
// client retrying after Retry-After gets through).
import type { Pool } from 'pg';
import type { AccessTables } from './access.schema';

export interface BucketDecision {
  readonly allowed: boolean;
  /** Whole seconds until one token is back (0 when allowed). */
  readonly retryAfterSeconds: number;
}

export interface QuotaDecision {
  readonly allowed: boolean;
  readonly used: number;
  /** Whole seconds until the quota day (UTC) ends. */
  readonly resetSeconds: number;
}

export class PgRateLimiter {
  private readonly takeSql: string;
  private readonly quotaSql: string;

  constructor(
    private readonly pool: Pool,
    private readonly tables: AccessTables,
  ) {
    // x.avail: the tokens after refilling for the time since the last call, capped at burst.
    this.takeSql = `
      INSERT INTO ${tables.buckets} AS b (subject, tokens, refreshed_at, full_at, allowed)
      SELECT $1, $3::float8 - 1, t, t + make_interval(secs => 1 / $2::float8), true
        FROM (SELECT clock_timestamp() AS t) now
      ON CONFLICT (subject) DO UPDATE SET (allowed, tokens, refreshed_at, full_at) = (
        SELECT x.avail >= 1,
               x.avail - CASE WHEN x.avail >= 1 THEN 1 ELSE 0 END,
               x.t,
               x.t + make_interval(secs =>
                 ($3::float8 - x.avail + CASE WHEN x.avail >= 1 THEN 1 ELSE 0 END) / $2::float8)
          FROM (SELECT GREATEST(b.refreshed_at, EXCLUDED.refreshed_at) AS t,
                       LEAST($3::float8, b.tokens + $2::float8 * GREATEST(0,
                         EXTRACT(EPOCH FROM EXCLUDED.refreshed_at - b.refreshed_at)::float8)) AS avail) x)
      RETURNING allowed, tokens`;
    // A request's orders count whole or not at all: a bulk that would cross the quota is refused.
    this.quotaSql = `
      INSERT INTO ${tables.quotas} AS q (key_id, day, used)
      SELECT $1, (now() AT TIME ZONE 'UTC')::date, $2::bigint WHERE $2::bigint <= $3::bigint
      ON CONFLICT (key_id, day) DO UPDATE SET used = q.used + EXCLUDED.used
        WHERE q.used + EXCLUDED.used <= $3::bigint
      RETURNING used,
        EXTRACT(EPOCH FROM (date_trunc('day', now() AT TIME ZONE 'UTC') + interval '1 day'
          - (now() AT TIME ZONE 'UTC')))::float8 AS reset`;
  }

  /** Takes one token of `subject`'s bucket, atomically across instances. */
  async take(subject: string, rps: number, burst: number): Promise<BucketDecision> {
    const { rows } = await this.pool.query<{ allowed: boolean; tokens: number }>(this.takeSql, [
      subject,
      rps,
      burst,
    ]);
    const { allowed, tokens } = rows[0]!;
    return {
      allowed,
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / rps)),
    };
  }

  /** Counts `orders` against the key's quota of the current UTC day, unless that would cross it. */
  async consumeQuota(keyId: string, orders: number, quota: number): Promise<QuotaDecision> {
    const { rows } = await this.pool.query<{ used: string; reset: number }>(this.quotaSql, [
      keyId,
      orders,
      quota,
    ]);
    const row = rows[0];
    if (row) return { allowed: true, used: Number(row.used), resetSeconds: Math.ceil(row.reset) };
    const { rows: now } = await this.pool.query<{ used: string | null; reset: number }>(
      `SELECT (SELECT used FROM ${this.tables.quotas} WHERE key_id = $1
                 AND day = (now() AT TIME ZONE 'UTC')::date) AS used,
              EXTRACT(EPOCH FROM (date_trunc('day', now() AT TIME ZONE 'UTC') + interval '1 day'
                - (now() AT TIME ZONE 'UTC')))::float8 AS reset`,
      [keyId],
    );
    return {
      allowed: false,
      used: Number(now[0]?.used ?? 0),
      resetSeconds: Math.max(1, Math.ceil(now[0]?.reset ?? 1)),
    };
  }

  /** Forgets buckets that are full again (the same as no row) and quota days gone by. */
  async sweep(): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.tables.buckets} WHERE full_at < clock_timestamp()`);
    await this.pool.query(
      `DELETE FROM ${this.tables.quotas} WHERE day < (now() AT TIME ZONE 'UTC')::date - 1`,
    );
  }
}

const ALLOWED: BucketDecision = Object.freeze({ allowed: true, retryAfterSeconds: 0 });

/** The same token bucket, in this process's memory (anonymous reads; see the header). */
export class LocalRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number; full: number }>();
  private sweptAt = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  take(subject: string, rps: number, burst: number): BucketDecision {
    const t = this.now();
    if (t - this.sweptAt > 10_000) this.sweep(t);
    const b = this.buckets.get(subject);
    const avail = b ? Math.min(burst, b.tokens + (rps * Math.max(0, t - b.at)) / 1000) : burst;
    const allowed = avail >= 1;
    const tokens = allowed ? avail - 1 : avail;
    const full = t + ((burst - tokens) / rps) * 1000;
    // Updated in place: a busy client's reads allocate nothing here (issue 10).
    if (b) {
      b.tokens = tokens;
      b.at = t;
      b.full = full;
    } else this.buckets.set(subject, { tokens, at: t, full });
    return allowed
      ? ALLOWED
      : { allowed, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / rps)) };
  }

  /** Forgets buckets that are full again (the same as none). */
  private sweep(t: number): void {
    this.sweptAt = t;
    for (const [subject, b] of this.buckets) if (b.full <= t) this.buckets.delete(subject);
  }
}
