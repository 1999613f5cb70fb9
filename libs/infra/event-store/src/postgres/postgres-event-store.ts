// The PostgreSQL event store: the default adapter. Appends are one call to the
// append_events function (one round trip, one transaction); reads of all streams go through
// the safe bound of global-order.ts, so the global order has no skipped events under concurrent
// writers; subscriptions are the shared catch-up loop woken by LISTEN/NOTIFY with polling
// as the fallback. Notifications are sent after commit, coalesced, outside the append's
// transaction: a NOTIFY inside it would take PostgreSQL's global notify lock at commit and
// serialise every appender's commit (and its WAL flush) behind it.
import type { ClientBase, Pool, PoolConfig } from 'pg';
import { categoryOf } from '@atelier/kernel';
import {
  AppendNotFirstWriteError,
  catchUpSubscription,
  ChangeNotifier,
  classifyRetry,
  NO_STREAM,
  noopLogger,
  noUpcasters,
  START_POSITION,
  validateAppend,
  WrongExpectedVersionError,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type Logger,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StoredIdLocation,
  type StreamState,
  type SubscribeOptions,
  type UpcasterRegistry,
} from '@atelier/eventsourcing';
import { NotificationListener } from './listener';
import { LOCK_NAMESPACE } from './global-order';
import { assertSchemaName, notifyChannel, schemaSql } from './schema';

export interface PostgresEventStoreOptions {
  /** The caller's pool; the store never ends it. Reads of all streams need READ COMMITTED (the default). */
  readonly pool: Pool;
  /** Default 'event_store'. */
  readonly schema?: string;
  readonly upcasters?: UpcasterRegistry;
  readonly logger?: Logger;
  /** Subscription fallback poll when no notification arrives. Default 1000 ms. */
  readonly pollIntervalMs?: number;
  /** Longest an appending transaction may sit idle before the server ends it. Default 10 000 ms. */
  readonly appendIdleTimeoutMs?: number; // appendInTransaction only: autocommit appends end with their call
  /** Minimum spacing of post-commit NOTIFYs from this process. Default 5 ms. */
  readonly notifyMinIntervalMs?: number;
  /** LISTEN for other processes' appends (a dedicated connection). Default true. */
  readonly listen?: boolean;
  /** NOTIFY other processes after each commit (coalesced). Default true. */
  readonly notify?: boolean;
}

type Row = [
  string,
  string,
  string,
  string,
  string,
  number,
  RecordedEvent['data'],
  RecordedEvent['metadata'],
  Date,
];
const COLUMNS =
  'position, stream_name, stream_revision, event_id, type, schema_version, data, metadata, recorded_at';

const pgCode = (e: unknown): string | undefined => (e as { code?: string } | null)?.code;
const pgConstraint = (e: unknown): string | undefined =>
  (e as { constraint?: string } | null)?.constraint;

export class PostgresEventStore implements EventStore {
  readonly schema: string;
  private readonly pool: Pool;
  private readonly upcasters: UpcasterRegistry;
  private readonly logger: Logger;
  private readonly changes = new ChangeNotifier();
  private readonly listener: NotificationListener | undefined;
  private readonly closed = new AbortController();
  private readonly pollIntervalMs: number;
  private readonly idleTimeout: string;
  private readonly notifyMinIntervalMs: number;
  private readonly notify: boolean;
  private notifying = false;
  private notifyPending = false;
  private notifyFlush: Promise<void> = Promise.resolve();
  /** Highest safe bound seen: a bound stays safe forever, so reads below it need no new one. */
  private safeBound = 0n;

  constructor(options: PostgresEventStoreOptions) {
    this.pool = options.pool;
    this.schema = assertSchemaName(options.schema ?? 'event_store');
    this.upcasters = options.upcasters ?? noUpcasters;
    this.logger = options.logger ?? noopLogger;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.idleTimeout = `${Math.max(1, Math.round(options.appendIdleTimeoutMs ?? 10_000))}ms`;
    this.notifyMinIntervalMs = options.notifyMinIntervalMs ?? 5;
    this.notify = options.notify ?? true;
    if (options.listen ?? true) {
      const config = (this.pool as Pool & { options: PoolConfig }).options;
      this.listener = new NotificationListener(
        config,
        notifyChannel(this.schema),
        this.changes,
        this.logger,
      );
    }
  }

  /** Creates or updates the schema (idempotent; safe to call from processes starting together). */
  async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCK_NAMESPACE]);
      await client.query(schemaSql(this.schema));
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  append(
    streamName: string,
    events: readonly NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    return this.appendWith(this.pool, streamName, events, options, true);
  }

  /**
   * Appends inside the caller's transaction (`client` has run BEGIN). The append must be the
   * transaction's first write (AppendNotFirstWriteError otherwise); the events become
   * visible, and readers past them move on, when the caller commits.
   */
  appendInTransaction(
    client: ClientBase,
    streamName: string,
    events: readonly NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    return this.appendWith(client, streamName, events, options, false);
  }

  private async appendWith(
    db: Pool | ClientBase,
    streamName: string,
    events: readonly NewEvent[],
    { expectedRevision }: AppendOptions,
    autocommit: boolean,
    attempt = 1,
  ): Promise<AppendResult> {
    validateAppend(streamName, events, expectedRevision);
    const [kind, exact] = expectedParams(expectedRevision);
    let row: {
      status: string;
      actual_revision: string | null;
      next_revision: string | null;
      last_position: string | null;
    };
    try {
      const res = await db.query({
        name: `es_append_${this.schema}`,
        text: `SELECT * FROM ${this.schema}.append_events($1, $2, $3, $4, $5::uuid[], $6::text[], $7::smallint[], $8::jsonb, $9::jsonb, $10)`,
        values: [
          streamName,
          categoryOf(streamName),
          kind,
          exact,
          events.map((e) => e.id),
          events.map((e) => e.type),
          events.map((e) => e.schemaVersion),
          JSON.stringify(events.map((e) => e.data)),
          JSON.stringify(events.map((e) => e.metadata)),
          autocommit ? null : this.idleTimeout,
        ],
      });
      row = res.rows[0];
    } catch (e) {
      if (pgCode(e) !== '23505') throw e;
      const constraint = pgConstraint(e);
      if (constraint === 'events_stream_revision_key') {
        // another writer took the same revision first (it committed while we waited on the index)
        const loose = expectedRevision === 'any' || expectedRevision === 'stream_exists';
        if (autocommit && loose && attempt < 10)
          return this.appendWith(
            db,
            streamName,
            events,
            { expectedRevision },
            autocommit,
            attempt + 1,
          );
        if (autocommit) return this.retryOutcome(streamName, events, expectedRevision, attempt);
        throw new WrongExpectedVersionError(
          streamName,
          expectedRevision,
          await this.currentState(streamName),
          { cause: e },
        );
      }
      // an id stored elsewhere, or a concurrent identical retry: classify like any overlap
      if (autocommit && constraint === 'events_event_id_key')
        return this.retryOutcome(streamName, events, expectedRevision, attempt);
      throw e;
    }
    switch (row.status) {
      case 'ok':
        if (autocommit) this.announce();
        return {
          nextExpectedRevision: BigInt(row.next_revision!),
          position: BigInt(row.last_position!),
        };
      case 'ids_exist':
        return this.retryOutcome(streamName, events, expectedRevision, attempt);
      case 'wrong_expected_version': {
        const actual = BigInt(row.actual_revision!);
        throw new WrongExpectedVersionError(
          streamName,
          expectedRevision,
          actual < 0n ? NO_STREAM : actual,
        );
      }
      case 'not_first_write':
        throw new AppendNotFirstWriteError(streamName);
      default:
        throw new Error(`append_events returned an unknown status '${row.status}'`);
    }
  }

  private async currentState(streamName: string): Promise<StreamState> {
    const { rows } = await this.pool.query<{ r: string | null }>({
      name: `es_current_${this.schema}`,
      text: `SELECT max(stream_revision) AS r FROM ${this.schema}.events WHERE stream_name = $1`,
      values: [streamName],
    });
    return rows[0]?.r == null ? NO_STREAM : BigInt(rows[0].r);
  }

  /** Some ids are stored: an exact retry returns the original result, anything else is a conflict. */
  private async retryOutcome(
    streamName: string,
    events: readonly NewEvent[],
    expected: ExpectedRevision,
    attempt: number,
  ): Promise<AppendResult> {
    const { rows } = await this.pool.query<{
      event_id: string;
      stream_name: string;
      stream_revision: string;
      position: string;
    }>({
      name: `es_find_ids_${this.schema}`,
      text: `SELECT event_id, stream_name, stream_revision, position FROM ${this.schema}.events WHERE event_id = ANY($1::uuid[])`,
      values: [events.map((e) => e.id)],
    });
    const found: StoredIdLocation[] = rows.map((r) => ({
      id: r.event_id,
      streamName: r.stream_name,
      revision: BigInt(r.stream_revision),
      position: BigInt(r.position),
    }));
    const original = classifyRetry(streamName, events, found);
    if (original) return original;
    // none of the ids is stored: the expectation decides, as for a fresh append
    if (attempt >= 10)
      throw new WrongExpectedVersionError(
        streamName,
        expected,
        await this.currentState(streamName),
      );
    return this.appendWith(
      this.pool,
      streamName,
      events,
      { expectedRevision: expected },
      true,
      attempt + 1,
    );
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const from = options.fromRevision ?? (backwards ? 'end' : 'start');
    const limit = options.maxCount ?? null;
    if ((limit !== null && limit <= 0) || (from === 'end' && !backwards)) return [];
    // backwards from 'start' is revision 0 alone; forwards from a revision is inclusive
    const rev = from === 'start' ? (backwards ? 0n : undefined) : from === 'end' ? undefined : from;
    const cmp = backwards ? '<=' : '>=';
    const res = await this.pool.query<Row>({
      name: `es_read_stream_${backwards ? 'b' : 'f'}${rev === undefined ? '' : 'r'}_${this.schema}`,
      text: `SELECT ${COLUMNS} FROM ${this.schema}.events
              WHERE stream_name = $1 ${rev === undefined ? '' : `AND stream_revision ${cmp} $3`}
              ORDER BY stream_revision ${backwards ? 'DESC' : 'ASC'} LIMIT $2`,
      values: [streamName, limit, ...(rev === undefined ? [] : [rev.toString()])],
      rowMode: 'array',
    });
    return res.rows.map((r) => this.toRecorded(r));
  }

  async readAll({
    after = START_POSITION,
    maxCount = 1000,
    category,
  }: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    if (maxCount <= 0) return [];
    const out: RecordedEvent[] = [];
    let from = after;
    const known = this.safeBound;
    // below a bound already known to be safe, a plain range read is enough (catch-up speed)
    if (from < known - 1n) {
      const res = await this.pool.query<Row>({
        name: `es_read_below_${category === undefined ? 'all' : 'cat'}_${this.schema}`,
        text: `SELECT ${COLUMNS} FROM ${this.schema}.events
                WHERE position > $1 AND position < $2 ${category === undefined ? '' : 'AND category = $4'}
                ORDER BY position LIMIT $3`,
        values: [
          from.toString(),
          known.toString(),
          maxCount,
          ...(category === undefined ? [] : [category]),
        ],
        rowMode: 'array',
      });
      for (const r of res.rows) out.push(this.toRecorded(r));
      if (out.length === maxCount) return out;
      // all of (from, known) is read: go on from the bound, so a sparse category is not rescanned
      from = known - 1n;
    }
    const res = await this.pool.query<[string, ...Row]>({
      name: `es_read_safe_${this.schema}`,
      text: `SELECT bound, ${COLUMNS} FROM ${this.schema}.read_all_safe($1, $2, $3)`,
      values: [from.toString(), maxCount - out.length, category ?? null],
      rowMode: 'array',
    });
    for (const r of res.rows) {
      const bound = BigInt(r[0]);
      if (bound > this.safeBound) this.safeBound = bound;
      out.push(this.toRecorded(r.slice(1) as unknown as Row));
    }
    return out;
  }

  subscribe(options: SubscribeOptions = {}): AsyncIterable<RecordedEvent> {
    this.listener?.start();
    const signal = options.signal
      ? AbortSignal.any([options.signal, this.closed.signal])
      : this.closed.signal;
    return catchUpSubscription(
      {
        read: (after, limit) =>
          this.readAll({ after, maxCount: limit, category: options.category }),
        changes: this.changes,
      },
      { batchSize: 1000, pollIntervalMs: this.pollIntervalMs, ...options, signal },
    );
  }

  async close(): Promise<void> {
    this.closed.abort();
    await Promise.all([this.listener?.stop(), this.notifyFlush]);
  }

  /** Wakes this process's subscriptions now and other processes' through NOTIFY (coalesced). */
  private announce(): void {
    this.changes.notify();
    if (!this.notify) return;
    this.notifyPending = true;
    if (!this.notifying) this.notifyFlush = this.flushNotifications();
  }

  private async flushNotifications(): Promise<void> {
    this.notifying = true;
    try {
      while (this.notifyPending && !this.closed.signal.aborted) {
        this.notifyPending = false;
        try {
          await this.pool.query({
            name: `es_notify_${this.schema}`,
            text: 'SELECT pg_notify($1, $2)',
            values: [notifyChannel(this.schema), ''],
          });
        } catch (err) {
          this.logger.warn({ err }, 'event store NOTIFY failed (subscribers will poll)');
        }
        if (this.notifyMinIntervalMs > 0)
          await new Promise((r) => setTimeout(r, this.notifyMinIntervalMs));
      }
    } finally {
      this.notifying = false;
    }
  }

  private toRecorded(r: Row): RecordedEvent {
    return this.upcasters.upcast({
      position: BigInt(r[0]),
      streamName: r[1],
      revision: BigInt(r[2]),
      id: r[3],
      type: r[4],
      schemaVersion: r[5],
      data: r[6],
      metadata: r[7],
      recordedAt: r[8],
    });
  }
}

function expectedParams(expected: ExpectedRevision): [string, string | null] {
  switch (expected) {
    case 'any':
      return ['any', null];
    case 'no_stream':
      return ['no_stream', null];
    case 'stream_exists':
      return ['stream_exists', null];
    default:
      return ['exact', expected.toString()];
  }
}
