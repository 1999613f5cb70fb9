// The PostgreSQL event store's schema: tables, indexes and the two functions that carry
// the ordering rule (docs/event-store.md). Everything is created idempotently in one
// configurable schema, under an advisory lock so that processes starting together do not
// race on CREATE.
//
// The ordering rule in one paragraph: an event's global position is
//   (its transaction's xid8 << 20) + its index within the transaction,
// so positions sort exactly like (transaction id, index). A reader only returns events whose
// transaction id is below the *safe bound*: the lowest transaction id among appenders still
// in flight (found through an advisory lock every appender takes before it has an id), or
// the snapshot's xmax if none is. Every transaction below that bound has finished, so no
// event can later appear below a position a reader has passed (no skips), and only event
// store appenders, not unrelated long transactions, hold readers back (no stalls). An
// append must be the first write of its transaction, so its id is assigned after its
// in-flight marker is visible; its idle time is bounded so an abandoned one cannot stall
// readers forever.

const IDENT = /^[a-z_][a-z0-9_]{0,47}$/;

/** Advisory lock namespace ('ATLR') and a per-schema key: pg_locks shows them as classid/objid. */
export const LOCK_NAMESPACE = 0x41544c52;
/** Namespace ('ATLS') of the per-stream locks that queue ANY / STREAM_EXISTS appends. */
export const STREAM_LOCK_NAMESPACE = 0x41544c53;

/** 32-bit FNV-1a of the schema name, as a signed int4. */
export function schemaLockKey(schema: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < schema.length; i++) {
    h ^= schema.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

export function assertSchemaName(schema: string): string {
  if (!IDENT.test(schema))
    throw new Error(
      `invalid event store schema name '${schema}' (lower-case identifier, ≤ 48 chars)`,
    );
  return schema;
}

/** Bits of the position below the transaction id: up to 2^20 events per transaction. */
export const POSITION_SHIFT = 20;
export const MAX_EVENTS_PER_TRANSACTION = 1 << POSITION_SHIFT;

export const notifyChannel = (schema: string): string => `${schema}_appended`;
const idxSetting = (schema: string): string => `atelier_es.idx_${schema}`;

export function schemaSql(schema: string): string {
  const s = assertSchemaName(schema);
  const k1 = LOCK_NAMESPACE;
  const k2 = schemaLockKey(s);
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
  IF p_idle_timeout IS NOT NULL THEN
    v_idx := coalesce(nullif(current_setting('${idxSetting(s)}', true), '')::bigint, -1);
  END IF;
  IF p_idle_timeout IS NULL OR v_idx < 0 THEN
    -- First append of this transaction: the in-flight marker must exist before the
    -- transaction has an id, or a reader could pass that id before seeing the marker.
    IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
      status := 'not_first_write';
      RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock_shared(${k1}, ${k2});
    IF p_idle_timeout IS NOT NULL THEN
      -- an abandoned appending transaction holds readers back: bound its idle time
      PERFORM set_config('idle_in_transaction_session_timeout', p_idle_timeout, true);
      v_idx := 0;
    END IF;
  END IF;

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

  IF p_idle_timeout IS NOT NULL THEN
    IF v_idx + v_n > ${MAX_EVENTS_PER_TRANSACTION} THEN
      RAISE EXCEPTION 'more than ${MAX_EVENTS_PER_TRANSACTION} events in one transaction';
    END IF;
    PERFORM set_config('${idxSetting(s)}', (v_idx + v_n)::text, true);
  END IF;
  v_xid := pg_current_xact_id();
  v_base := (v_xid::text::bigint << ${POSITION_SHIFT}) + v_idx;

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

-- The exclusive upper bound of positions that are safe to read now (see the header).
-- Must run in its own statement before the read that uses it, in READ COMMITTED.
CREATE OR REPLACE FUNCTION ${s}.safe_position_bound() RETURNS bigint
LANGUAGE sql VOLATILE AS $fn$
  WITH snap AS MATERIALIZED (SELECT pg_current_snapshot() AS s),
  holders AS MATERIALIZED (
    SELECT l.pid, a.backend_xid, a.query
      FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.classid = (${k1})::oid AND l.objid = (${k2})::oid
       AND l.objsubid = 2 AND l.granted
  )
  SELECT ((CASE
      -- a holder we cannot see into (another role without pg_read_all_stats, a prepared
      -- transaction): fall back to the global xmin, which is always safe
      WHEN EXISTS (SELECT 1 FROM holders h
                    WHERE h.backend_xid IS NULL AND (h.pid IS NULL OR h.query IS NULL OR h.query = '<insufficient privilege>'))
        THEN pg_snapshot_xmin(snap.s)
      -- otherwise: below every in-flight appender's id, and below anything newer than the snapshot
      ELSE least(pg_snapshot_xmax(snap.s),
                 (SELECT min(x) FROM pg_snapshot_xip(snap.s) AS x
                   WHERE x::xid IN (SELECT h.backend_xid FROM holders h WHERE h.backend_xid IS NOT NULL)))
    END)::text::bigint) << ${POSITION_SHIFT}
  FROM snap
$fn$;

-- One poll: compute the bound (its own snapshot), then read below it (a later snapshot).
CREATE OR REPLACE FUNCTION ${s}.read_all_safe(p_after bigint, p_limit integer, p_category text)
RETURNS TABLE (bound bigint, "position" bigint, stream_name text, stream_revision bigint, event_id uuid,
               type text, schema_version smallint, data jsonb, metadata jsonb, recorded_at timestamptz)
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  v_bound bigint;
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'read_all_safe needs READ COMMITTED (a fresh snapshot per statement)';
  END IF;
  v_bound := ${s}.safe_position_bound();
  IF p_category IS NULL THEN
    RETURN QUERY SELECT v_bound, e.position, e.stream_name, e.stream_revision, e.event_id, e.type,
                        e.schema_version, e.data, e.metadata, e.recorded_at
                   FROM ${s}.events e
                  WHERE e.position > p_after AND e.position < v_bound
                  ORDER BY e.position LIMIT p_limit;
  ELSE
    RETURN QUERY SELECT v_bound, e.position, e.stream_name, e.stream_revision, e.event_id, e.type,
                        e.schema_version, e.data, e.metadata, e.recorded_at
                   FROM ${s}.events e
                  WHERE e.category = p_category AND e.position > p_after AND e.position < v_bound
                  ORDER BY e.position LIMIT p_limit;
  END IF;
END
$fn$;
`;
}
