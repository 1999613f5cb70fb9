// The relay's reads of Ponder's tables and its own state, both in the indexer database.
// Ponder's rows and progress are read in one REPEATABLE READ snapshot, so the facts and the
// checkpoint that covers them agree. The relay keeps, in its own schema:
//   checkpoint  per stream (= Ponder schema): the cursor (block, log index) up to which every
//               fact has been published, and running totals;
//   ledger      every published fact that a reorg could still drop (block above Ponder's
//               finalized block), with its envelope, so that a fact that disappears from
//               chain_fact can be retracted even though its row is gone. A row is written
//               'pending' *before* the fact is sent and marked 'sent' after Kafka acknowledged
//               it: after a crash, a pending fact is sent again if it is still canonical and
//               retracted if it is not (it may have reached Kafka before the crash).
// Final facts (at or below Ponder's finalized block) are never in the ledger: the cursor alone
// says whether they were sent, and a crash between send and commit re-sends them (same ids).
import type { Pool, PoolClient } from 'pg';
import type { ChainFactEnvelope } from '@atelier/chain-messages';
import { decodePonderCheckpoint } from './ponder-checkpoint';

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
  /** Ledger facts that are no longer in chain_fact: their blocks left the canonical chain. */
  readonly dropped: readonly ChainFactEnvelope[];
  /** Pending ledger facts (a crash or failed send) still canonical: send again. */
  readonly resend: readonly FactRow[];
  /** Facts after the cursor not yet published, in chain order. */
  readonly fresh: readonly FactRow[];
  /** `fresh` hit the batch size: more facts are waiting. */
  readonly full: boolean;
}

export interface Totals {
  readonly cursor: Position;
  readonly publishedTotal: number;
  readonly retractedTotal: number;
  readonly lastPublishedBlock: number | null;
}

export interface Commit {
  readonly retracted: readonly string[];
  readonly sent: readonly string[];
  readonly cursor: Position;
  readonly published: number;
  readonly lastPublishedBlock: number | null;
  /** Ponder's finalized block in the snapshot: ledger rows at or below it (and the cursor) are final. */
  readonly finalized: number;
}

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
      const created = await c.query(
        `INSERT INTO ${this.own}.checkpoint (stream, cursor_block, cursor_log) VALUES ($1, -1, -1)
         ON CONFLICT (stream) DO NOTHING RETURNING stream`,
        [this.stream],
      );
      if (created.rowCount === 1) {
        // A new stream (new build or deployment) republishes everything under the same ids, but
        // facts the previous stream published may still be dropped by a reorg: adopt its open
        // ledger rows, so they are checked against this stream's chain_fact and retracted if gone.
        await c.query(
          `INSERT INTO ${this.own}.ledger (stream, id, block_number, log_index, state, envelope)
           SELECT $1, id, block_number, log_index, state, envelope FROM ${this.own}.ledger
            WHERE stream <> $1 AND state IN ('pending', 'sent')
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
   * or written its first checkpoint.
   */
  async read(
    batchSize: number,
    confirmations: number,
    after?: Position,
  ): Promise<Snapshot | undefined> {
    return this.tx(async (c) => {
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
      const cur = await c.query<{ b: string; l: number }>(
        `SELECT cursor_block AS b, cursor_log AS l FROM ${this.own}.checkpoint WHERE stream = $1`,
        [this.stream],
      );
      if (cur.rowCount === 0)
        throw new Error(`relay checkpoint for stream ${this.stream} is missing (migrate first)`);
      // `after`: the caller already sent up to there and has not committed yet (read-ahead).
      const cursor: Position = after ?? { block: Number(cur.rows[0]!.b), log: cur.rows[0]!.l };
      const target = ponder.indexed - confirmations;

      // A fact can only be judged dropped once Ponder is live (it reorgs nothing before: the
      // backfill stops at the finalized block, and crash recovery rewinds while not ready)
      // and has indexed past the fact's block.
      const dropped = ponder.ready
        ? await c.query<{ envelope: ChainFactEnvelope }>(
            `SELECT l.envelope FROM ${this.own}.ledger l
                WHERE l.stream = $1 AND l.state IN ('pending', 'sent') AND l.block_number <= $2
                  AND NOT EXISTS (SELECT 1 FROM ${this.src}.chain_fact f WHERE f.id = l.id)
                ORDER BY l.block_number, l.log_index`,
            [this.stream, ponder.indexed],
          )
        : { rows: [] };

      const resend = await c.query(
        `SELECT ${FACT_COLUMNS} FROM ${this.own}.ledger l JOIN ${this.src}.chain_fact f ON f.id = l.id
            WHERE l.stream = $1 AND l.state = 'pending'
            ORDER BY f.block_number, f.log_index`,
        [this.stream],
      );

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
        dropped: dropped.rows.map((r) => r.envelope),
        resend: resend.rows.map(toFactRow),
        fresh: fresh.rows.map(toFactRow),
        full: fresh.rowCount === batchSize,
      };
    }, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  }

  /** Records facts a reorg could still drop, before they are sent (see the header). */
  async recordPending(envelopes: readonly ChainFactEnvelope[]): Promise<void> {
    if (envelopes.length === 0) return;
    await this.pool.query(
      `INSERT INTO ${this.own}.ledger (stream, id, block_number, log_index, state, envelope)
       SELECT $1, u.id, u.b, u.l, 'pending', u.e
         FROM unnest($2::text[], $3::bigint[], $4::int[], $5::jsonb[]) AS u(id, b, l, e)
       ON CONFLICT (stream, id) DO UPDATE
         SET state = 'pending', envelope = EXCLUDED.envelope, updated_at = now()
         WHERE ${this.own}.ledger.state = 'retracted'`,
      [
        this.stream,
        envelopes.map((e) => e.factId),
        envelopes.map((e) => e.blockNumber),
        envelopes.map((e) => e.logIndex),
        envelopes.map((e) => JSON.stringify(e)),
      ],
    );
  }

  /** After Kafka acknowledged: marks, moves the cursor, forgets ledger rows that became final. */
  async commit(done: Commit): Promise<void> {
    await this.tx(async (c) => {
      if (done.retracted.length > 0) {
        await c.query(
          `UPDATE ${this.own}.ledger SET state = 'retracted', updated_at = now() WHERE stream = $1 AND id = ANY($2::text[])`,
          [this.stream, done.retracted],
        );
      }
      if (done.sent.length > 0) {
        await c.query(
          `UPDATE ${this.own}.ledger SET state = 'sent', updated_at = now()
            WHERE stream = $1 AND id = ANY($2::text[]) AND state = 'pending'`,
          [this.stream, done.sent],
        );
      }
      await c.query(
        `UPDATE ${this.own}.checkpoint
            SET cursor_block = $2, cursor_log = $3,
                published_total = published_total + $4, retracted_total = retracted_total + $5,
                last_published_block = COALESCE($6, last_published_block), updated_at = now()
          WHERE stream = $1`,
        [
          this.stream,
          done.cursor.block,
          done.cursor.log,
          done.published,
          done.retracted.length,
          done.lastPublishedBlock,
        ],
      );
      await c.query(
        `DELETE FROM ${this.own}.ledger
          WHERE stream = $1 AND state <> 'pending' AND block_number <= $2
            AND (block_number, log_index) <= ($3::bigint, $4::int)`,
        [this.stream, done.finalized, done.cursor.block, done.cursor.log],
      );
    });
  }

  async totals(): Promise<Totals | undefined> {
    const r = await this.pool.query<{
      b: string;
      l: number;
      p: string;
      r: string;
      last: string | null;
    }>(
      `SELECT cursor_block AS b, cursor_log AS l, published_total AS p, retracted_total AS r, last_published_block AS last
         FROM ${this.own}.checkpoint WHERE stream = $1`,
      [this.stream],
    );
    const row = r.rows[0];
    if (!row) return undefined;
    return {
      cursor: { block: Number(row.b), log: row.l },
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
