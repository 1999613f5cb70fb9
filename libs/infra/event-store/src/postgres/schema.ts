// The PostgreSQL event store's schema: tables, indexes and the append function. Everything
// is created idempotently in one configurable schema, under an advisory lock so that
// processes starting together do not race on CREATE. The rule that keeps the global order
// free of gaps (positions, in-flight appenders, the safe bound) is global-order.ts's; this
// file splices its SQL in.
import { assignPositionsSql, markInFlightSql, safeReadSql } from './global-order';

const IDENT = /^[a-z_][a-z0-9_]{0,47}$/;

/** Namespace ('ATLS') of the per-stream locks that queue ANY / STREAM_EXISTS appends. */
export const STREAM_LOCK_NAMESPACE = 0x41544c53;

export function assertSchemaName(schema: string): string {
  if (!IDENT.test(schema))
    throw new Error(
      `invalid event store schema name '${schema}' (lower-case identifier, ≤ 48 chars)`,
    );
  return schema;
}

export const notifyChannel = (schema: string): string => `${schema}_appended`;

export function schemaSql(schema: string): string {
  const s = assertSchemaName(schema);
  return `
CREATE SCHEMA IF NOT EXISTS ${s};

CREATE TABLE IF NOT EXISTS ${s}.events (
  position        bigint PRIMARY KEY,
  transaction_id  xid8 NOT NULL,
  stream_name     text NOT NULL,
  stream_revision bigint NOT NULL,
  category        text NOT NULL,
  event_id        uuid NOT NULL,
  type            text NOT NULL,
  schema_version  smallint NOT NULL,
  data            jsonb NOT NULL,
  metadata        jsonb NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT statement_timestamp(),
  CONSTRAINT events_stream_revision_key UNIQUE (stream_name, stream_revision),
  CONSTRAINT events_event_id_key UNIQUE (event_id)
);
CREATE INDEX IF NOT EXISTS events_category_position ON ${s}.events (category, position);

CREATE TABLE IF NOT EXISTS ${s}.snapshots (
  stream_name    text PRIMARY KEY,
  revision       bigint NOT NULL,
  schema_version integer NOT NULL,
  state          jsonb NOT NULL,
  taken_at       timestamptz NOT NULL DEFAULT now()
);

-- One append, in one round trip. Returns a status instead of raising, so a conflict found
-- here costs no exception. A writer racing this one at the same revision is stopped by the
-- (stream_name, stream_revision) unique index (SQLSTATE 23505): the adapter maps that to
-- WrongExpectedVersion (or, for ANY / STREAM_EXISTS, which queue on a per-stream lock and
-- so only race exact-revision writers, retries). p_idle_timeout NULL means "the whole transaction is this call"
-- (autocommit); otherwise the caller's transaction gets the per-transaction bookkeeping.
CREATE OR REPLACE FUNCTION ${s}.append_events(
  p_stream text, p_category text, p_expected_kind text, p_expected bigint,
  p_ids uuid[], p_types text[], p_versions smallint[], p_data jsonb, p_metadata jsonb,
  p_idle_timeout text,
  OUT status text, OUT actual_revision bigint, OUT next_revision bigint, OUT last_position bigint
) LANGUAGE plpgsql AS $fn$
DECLARE
  v_n    bigint := cardinality(p_ids);
  v_idx  bigint := 0;
  v_cur  bigint;
  v_ok   boolean;
  v_xid  xid8;
  v_base bigint;
BEGIN
${markInFlightSql(s)}
  IF p_expected_kind IN ('any', 'stream_exists') THEN
    -- these appends do not care which revision they land at: queue them per stream instead
    -- of letting them race (and retry) at the unique index
    PERFORM pg_advisory_xact_lock(${STREAM_LOCK_NAMESPACE}, hashtext('${s}.' || p_stream));
  END IF;
  SELECT max(stream_revision) INTO v_cur FROM ${s}.events WHERE stream_name = p_stream;
  v_cur := coalesce(v_cur, -1);
  v_ok := CASE p_expected_kind
            WHEN 'any' THEN true
            WHEN 'no_stream' THEN v_cur = -1
            WHEN 'stream_exists' THEN v_cur >= 0
            ELSE v_cur = p_expected
          END;
  -- a conflict may be the exact retry of an append that committed; ANY / STREAM_EXISTS
  -- would not conflict on a retry, so they always look for their ids
  IF (NOT v_ok OR p_expected_kind IN ('any', 'stream_exists'))
     AND EXISTS (SELECT 1 FROM ${s}.events WHERE event_id = ANY (p_ids)) THEN
    status := 'ids_exist';
    RETURN;
  END IF;
  IF NOT v_ok THEN
    status := 'wrong_expected_version';
    actual_revision := v_cur;
    RETURN;
  END IF;

${assignPositionsSql(s)}
  INSERT INTO ${s}.events (position, transaction_id, stream_name, stream_revision, category,
                           event_id, type, schema_version, data, metadata)
  SELECT v_base + e.o - 1, v_xid, p_stream, v_cur + e.o, p_category,
         p_ids[e.o], p_types[e.o], p_versions[e.o], e.d, p_metadata -> (e.o::int - 1)
    FROM jsonb_array_elements(p_data) WITH ORDINALITY AS e(d, o);

  status := 'ok';
  actual_revision := v_cur;
  next_revision := v_cur + v_n;
  last_position := v_base + v_n - 1;
END
$fn$;

${safeReadSql(s)}`;
}
