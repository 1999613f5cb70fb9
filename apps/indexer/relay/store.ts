// The relay's reads of Ponder's tables and its own state, both in the indexer database.
// Ponder's rows and progress are read in one REPEATABLE READ snapshot, so the facts and the
// checkpoint that covers them agree. The relay keeps, in its own schema, a cache of what Kafka
// holds (Kafka's committed progress record is the truth, see relay.ts):
//   checkpoint  per stream (= Ponder schema): the cursor (block, log index) up to which every
//               fact has been published, the last committed step, running totals, and the
//               genesis (block 0 hash) of the chain the cursor belongs to;
//   ledger      every published fact that a reorg could still drop (block above Ponder's
//               finalized block), with its envelope and its chain's genesis, so that a fact
//               that disappears from chain_fact can be retracted even though its row is gone.
// A step is prepared here before its Kafka transaction (new rows 'pending' with the step
// number, retractions marked with it), then applied once Kafka committed it. After a crash or
// a failed transaction, reconcile() makes this state follow Kafka: prepared work of a step
// Kafka committed is applied, of a step it did not is dropped. Final facts (at or below
// Ponder's finalized block) are never in the ledger: the cursor alone says they were sent.
import type { Pool, PoolClient } from 'pg';
import type { ChainFactEnvelope } from '@atelier/chain-messages';
import { CodedError } from '@atelier/kernel';
import { decodePonderCheckpoint } from './ponder-checkpoint';

export class RelayStoreError extends CodedError<'RELAY.CHECKPOINT_MISSING'> {
  override readonly name = 'RelayStoreError';
}

/** Sorts after every real log index: (block, MAX_LOG) means "all of block". */
export const MAX_LOG = 2_147_483_647;

export interface Position {
  readonly block: number;
  readonly log: number;
}

export interface FactRow {
  readonly id: string;
  readonly contract: string;
  readonly address: string;
  readonly event: string;
  readonly args: Record<string, unknown>;
  readonly blockNumber: number;
  readonly blockHash: string;
  readonly blockTimestamp: number;
  readonly transactionHash: string;
  readonly transactionIndex: number;
  readonly logIndex: number;
}

export interface PonderProgress {
  /** Ponder finished its historical backfill (its /ready): only then can rows be reorged. */
  readonly ready: boolean;
  /** Highest block fully indexed. */
  readonly indexed: number;
  /** Highest block Ponder treats as final (it never reorgs at or below it). */
  readonly finalized: number;
}

export interface Snapshot {
  readonly ponder: PonderProgress;
  readonly cursor: Position;
  /** Highest block whose facts may be published now (indexed minus confirmations). */
  readonly target: number;
  /** The genesis the snapshot was read for (null: unknown). */
  readonly genesis: string | null;
  /** Ledger facts of another chain (another genesis): all of them are gone. */
  readonly foreign: readonly ChainFactEnvelope[];
  /** Ledger facts of this chain no longer in chain_fact: candidates for retraction. */
  readonly dropped: readonly ChainFactEnvelope[];
  /** Facts after the cursor not yet published, in chain order. */
  readonly fresh: readonly FactRow[];
  /** `fresh` hit the batch size: more facts are waiting. */
  readonly full: boolean;
}

/** What Kafka's committed progress record says (written in the same transaction as the facts). */
export interface RelayProgress {
  readonly stream: string;
  /** Transactions committed for the stream so far. */
  readonly step: number;
  readonly cursor: Position;
  readonly genesis: string | null;
  /** Ponder's finalized block when the step was read. */
  readonly finalized: number;
  readonly publishedTotal: number;
  readonly retractedTotal: number;
  readonly lastPublishedBlock: number | null;
}

export interface Reconciled {
  /** The stream's checkpoint disagreed with Kafka and was set from it (or reset: no progress). */
  readonly rewound: boolean;
  readonly appliedPending: number;
  readonly droppedPending: number;
}

export interface Totals {
  readonly cursor: Position;
  readonly step: number;
  readonly genesis: string | null;
  readonly publishedTotal: number;
  readonly retractedTotal: number;
  readonly lastPublishedBlock: number | null;
}

const START: Position = { block: -1, log: -1 };
/** How long a snapshot waits for a lock Ponder holds before yielding (see `read`). */
const LOCK_TIMEOUT_MS = 200;
/** PostgreSQL's SQLSTATE for lock_timeout expiring. */
const LOCK_NOT_AVAILABLE = '55P03';

const q = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

export class RelayStore {
  private readonly src: string;
  private readonly own: string;

  constructor(
    private readonly pool: Pool,
    private readonly options: {
      readonly sourceSchema: string;
      readonly relaySchema: string;
      readonly chainId: number;
    },
  ) {
    this.src = q(options.sourceSchema);
    this.own = q(options.relaySchema);
  }

  /** The stream is the Ponder schema: a new build or chain reindexes into a new schema and is published whole. */
  get stream(): string {
    return this.options.sourceSchema;
  }

  /** Creates the relay's tables and this stream's checkpoint (idempotent). */
  async migrate(): Promise<void> {
    await this.tx(async (c) => {
      // Two relays starting at once must not race on CREATE.
      await c.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [
        `atelier-relay-migrate:${this.options.relaySchema}`,
      ]);
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${this.own}`);
      await c.query(`
        CREATE TABLE IF NOT EXISTS ${this.own}.checkpoint (
          stream text PRIMARY KEY,
          cursor_block bigint NOT NULL,
          cursor_log integer NOT NULL,
          published_total bigint NOT NULL DEFAULT 0,
          retracted_total bigint NOT NULL DEFAULT 0,
          last_published_block bigint,
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now()
        )`);
      await c.query(`
        CREATE TABLE IF NOT EXISTS ${this.own}.ledger (
          stream text NOT NULL,
          id text NOT NULL,
          block_number bigint NOT NULL,
          log_index integer NOT NULL,
          state text NOT NULL CHECK (state IN ('pending', 'sent', 'retracted')),
          envelope jsonb NOT NULL,
          updated_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (stream, id)
        )`);
      await c.query(
        `CREATE INDEX IF NOT EXISTS ledger_by_position ON ${this.own}.ledger (stream, block_number, log_index)`,
      );
      // Transactional publishing (steps reconciled with Kafka) and genesis tracking.
      await c.query(`ALTER TABLE ${this.own}.checkpoint
        ADD COLUMN IF NOT EXISTS step bigint NOT NULL DEFAULT 0,
        ADD COLUMN IF NOT EXISTS genesis text`);
      await c.query(`ALTER TABLE ${this.own}.ledger
        ADD COLUMN IF NOT EXISTS step bigint NOT NULL DEFAULT 0,
        ADD COLUMN IF NOT EXISTS retract_step bigint,
        ADD COLUMN IF NOT EXISTS genesis text`);
      const created = await c.query(
        `INSERT INTO ${this.own}.checkpoint (stream, cursor_block, cursor_log) VALUES ($1, -1, -1)
         ON CONFLICT (stream) DO NOTHING RETURNING stream`,
        [this.stream],
      );
      if (created.rowCount === 1) {
        // A new stream (new build or deployment) republishes everything under the same ids, but
        // facts the previous stream published may still be dropped by a reorg: adopt its open
        // ledger rows, so they are checked against this stream's chain_fact and retracted if gone.
        // Adopted as step 0: they belong to no transaction of this stream.
        await c.query(
          `INSERT INTO ${this.own}.ledger (stream, id, block_number, log_index, state, envelope, genesis)
           SELECT DISTINCT ON (id) $1, id, block_number, log_index, 'sent', envelope, genesis
             FROM ${this.own}.ledger
            WHERE stream <> $1 AND state = 'sent' AND retract_step IS NULL
            ORDER BY id, updated_at DESC
           ON CONFLICT (stream, id) DO NOTHING`,
          [this.stream],
        );
      }
      // Other streams whose Ponder schema is gone (ponder db prune) are finished. This one's
      // schema may not exist yet: the relay can start before Ponder creates it.
      for (const table of ['ledger', 'checkpoint']) {
        await c.query(
          `DELETE FROM ${this.own}.${table} WHERE stream <> $1 AND stream NOT IN (SELECT nspname FROM pg_namespace)`,
          [this.stream],
        );
      }
    });
  }

  /**
   * One consistent view of what to do next; undefined while Ponder has not created its tables
   * or written its first checkpoint, or holds them for a reorg or a restart.
   *
   * The relay is a reader and must never hold Ponder up. Ponder's reorg transaction drops and
   * recreates triggers (ACCESS EXCLUSIVE) on `chain_fact`, then on `_ponder_checkpoint`; its
   * startup does `_ponder_checkpoint` first. This snapshot reads both, so in either order the two
   * transactions can deadlock, and PostgreSQL then cancelled Ponder's side: a relay polling every
   * 200 ms kept a reorg from being indexed for over a minute (Ponder retries with 16 s, 32 s…
   * backoffs). So the snapshot waits at most `LOCK_TIMEOUT_MS` for a lock, well under the
   * server's deadlock_timeout (1 s), and on a timeout gives up its locks and reports the indexer
   * busy: Ponder always wins, and the relay tries again at its next poll.
   */
  async read(
    batchSize: number,
    confirmations: number,
    genesis: string | null,
    after?: Position,
  ): Promise<Snapshot | undefined> {
    try {
      return await this.readSnapshot(batchSize, confirmations, genesis, after);
    } catch (e) {
      if ((e as { code?: string }).code === LOCK_NOT_AVAILABLE) return undefined;
      throw e;
    }
  }

  private readSnapshot(
    batchSize: number,
    confirmations: number,
    genesis: string | null,
    after?: Position,
  ): Promise<Snapshot | undefined> {
    return this.tx(async (c) => {
      await c.query(`SET LOCAL lock_timeout = ${LOCK_TIMEOUT_MS}`);
      const exists = await c.query<{
        cp: string | null;
        facts: string | null;
        meta: string | null;
      }>(`SELECT to_regclass($1) AS cp, to_regclass($2) AS facts, to_regclass($3) AS meta`, [
        `${this.src}._ponder_checkpoint`,
        `${this.src}.chain_fact`,
        `${this.src}._ponder_meta`,
      ]);
      const t = exists.rows[0]!;
      if (!t.cp || !t.facts || !t.meta) return undefined;
      const cp = await c.query<{ latest: string; finalized: string }>(
        `SELECT latest_checkpoint AS latest, finalized_checkpoint AS finalized
             FROM ${this.src}._ponder_checkpoint WHERE chain_id = $1`,
        [this.options.chainId],
      );
      if (cp.rowCount === 0) return undefined;
      const meta = await c.query<{ ready: number | null }>(
        `SELECT (value->>'is_ready')::int AS ready FROM ${this.src}._ponder_meta WHERE key = 'app'`,
      );
      const ponder: PonderProgress = {
        ready: meta.rows[0]?.ready === 1,
        indexed: decodePonderCheckpoint(cp.rows[0]!.latest).completeBlock,
        finalized: decodePonderCheckpoint(cp.rows[0]!.finalized).completeBlock,
      };
      const cur = await c.query<{ b: string; l: number; genesis: string | null }>(
        `SELECT cursor_block AS b, cursor_log AS l, genesis FROM ${this.own}.checkpoint WHERE stream = $1`,
        [this.stream],
      );
      if (cur.rowCount === 0)
        throw new RelayStoreError(
          'RELAY.CHECKPOINT_MISSING',
          `relay checkpoint for stream ${this.stream} is missing (migrate first)`,
        );
      const row = cur.rows[0]!;
      // A new chain under the same stream (a restarted local chain): its facts are all new,
      // from block 0, whatever the old chain's cursor said.
      const newChain = genesis !== null && row.genesis !== null && row.genesis !== genesis;
      // `after`: the caller already sent up to there and has not committed yet (read-ahead).
      const cursor: Position = after ?? (newChain ? START : { block: Number(row.b), log: row.l });
      const target = ponder.indexed - confirmations;

      // Facts of another chain are gone as a whole: no need to wait for Ponder or ask the RPC.
      const foreign =
        genesis === null
          ? { rows: [] }
          : await c.query<{ envelope: ChainFactEnvelope }>(
              `SELECT l.envelope FROM ${this.own}.ledger l
                  WHERE l.stream = $1 AND l.state = 'sent' AND l.retract_step IS NULL
                    AND l.genesis IS NOT NULL AND l.genesis <> $2
                  ORDER BY l.block_number, l.log_index`,
              [this.stream, genesis],
            );
      // A fact of this chain can only be judged dropped once Ponder is live (it reorgs nothing
      // before: the backfill stops at the finalized block, and crash recovery rewinds while not
      // ready). At any height: a reorg rolls back every block above the fork at once, also
      // those Ponder's checkpoint does not cover again yet (an empty last block of the new
      // branch), and each candidate is still checked against the RPC (relay.ts).
      const dropped = ponder.ready
        ? await c.query<{ envelope: ChainFactEnvelope }>(
            `SELECT l.envelope FROM ${this.own}.ledger l
                WHERE l.stream = $1 AND l.state = 'sent' AND l.retract_step IS NULL
                  AND (l.genesis IS NULL OR $2::text IS NULL OR l.genesis = $2)
                  AND NOT EXISTS (SELECT 1 FROM ${this.src}.chain_fact f WHERE f.id = l.id)
                ORDER BY l.block_number, l.log_index`,
            [this.stream, genesis],
          )
        : { rows: [] };

      // After a reorg, replacement facts sit below the cursor but above the finalized block:
      // the scan starts at the lower of the two and skips what the ledger says was sent.
      const low =
        cursor.block > ponder.finalized ? { block: ponder.finalized, log: MAX_LOG } : cursor;
      const fresh = await c.query(
        `SELECT ${FACT_COLUMNS} FROM ${this.src}.chain_fact f
            WHERE (f.block_number, f.log_index) > ($2::numeric, $3::int) AND f.block_number <= $4
              AND NOT EXISTS (SELECT 1 FROM ${this.own}.ledger l
                               WHERE l.stream = $1 AND l.id = f.id AND l.state IN ('pending', 'sent'))
            ORDER BY f.block_number, f.log_index
            LIMIT $5`,
        [this.stream, low.block, low.log, target, batchSize],
      );
      return {
        ponder,
        cursor,
        target,
        genesis,
        foreign: foreign.rows.map((r) => r.envelope),
        dropped: dropped.rows.map((r) => r.envelope),
        fresh: fresh.rows.map(toFactRow),
        full: fresh.rowCount === batchSize,
      };
    }, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  }

  /**
   * Before step `step`'s transaction: the facts it publishes that a reorg could still drop, as
   * 'pending' rows (a fact that came back after its retraction is reopened), and the facts it
   * retracts, marked. Both count only once Kafka committed the step (apply or reconcile).
   */
  async prepare(
    step: number,
    pending: readonly ChainFactEnvelope[],
    retracted: readonly string[],
    genesis: string | null,
  ): Promise<void> {
    if (pending.length === 0 && retracted.length === 0) return;
    await this.tx(async (c) => {
      if (pending.length > 0) {
        await c.query(
          `INSERT INTO ${this.own}.ledger (stream, id, block_number, log_index, state, envelope, step, genesis)
           SELECT $1, u.id, u.b, u.l, 'pending', u.e, $6, $7
             FROM unnest($2::text[], $3::bigint[], $4::int[], $5::jsonb[]) AS u(id, b, l, e)
           ON CONFLICT (stream, id) DO UPDATE
             SET state = 'pending', envelope = EXCLUDED.envelope, step = EXCLUDED.step,
                 genesis = EXCLUDED.genesis, updated_at = now()
             WHERE ${this.own}.ledger.state = 'retracted'`,
          [
            this.stream,
            pending.map((e) => e.factId),
            pending.map((e) => e.blockNumber),
            pending.map((e) => e.logIndex),
            pending.map((e) => JSON.stringify(e)),
            step,
            genesis,
          ],
        );
      }
      if (retracted.length > 0) {
        await c.query(
          `UPDATE ${this.own}.ledger SET retract_step = $3, updated_at = now()
            WHERE stream = $1 AND id = ANY($2::text[])`,
          [this.stream, retracted, step],
        );
      }
    });
  }

  /** Once Kafka committed a step: its prepared work counts, the checkpoint follows. */
  async apply(progress: RelayProgress): Promise<void> {
    await this.reconcile(progress);
  }

  /**
   * Makes this cache follow Kafka's committed progress (undefined: nothing committed for the
   * stream). Prepared work of steps Kafka committed is applied, of later steps dropped; a
   * checkpoint at another step is set from Kafka's record (or reset when Kafka has none, e.g.
   * the topics were deleted: the stream is published again). Ledger rows at or below the
   * finalized block and the cursor are pruned.
   */
  async reconcile(progress: RelayProgress | undefined): Promise<Reconciled> {
    const k = progress?.step ?? 0;
    return this.tx(async (c) => {
      const cp = await c.query<{ step: string }>(
        `SELECT step FROM ${this.own}.checkpoint WHERE stream = $1 FOR UPDATE`,
        [this.stream],
      );
      if (cp.rowCount === 0)
        throw new RelayStoreError(
          'RELAY.CHECKPOINT_MISSING',
          `relay checkpoint for stream ${this.stream} is missing (migrate first)`,
        );
      const at = Number(cp.rows[0]!.step);
      let rewound = false;
      if (progress && at !== k) {
        rewound = at !== k - 1; // k - 1: the normal case, the step just committed
        await c.query(
          `UPDATE ${this.own}.checkpoint
              SET cursor_block = $2, cursor_log = $3, step = $4, genesis = $5,
                  published_total = $6, retracted_total = $7, last_published_block = $8,
                  updated_at = now()
            WHERE stream = $1`,
          [
            this.stream,
            progress.cursor.block,
            progress.cursor.log,
            k,
            progress.genesis,
            progress.publishedTotal,
            progress.retractedTotal,
            progress.lastPublishedBlock,
          ],
        );
      } else if (!progress && at > 0) {
        rewound = true;
        await c.query(
          `UPDATE ${this.own}.checkpoint
              SET cursor_block = -1, cursor_log = -1, step = 0, genesis = NULL,
                  published_total = 0, retracted_total = 0, last_published_block = NULL,
                  updated_at = now()
            WHERE stream = $1`,
          [this.stream],
        );
      }
      const applied = await c.query(
        `UPDATE ${this.own}.ledger SET state = 'sent', updated_at = now()
          WHERE stream = $1 AND state = 'pending' AND step <= $2`,
        [this.stream, k],
      );
      await c.query(
        `UPDATE ${this.own}.ledger SET state = 'retracted', retract_step = NULL, updated_at = now()
          WHERE stream = $1 AND retract_step <= $2`,
        [this.stream, k],
      );
      // Never committed: not in Kafka, so not in the ledger either (a fact reopened after its
      // retraction goes with them: consumers believe it retracted, and it is fresh again).
      const dropped = await c.query(
        `DELETE FROM ${this.own}.ledger WHERE stream = $1 AND state IN ('pending', 'sent') AND step > $2`,
        [this.stream, k],
      );
      await c.query(
        `UPDATE ${this.own}.ledger SET retract_step = NULL WHERE stream = $1 AND retract_step > $2`,
        [this.stream, k],
      );
      if (progress) await this.prune(c, progress.finalized, progress.cursor);
      return {
        rewound,
        appliedPending: applied.rowCount ?? 0,
        droppedPending: dropped.rowCount ?? 0,
      };
    });
  }

  /**
   * A step that published nothing (blocks without facts) moves the cursor here only. Kafka's
   * record may then lag behind over those empty blocks, which is harmless: reading them again
   * finds nothing to publish.
   */
  async advance(cursor: Position, finalized: number, genesis: string | null): Promise<void> {
    await this.tx(async (c) => {
      await c.query(
        `UPDATE ${this.own}.checkpoint
            SET cursor_block = $2, cursor_log = $3, genesis = COALESCE($4, genesis), updated_at = now()
          WHERE stream = $1`,
        [this.stream, cursor.block, cursor.log, genesis],
      );
      await this.prune(c, finalized, cursor);
    });
  }

  /** Ledger rows at or below the finalized block and the cursor can no longer be reorged. */
  private async prune(c: PoolClient, finalized: number, cursor: Position): Promise<void> {
    await c.query(
      `DELETE FROM ${this.own}.ledger
        WHERE stream = $1 AND state <> 'pending' AND retract_step IS NULL AND block_number <= $2
          AND (block_number, log_index) <= ($3::bigint, $4::int)`,
      [this.stream, finalized, cursor.block, cursor.log],
    );
  }

  async totals(): Promise<Totals | undefined> {
    const r = await this.pool.query<{
      b: string;
      l: number;
      step: string;
      genesis: string | null;
      p: string;
      r: string;
      last: string | null;
    }>(
      `SELECT cursor_block AS b, cursor_log AS l, step, genesis, published_total AS p,
              retracted_total AS r, last_published_block AS last
         FROM ${this.own}.checkpoint WHERE stream = $1`,
      [this.stream],
    );
    const row = r.rows[0];
    if (!row) return undefined;
    return {
      cursor: { block: Number(row.b), log: row.l },
      step: Number(row.step),
      genesis: row.genesis,
      publishedTotal: Number(row.p),
      retractedTotal: Number(row.r),
      lastPublishedBlock: row.last === null ? null : Number(row.last),
    };
  }

  async ledgerCounts(): Promise<Record<'pending' | 'sent' | 'retracted', number>> {
    const r = await this.pool.query<{ state: 'pending' | 'sent' | 'retracted'; n: string }>(
      `SELECT state, count(*) AS n FROM ${this.own}.ledger WHERE stream = $1 GROUP BY state`,
      [this.stream],
    );
    const counts = { pending: 0, sent: 0, retracted: 0 };
    for (const row of r.rows) counts[row.state] = Number(row.n);
    return counts;
  }

  private async tx<T>(fn: (c: PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query(begin);
      const result = await fn(c);
      await c.query('COMMIT');
      return result;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }
}

const FACT_COLUMNS = `f.id, f.contract, f.address, f.event, f.args, f.block_number::text AS block_number,
  f.block_hash, f.block_timestamp::text AS block_timestamp, f.transaction_hash, f.transaction_index, f.log_index`;

interface RawFact {
  id: string;
  contract: string;
  address: string;
  event: string;
  args: Record<string, unknown>;
  block_number: string;
  block_hash: string;
  block_timestamp: string;
  transaction_hash: string;
  transaction_index: number;
  log_index: number;
}

const toFactRow = (r: RawFact): FactRow => ({
  id: r.id,
  contract: r.contract,
  address: r.address,
  event: r.event,
  args: r.args,
  blockNumber: Number(r.block_number),
  blockHash: r.block_hash,
  blockTimestamp: Number(r.block_timestamp),
  transactionHash: r.transaction_hash,
  transactionIndex: r.transaction_index,
  logIndex: r.log_index,
});
