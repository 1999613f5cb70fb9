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
import { RelayStore } from './store';

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

class FakeKafka implements FactPublisher {
  readonly sent: ChainFactEnvelope[] = [];
  failBefore = 0;
  /** Fails the n-th call (1-based), e.g. in the middle of a backfill. */
  failCall = 0;
  private calls = 0;
  async send(envelopes: readonly ChainFactEnvelope[]): Promise<void> {
    if (++this.calls === this.failCall) throw new Error('broker down');
    if (this.failBefore > 0) {
      this.failBefore--;
      throw new Error('broker down');
    }
    this.sent.push(...envelopes);
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

  it('after a failed send, pending facts are sent again if canonical and retracted if a reorg dropped them', async () => {
    for (const b of [1, 2, 3, 4]) await fact(b);
    await ponder(4, 1);
    const r = relay();
    kafka.failBefore = 1;
    await expect(r.step()).rejects.toThrow('broker down');
    expect(await store.ledgerCounts()).toEqual({ pending: 3, sent: 0, retracted: 0 });
    // While the relay is down, block 4 is replaced by 4'.
    await dropFact(4);
    await fact(4, 1);
    await r.step();
    expect(ids(kafka.sent)).toEqual(['retracted:4', 'fact:1', 'fact:2', 'fact:3', "fact:4'"]);
    expect(await store.ledgerCounts()).toEqual({ pending: 0, sent: 3, retracted: 1 });
  });

  it('a crash between the acknowledgement and the commit re-sends the same ids', async () => {
    for (const b of [1, 2, 3]) await fact(b);
    await ponder(3, 1);
    const commit = store.commit.bind(store);
    let crash = true;
    store.commit = async (done) => {
      if (crash) {
        crash = false;
        throw new Error('killed');
      }
      return commit(done);
    };
    const r = relay();
    await expect(r.step()).rejects.toThrow('killed');
    await r.step();
    expect(ids(kafka.sent)).toEqual(['fact:1', 'fact:2', 'fact:3', 'fact:1', 'fact:2', 'fact:3']);
    expect(new Set(kafka.sent.map((e) => e.id)).size).toBe(3);
    await r.step();
    expect(kafka.sent).toHaveLength(6);
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
});
