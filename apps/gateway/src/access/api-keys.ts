// API keys of market makers: created by an operator (src/cli/keys.ts), stored as a SHA-256 of a
// 32-byte random secret that is shown once and never stored or logged. A key names the makers
// it may submit and cancel for (or any), its rate limit (tokens per second, burst) and its
// daily order quota. The client sends `atl_<id>_<secret>`; the id finds the row, the hash of
// the secret must match in constant time, and a revoked key matches nothing.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { parseAddress, type Address, CodedError } from '@atelier/kernel';
import type { Pool } from 'pg';
import type { AccessTables } from './access.schema';

export interface ApiKey {
  readonly id: string;
  readonly label: string;
  /** Lower-case maker addresses; null: any maker. */
  readonly makers: readonly Address[] | null;
  readonly rps: number;
  readonly burst: number;
  readonly dailyQuota: number;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}

export interface NewApiKey {
  readonly label: string;
  readonly makers: readonly string[] | null;
  readonly rps: number;
  readonly burst: number;
  readonly dailyQuota: number;
}

const TOKEN = /^atl_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export const formatToken = (id: string, secret: string): string => `atl_${id}_${secret}`;

/** The id and secret of a well-formed token, or null. */
export function parseToken(token: string): { id: string; secret: string } | null {
  const m = TOKEN.exec(token);
  return m ? { id: m[1]!, secret: m[2]! } : null;
}

const hashSecret = (secret: string): Buffer => createHash('sha256').update(secret).digest();

/** An operator's key request the store refuses (the CLI prints it with the usage). */
export class ApiKeyValidationError extends CodedError<'API_KEY.INVALID'> {
  override readonly name = 'ApiKeyValidationError';
  constructor(message: string) {
    super('API_KEY.INVALID', message);
  }
}

function validate(key: NewApiKey): NewApiKey {
  const label = key.label.trim();
  if (label.length === 0 || label.length > 100)
    throw new ApiKeyValidationError('a label of 1 to 100 characters is required');
  const makers =
    key.makers === null
      ? null
      : key.makers.map((m) => {
          const r = parseAddress(m);
          if (!r.ok) throw new ApiKeyValidationError(`not a maker address: ${m}`);
          return r.value;
        });
  if (makers !== null && makers.length === 0)
    throw new ApiKeyValidationError('name at least one maker, or any');
  if (!(key.rps > 0) || !Number.isFinite(key.rps))
    throw new ApiKeyValidationError('rps must be a positive number');
  if (!Number.isInteger(key.burst) || key.burst < 1)
    throw new ApiKeyValidationError('burst must be a positive integer');
  if (!Number.isSafeInteger(key.dailyQuota) || key.dailyQuota < 0)
    throw new ApiKeyValidationError('quota must be a non-negative integer');
  return { ...key, label, makers: makers && [...new Set(makers)] };
}

type Row = {
  id: string;
  label: string;
  makers: string[] | null;
  rps: number;
  burst: number;
  daily_quota: string;
  created_at: Date;
  revoked_at: Date | null;
};
const COLUMNS = 'id, label, makers, rps, burst, daily_quota, created_at, revoked_at';
const toKey = (r: Row): ApiKey => ({
  id: r.id,
  label: r.label,
  makers: r.makers as Address[] | null,
  rps: r.rps,
  burst: r.burst,
  dailyQuota: Number(r.daily_quota),
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
});

export class ApiKeyStore {
  constructor(
    private readonly pool: Pool,
    private readonly tables: AccessTables,
  ) {}

  /** Stores a new key and returns it with its token: the only time the secret exists. */
  async create(input: NewApiKey): Promise<{ key: ApiKey; token: string }> {
    const k = validate(input);
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const { rows } = await this.pool.query<Row>(
      `INSERT INTO ${this.tables.keys} (id, secret_hash, label, makers, rps, burst, daily_quota)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [id, hashSecret(secret), k.label, k.makers, k.rps, k.burst, k.dailyQuota],
    );
    return { key: toKey(rows[0]!), token: formatToken(id, secret) };
  }

  async list(): Promise<ApiKey[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM ${this.tables.keys} ORDER BY created_at, id`,
    );
    return rows.map(toKey);
  }

  /** True when the key existed and was live; revoking twice keeps the first time. */
  async revoke(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE ${this.tables.keys} SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`,
      [id],
    );
    return rowCount === 1;
  }

  /** The live key a token names, or null (malformed, unknown, wrong secret or revoked). */
  async authenticate(token: string): Promise<ApiKey | null> {
    const parsed = parseToken(token);
    if (!parsed) return null;
    const { rows } = await this.pool.query<Row & { secret_hash: Buffer }>(
      `SELECT ${COLUMNS}, secret_hash FROM ${this.tables.keys} WHERE id = $1`,
      [parsed.id],
    );
    const row = rows[0];
    // Hash even when the id is unknown, so timing does not tell ids apart.
    const given = hashSecret(parsed.secret);
    if (!row) return null;
    if (!timingSafeEqual(given, row.secret_hash) || row.revoked_at !== null) return null;
    return toKey(row);
  }
}
