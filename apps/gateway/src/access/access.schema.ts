// The access layer's tables, in their own schema of the gateway's database, created at start
// (idempotent, serialised across instances starting together). Everything that must hold
// across gateway instances lives here: keys, token buckets, daily quotas, idempotency keys.
import { ensureTables, quoteIdent, type SqlQuery } from '@atelier/persistence';

export interface AccessTables {
  readonly schema: string;
  readonly keys: string;
  readonly buckets: string;
  readonly quotas: string;
  readonly idempotency: string;
}

export function accessTables(schemaName: string): AccessTables {
  const schema = quoteIdent(schemaName);
  return {
    schema,
    keys: `${schema}.api_keys`,
    buckets: `${schema}.rate_buckets`,
    quotas: `${schema}.quota_usage`,
    idempotency: `${schema}.idempotency_keys`,
  };
}

export async function ensureAccessTables(query: SqlQuery, t: AccessTables): Promise<void> {
  await ensureTables(query, {
    schema: t.schema,
    lock: `atelier.access:${t.schema}`,
    tables: {
      // Only a hash of the secret is stored: a leaked table grants nothing. `makers` NULL: any.
      [t.keys]: `id text PRIMARY KEY,
        secret_hash bytea NOT NULL,
        label text NOT NULL,
        makers text[],
        rps double precision NOT NULL CHECK (rps > 0),
        burst integer NOT NULL CHECK (burst >= 1),
        daily_quota bigint NOT NULL CHECK (daily_quota >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz`,
      // One token bucket per subject ('key:<id>' or 'ip:<address>'); `full_at` is when it
      // would be full again, after which the row means nothing and may be swept.
      [t.buckets]: `subject text PRIMARY KEY,
        tokens double precision NOT NULL,
        refreshed_at timestamptz NOT NULL,
        full_at timestamptz NOT NULL,
        allowed boolean NOT NULL`,
      [t.quotas]: `key_id text NOT NULL,
        day date NOT NULL,
        used bigint NOT NULL,
        PRIMARY KEY (key_id, day)`,
      // A write's answer under (scope, key): 'pending' while one request decides, then 'done'
      // with the status and body every retry with the same body gets.
      [t.idempotency]: `scope text NOT NULL,
        key text NOT NULL,
        request_hash bytea NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'done')),
        status integer,
        body text,
        started_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (scope, key)`,
    },
  });
}
