// The relay's bookkeeping against a real PostgreSQL, with Ponder's tables written by the spec
// (same layout as ponder@0.16: chain_fact, _ponder_checkpoint, _ponder_meta), so each crash
// point and each reorg can be placed exactly where the header of store.ts says it is handled.
// The Kafka side is a recording fake that can fail before or after "sending".
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { Pool } from 'pg';
import { factId, type ChainFactEnvelope } from '@atelier/chain-messages';
import { createRelayMetrics } from './metrics';
import { Relay, type FactPublisher } from './relay';
import { RelayStore, type RelayProgress } from './store';

const url = process.env['INDEXER_DATABASE_URL']!;
const run = randomUUID().replaceAll('-', '').slice(0, 8);
const src = `it_src_${run}`;
const own = `it_own_${run}`;
const chainId = 31337;
const pool = new Pool({ connectionString: url, max: 4 });

const hash = (block: number, fork = 0) =>
  `0x${(block * 1000 + fork).toString(16).padStart(64, '0')}`;
/** The chain as the RPC sees it: block → hash. */
const canonical = new Map<number, string>();

const checkpoint = (block: number) =>
  `1700000000${String(chainId).padStart(16, '0')}${String(block).padStart(16, '0')}${'9'.repeat(16)}9${'9'.repeat(16)}`;

async function ponder(indexed: number, finalized: number, ready = true) {
  await pool.query(
    `UPDATE "${src}"._ponder_checkpoint SET latest_checkpoint = $1, finalized_checkpoint = $2`,
    [checkpoint(indexed), checkpoint(finalized)],
  );
  await pool.query(
    `UPDATE "${src}"._ponder_meta SET value = jsonb_set(value, '{is_ready}', to_jsonb($1::int))`,
    [ready ? 1 : 0],
  );
}

/** A Transfer in `block` (one per block), on fork `fork` of that height. */
async function fact(block: number, fork = 0, value = block) {
  canonical.set(block, hash(block, fork));
  await pool.query(
    `INSERT INTO "${src}".chain_fact VALUES ($1, $2, 'TestStablecoin', '0x5fbdb2315678afecb367f032d93f642f64180aa3', 'Transfer',
      $3, $4, $5, 1700000000, $6, 0, 0)`,
    [
      factId(chainId, hash(block, fork), 0),
      chainId,
      JSON.stringify({
        from: '0x' + '0'.repeat(40),
        to: '0x' + '1'.repeat(40),
        value: String(value),
      }),
      block,
      hash(block, fork),
      hash(block, 9),
    ],
  );
}

const dropFact = (block: number, fork = 0) =>
  pool.query(`DELETE FROM "${src}".chain_fact WHERE id = $1`, [
    factId(chainId, hash(block, fork), 0),
  ]);

/**
 * Kafka as a read_committed consumer sees it: a transaction's messages and progress record
 * become visible together, or not at all. It can fail before committing (nothing visible) or
 * after (committed, but the caller is told the outcome is unknown, as when a commit response
 * is lost).
 */
class FakeKafka implements FactPublisher {
  readonly sent: ChainFactEnvelope[] = [];
  progress: RelayProgress | undefined;
  failBefore = 0;
  failAfterCommit = 0;
  /** Fails the n-th call (1-based), e.g. in the middle of a backfill. */
  failCall = 0;
  private calls = 0;
  async publish(messages: readonly ChainFactEnvelope[], progress: RelayProgress): Promise<void> {
    if (++this.calls === this.failCall || this.failBefore > 0) {
      if (this.failBefore > 0) this.failBefore--;
      throw Object.assign(new Error('broker down'), { code: 'KAFKA.TRANSACTION_ABORTED' });
    }
    this.sent.push(...messages);
    this.progress = progress;
    if (this.failAfterCommit > 0) {
      this.failAfterCommit--;
      throw Object.assign(new Error('commit response lost'), {
        code: 'KAFKA.TRANSACTION_OUTCOME_UNKNOWN',
      });
    }
  }
  async committedProgress(): Promise<RelayProgress | undefined> {
    return this.progress;
  }
}

let kafka: FakeKafka;
let store: RelayStore;
const relay = (confirmations = 0, batchSize = 100) =>
  new Relay(store, kafka, createRelayMetrics(), pino({ level: 'silent' }), {
    chainId,
    mode: confirmations > 0 ? 'confirmations' : 'retract',
    confirmations,
    batchSize,
    pollIntervalMs: 50,
    topicPrefix: 'chain',
    canonicalBlockHash: async (b) => canonical.get(b),
  });
const ids = (list: readonly ChainFactEnvelope[]) =>
  list.map((e) => `${e.kind}:${e.blockNumber}${e.blockHash === hash(e.blockNumber) ? '' : "'"}`);

describe('relay bookkeeping (real PostgreSQL, Ponder tables written by the spec)', () => {
  beforeEach(async () => {
    canonical.clear();
    kafka = new FakeKafka();
    await pool.query(`DROP SCHEMA IF EXISTS "${src}" CASCADE`);
    await pool.query(`DROP SCHEMA IF EXISTS "${own}" CASCADE`);
    await pool.query(`CREATE SCHEMA "${src}"`);
    await pool.query(`CREATE TABLE "${src}"._ponder_checkpoint (chain_name text PRIMARY KEY, chain_id integer NOT NULL,
      safe_checkpoint varchar(75) NOT NULL, latest_checkpoint varchar(75) NOT NULL, finalized_checkpoint varchar(75) NOT NULL)`);
    await pool.query(`INSERT INTO "${src}"._ponder_checkpoint VALUES ('atelier', $1, $2, $2, $2)`, [
      chainId,
      checkpoint(0),
    ]);
    await pool.query(
      `CREATE TABLE "${src}"._ponder_meta (key text PRIMARY KEY, value jsonb NOT NULL)`,
    );
    await pool.query(`INSERT INTO "${src}"._ponder_meta VALUES ('app', '{"is_ready": 0}')`);
    await pool.query(`CREATE TABLE "${src}".chain_fact (id text PRIMARY KEY, chain_id integer, contract text, address text, event text,
      args json, block_number numeric(78), block_hash text, block_timestamp numeric(78), transaction_hash text,
      transaction_index integer, log_index integer)`);
    store = new RelayStore(pool, { sourceSchema: src, relaySchema: own, chainId });
    await store.migrate();
  });

  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS "${src}" CASCADE`);
    await pool.query(`DROP SCHEMA IF EXISTS "${own}" CASCADE`);
    await pool.end();
  });

  it('publishes complete blocks in chain order and keeps only unfinalized facts in the ledger', async () => {
    for (const b of [1, 2, 3, 4, 5]) await fact(b);
    await ponder(5, 2);
    const r = relay();
    await r.step();
    expect(ids(kafka.sent)).toEqual(['fact:1', 'fact:2', 'fact:3', 'fact:4', 'fact:5']);
    expect(await store.ledgerCounts()).toEqual({ pending: 0, sent: 3, retracted: 0 });
    expect((await store.totals())?.cursor).toEqual({ block: 5, log: 2_147_483_647 });
    // Ponder finalizes: those rows leave the ledger, nothing is sent twice.
    await ponder(5, 5);
    await r.step();
    expect(kafka.sent).toHaveLength(5);
    expect(await store.ledgerCounts()).toEqual({ pending: 0, sent: 0, retracted: 0 });
  });

  it('a checkpoint inside a block holds that block back', async () => {
    for (const b of [1, 2, 3]) await fact(b);
    const inside = checkpoint(3).slice(0, 42) + '0'.repeat(16) + '5' + '0'.repeat(16);
    await pool.query(
      `UPDATE "${src}"._ponder_checkpoint SET latest_checkpoint = $1, finalized_checkpoint = $1`,
      [inside],
    );
    await relay().step();
    expect(ids(kafka.sent)).toEqual(['fact:1', 'fact:2']);
  });

  it('after an aborted transaction nothing was visible: a fact a reorg dropped meanwhile needs no retraction', async () => {
    for (const b of [1, 2, 3, 4]) await fact(b);
    await ponder(4, 1);
    const r = relay();
    kafka.failBefore = 1;
    await expect(r.step()).rejects.toThrow('broker down');
    expect(await store.ledgerCounts()).toEqual({ pending: 3, sent: 0, retracted: 0 });
    // While the relay is down, block 4 is replaced by 4'.
    await dropFact(4);
    await fact(4, 1);
    await r.step(); // reads Kafka's progress back first: the prepared step never committed
    expect(ids(kafka.sent)).toEqual(['fact:1', 'fact:2', 'fact:3', "fact:4'"]);
    expect(await store.ledgerCounts()).toEqual({ pending: 0, sent: 3, retracted: 0 });
  });

  it('killed after Kafka committed and before the ledger did: resumes after the committed step, nothing twice', async () => {
    for (const b of [1, 2, 3]) await fact(b);
    await ponder(3, 1);
    const apply = store.apply.bind(store);
    let crash = true;
    store.apply = async (progress) => {
      if (crash) {
        crash = false;
        throw new Error('killed');
      }
      return apply(progress);
    };
    await expect(relay().step()).rejects.toThrow('killed');
    expect(await store.ledgerCounts()).toEqual({ pending: 2, sent: 0, retracted: 0 });
    // A new process: it knows only what PostgreSQL and Kafka hold.
    const restarted = relay();
    await restarted.step();
    await restarted.step();
    expect(ids(kafka.sent)).toEqual(['fact:1', 'fact:2', 'fact:3']);
    expect(await store.ledgerCounts()).toEqual({ pending: 0, sent: 2, retracted: 0 });
    expect((await store.totals())?.cursor).toEqual({ block: 3, log: 2_147_483_647 });
    expect(restarted.status).toMatchObject({ publishedTotal: 3, publishedThroughBlock: 3 });
  });

  it('a commit whose outcome is unknown is read back from Kafka, not repeated', async () => {
    for (const b of [1, 2, 3]) await fact(b);
    await ponder(3, 1);
    const r = relay();
    kafka.failAfterCommit = 1;
    await expect(r.step()).rejects.toThrow('commit response lost');
    await fact(4);
    await ponder(4, 1);
    await r.step();
    expect(ids(kafka.sent)).toEqual(['fact:1', 'fact:2', 'fact:3', 'fact:4']);
    expect(await store.ledgerCounts()).toEqual({ pending: 0, sent: 3, retracted: 0 });
  });

  it('Kafka without progress for the stream (topics deleted): the stream is published again from block 0', async () => {
    for (const b of [1, 2]) await fact(b);
    await ponder(2, 2);
    await relay().step();
    kafka = new FakeKafka();
    await relay().step();
    expect(ids(kafka.sent)).toEqual(['fact:1', 'fact:2']);
  });

  it('a reorg while live: retraction first, then the replacement, and the cursor never goes back', async () => {
    for (const b of [1, 2, 3, 4]) await fact(b);
    await ponder(4, 1);
    const r = relay();
    await r.step();
    // The chain now has 3' and 4'; Ponder reverted 3-4 and has re-indexed 3' only so far.
    await dropFact(3);
    await dropFact(4);
    canonical.set(4, hash(4, 1));
    await fact(3, 1);
    await r.step();
    await fact(4, 1);
    await r.step();
    expect(ids(kafka.sent)).toEqual([
      'fact:1',
      'fact:2',
      'fact:3',
      'fact:4',
      'retracted:3',
      'retracted:4',
      "fact:3'",
      "fact:4'",
    ]);
  });

  it('a depth-3 reorg whose last new block is empty: every dropped block is retracted before any replacement', async () => {
    for (const b of [1, 2, 3, 4, 5]) await fact(b);
    await ponder(5, 1);
    const r = relay();
    await r.step();
    // 3-5 are replaced by 3', 4' and an empty 5'; Ponder has rolled back and indexed 3'-4' so
    // far (its checkpoint does not cover the empty block yet).
    for (const b of [3, 4, 5]) await dropFact(b);
    canonical.set(5, hash(5, 1));
    await fact(3, 1);
    await fact(4, 1);
    await ponder(4, 1);
    await r.step();
    expect(ids(kafka.sent)).toEqual([
      'fact:1',
      'fact:2',
      'fact:3',
      'fact:4',
      'fact:5',
      'retracted:3',
      'retracted:4',
      'retracted:5',
      "fact:3'",
      "fact:4'",
    ]);
  });

  it('a new chain (another genesis) retracts every open fact of the old one at once, before any new fact', async () => {
    canonical.set(0, hash(0));
    for (const b of [1, 2, 3, 4, 5]) await fact(b);
    await ponder(5, 1);
    const r = relay();
    await r.step();
    // anvil restarted: a new chain, shorter than the old one; Ponder indexes it from scratch.
    canonical.clear();
    canonical.set(0, hash(0, 1));
    await pool.query(`DELETE FROM "${src}".chain_fact`);
    await fact(1, 1);
    await fact(2, 1);
    await ponder(2, 0);
    await r.step();
    expect(ids(kafka.sent)).toEqual([
      'fact:1',
      'fact:2',
      'fact:3',
      'fact:4',
      'fact:5',
      'retracted:2',
      'retracted:3',
      'retracted:4',
      'retracted:5',
      "fact:1'",
      "fact:2'",
    ]);
  });

  it('a row missing while its block is still canonical is not retracted (Ponder crash recovery)', async () => {
    for (const b of [1, 2, 3]) await fact(b);
    await ponder(3, 1);
    const r = relay();
    await r.step();
    await dropFact(3); // Ponder rewound to its safe checkpoint, latest not yet rewritten
    await r.step();
    await fact(3); // and re-indexed it
    await r.step();
    expect(ids(kafka.sent)).toEqual(['fact:1', 'fact:2', 'fact:3']);
  });

  it('nothing is judged dropped while Ponder is not live', async () => {
    for (const b of [1, 2, 3]) await fact(b);
    await ponder(3, 1);
    const r = relay();
    await r.step();
    await ponder(3, 1, false);
    await dropFact(3);
    canonical.set(3, hash(3, 7));
    await r.step();
    expect(ids(kafka.sent)).toEqual(['fact:1', 'fact:2', 'fact:3']);
    await ponder(3, 1, true);
    await r.step();
    expect(ids(kafka.sent)).toEqual(['fact:1', 'fact:2', 'fact:3', 'retracted:3']);
  });

  it('confirmations: a fact waits for N blocks on top, and a reorg within N is never seen', async () => {
    for (const b of [1, 2, 3]) await fact(b);
    await ponder(3, 0);
    const r = relay(2);
    await r.step();
    expect(ids(kafka.sent)).toEqual(['fact:1']);
    await dropFact(3);
    await fact(3, 1);
    await fact(4);
    await fact(5);
    await ponder(5, 0);
    await r.step();
    expect(ids(kafka.sent)).toEqual(['fact:1', 'fact:2', "fact:3'"]);
  });

  it('a block that comes back after its retraction is published again under its id', async () => {
    for (const b of [1, 2]) await fact(b);
    await ponder(2, 0);
    const r = relay();
    await r.step();
    await dropFact(2);
    canonical.set(2, hash(2, 1));
    await r.step();
    await fact(2); // the chain flips back: same block, same id
    await r.step();
    expect(ids(kafka.sent)).toEqual(['fact:1', 'fact:2', 'retracted:2', 'fact:2']);
  });

  it('backfills in batches without gaps or repeats, reading ahead while sending, also across a failed send', async () => {
    for (let b = 1; b <= 250; b++) await fact(b);
    await ponder(250, 250);
    const r = relay(0, 40);
    kafka.failCall = 3; // while the 4th batch is being read ahead
    for (let steps = 0; steps < 20; steps++) await r.step().catch(() => undefined);
    expect(kafka.sent.map((e) => e.blockNumber)).toEqual(
      Array.from({ length: 250 }, (_, i) => i + 1),
    );
    expect(r.status).toMatchObject({ publishedThroughBlock: 250, publishedTotal: 250 });
  });

  it("Ponder's reorg transaction never deadlocks with a snapshot: the relay yields its locks", async () => {
    for (const b of [1, 2]) await fact(b);
    await ponder(2, 0);
    // Ponder's reorg: DROP TRIGGER on chain_fact (ACCESS EXCLUSIVE), then on _ponder_checkpoint.
    const reorg = await pool.connect();
    try {
      await reorg.query('BEGIN');
      await reorg.query(`LOCK TABLE "${src}".chain_fact IN ACCESS EXCLUSIVE MODE`);
      // The snapshot takes _ponder_checkpoint, then waits for chain_fact...
      const snapshot = store.read(100, 0, null);
      const waiting = async () =>
        (
          await pool.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND relation = $1::regclass`,
            [`"${src}".chain_fact`],
          )
        ).rows[0]!.n > 0;
      while (!(await waiting())) await new Promise((r) => setTimeout(r, 5));
      // ...while Ponder asks for _ponder_checkpoint: a lock cycle. Before the fix, PostgreSQL
      // broke it after deadlock_timeout (1 s) by cancelling one side, often Ponder's.
      const t0 = performance.now();
      await reorg.query(`LOCK TABLE "${src}"._ponder_checkpoint IN ACCESS EXCLUSIVE MODE`);
      const waitedMs = performance.now() - t0;
      await expect(snapshot).resolves.toBeUndefined(); // busy: try again at the next poll
      expect(waitedMs).toBeLessThan(1000);
      await reorg.query(`DELETE FROM "${src}".chain_fact WHERE id = $1`, [
        factId(chainId, hash(2), 0),
      ]); // the reorg's rollback
      await reorg.query('COMMIT');
    } finally {
      reorg.release();
    }
    const after = await store.read(100, 0, null);
    expect(after?.fresh.map((f) => f.blockNumber)).toEqual([1]);
  });
});
