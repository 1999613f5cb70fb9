// The PostgreSQL store's global order: how an event gets its position, and how far a reader
// of all streams may go without ever skipping one (docs/event-store.md, "The ordering rule").
//
// An event's global position is
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
//
// The rule lives in SQL: the two fragments below are spliced into append_events (schema.ts,
// which declares the plpgsql variables they use: p_idle_timeout, v_idx, v_n, v_xid, v_base,
// status), and safeReadSql adds the functions every read of all streams goes through.

/** Advisory lock namespace ('ATLR') and a per-schema key: pg_locks shows them as classid/objid. */
export const LOCK_NAMESPACE = 0x41544c52;

/** 32-bit FNV-1a of the schema name, as a signed int4. */
export function schemaLockKey(schema: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < schema.length; i++) {
    h ^= schema.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** Bits of the position below the transaction id: up to 2^20 events per transaction. */
export const POSITION_SHIFT = 20;
export const MAX_EVENTS_PER_TRANSACTION = 1 << POSITION_SHIFT;

/** Transaction-local setting: the next event index of an appending transaction. */
const idxSetting = (schema: string): string => `atelier_es.idx_${schema}`;

/**
 * append_events, first: mark the transaction as an in-flight appender (shared advisory lock)
 * before it has a transaction id, and bound its idle time; later appends of the same
 * transaction pick up their index instead. `schema` is already validated.
 */
export function markInFlightSql(schema: string): string {
  const k1 = LOCK_NAMESPACE;
  const k2 = schemaLockKey(schema);
  return `  IF p_idle_timeout IS NOT NULL THEN
    v_idx := coalesce(nullif(current_setting('${idxSetting(schema)}', true), '')::bigint, -1);
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
`;
}

/** append_events, once the append is accepted: the first position of its events (v_base). */
export function assignPositionsSql(schema: string): string {
  return `  IF p_idle_timeout IS NOT NULL THEN
    IF v_idx + v_n > ${MAX_EVENTS_PER_TRANSACTION} THEN
      RAISE EXCEPTION 'more than ${MAX_EVENTS_PER_TRANSACTION} events in one transaction';
    END IF;
    PERFORM set_config('${idxSetting(schema)}', (v_idx + v_n)::text, true);
  END IF;
  v_xid := pg_current_xact_id();
  v_base := (v_xid::text::bigint << ${POSITION_SHIFT}) + v_idx;
`;
}

/**
 * safe_position_bound() and read_all_safe(): the reader's side. A bound, once returned, stays
 * safe forever, so a reader may range-read below the highest bound it has seen without asking
 * again (PostgresEventStore.readAll does). `schema` is already validated.
 */
export function safeReadSql(schema: string): string {
  const s = schema;
  const k1 = LOCK_NAMESPACE;
  const k2 = schemaLockKey(s);
  return `-- The exclusive upper bound of positions that are safe to read now (see the header).
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
