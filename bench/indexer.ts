// Indexer → Kafka throughput and latency, on the bench stack (infra/bin/bench.sh indexer
// postgres kafka anvil contracts). The chain gets at least 100,000 stablecoin Transfers
// (TestStablecoin.Transfer, 500 per transaction from a small "spray" contract, one transaction
// per block, then 64 empty blocks so every one of them is final; no marketplace events), then:
//   1. baseline: Ponder alone indexes the chain into a fresh schema: events/s from process start
//      until its checkpoint covers the head;
//   2. relay: Ponder and the relay start together on another fresh schema: events/s from process
//      start until the relay's checkpoint covers the head (every fact acknowledged by Kafka).
//      Ratio = 2 / 1 (goal >= 0.8). Both runs fetch the chain from anvil alike: the indexer runs
//      local chains without Ponder's RPC cache (apps/indexer/ponder.config.ts);
//   3. live: one transfer per block, paced one at a time; latency from the moment anvil
//      returns the mined transaction to the moment a consumer receives its fact (p50, p99).
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { CHAIN_CONTRACTS, chainTopic } from '@atelier/chain-messages';
import { account, TestChain } from '../apps/indexer/test/support/chain';
import {
  freePort,
  startPonder,
  startRelay,
  stopAll,
  waitHttp,
  type ManagedProcess,
} from '../apps/indexer/test/support/processes';
import { type BenchRow, benchEnv, percentile, report, round } from './lib/harness';

const TARGET_EVENTS = Number(process.env['BENCH_INDEXER_EVENTS'] ?? 100_000);
const PER_TX = 500;
const LIVE_SAMPLES = Number(process.env['BENCH_INDEXER_LIVE_SAMPLES'] ?? 150);

const env = benchEnv() as unknown as Record<string, string>;
const procEnv = { ...process.env, ...env } as NodeJS.ProcessEnv;
const brokers = env['KAFKA_BROKERS']!.split(',');
const run = randomUUID().replaceAll('-', '').slice(0, 8);
const logDir = join(env['ATELIER_DATA']!, 'logs', 'bench-indexer');
const chain = new TestChain(env['RPC_URL']!, env['ATELIER_DEPLOYMENTS']!);
const kafka = new Kafka({ clientId: 'bench-indexer', brokers, logLevel: logLevel.NOTHING });
const db = new Client({ connectionString: env['INDEXER_DATABASE_URL'] });
const schemas: string[] = [];
const topics: string[] = [];

const log = (msg: string) => console.log(`[bench:indexer] ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Each phase must finish in this time, or the bench fails (the whole bench stays under ~10 min). */
const PHASE_TIMEOUT_MS = 240_000;
const deadline = (what: string) => {
  const end = Date.now() + PHASE_TIMEOUT_MS;
  return () => {
    if (Date.now() > end) throw new Error(`${what} did not finish in ${PHASE_TIMEOUT_MS / 1000} s`);
  };
};

/** Highest block Ponder has fully indexed in `schema` (see apps/indexer/relay/ponder-checkpoint.ts). */
async function indexedBlock(schema: string): Promise<number> {
  const r = await db
    .query<{ c: string }>(
      `SELECT latest_checkpoint AS c FROM "${schema}"._ponder_checkpoint LIMIT 1`,
    )
    .catch(() => ({ rows: [] as { c: string }[] }));
  const c = r.rows[0]?.c;
  if (!c) return -1;
  const block = Number(c.slice(26, 42));
  return c.slice(42, 58) === '9'.repeat(16) ? block : block - 1;
}

async function ponderRun(
  label: string,
  head: number,
): Promise<{ seconds: number; ponder: ManagedProcess; schema: string; port: number }> {
  const schema = `bench_${label}_${run}`;
  schemas.push(schema);
  const port = await freePort();
  const started = performance.now();
  const ponder = startPonder({ schema, port, env: procEnv, logDir });
  const check = deadline(`Ponder (${label})`);
  while ((await indexedBlock(schema)) < head) {
    if (!ponder.alive) throw new Error(`Ponder (${label}) exited; see ${ponder.logFile}`);
    check();
    await sleep(100);
  }
  return { seconds: (performance.now() - started) / 1000, ponder, schema, port };
}

async function endOffsets(names: readonly string[]): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    let total = 0;
    for (const topic of names) {
      for (const p of await admin.fetchTopicOffsets(topic)) total += Number(p.high);
    }
    return total;
  } finally {
    await admin.disconnect();
  }
}

async function main(): Promise<void> {
  await db.connect();
  const head0 = Number(await chain.client.getBlockNumber());
  const txs = Math.ceil(TARGET_EVENTS / PER_TX);
  log(
    `generating ${txs * PER_TX} Transfers (${txs} transactions of ${PER_TX}) on ${env['RPC_URL']}`,
  );
  const gen = performance.now();
  await chain.sprayTransfers(txs, PER_TX);
  const genSeconds = (performance.now() - gen) / 1000;
  // Empty blocks on top, so every generated event is below Ponder's finality depth (30 blocks
  // on this chain): the runs measure the historical backfill, not realtime indexing.
  await chain.mine(64);
  const head = Number(await chain.client.getBlockNumber());
  const facts = (await chain.canonicalFactIds()).size;
  log(`chain: ${facts} facts in blocks 0..${head} (generated in ${round(genSeconds, 1)} s)`);

  log('baseline: Ponder alone');
  const baseline = await ponderRun('base', head);
  await baseline.ponder.stop();
  log(`baseline: ${round(baseline.seconds, 1)} s = ${round(facts / baseline.seconds)} events/s`);

  log('relay: Ponder and the relay together');
  const prefix = `bench-${run}.chain`;
  topics.push(...Object.keys(CHAIN_CONTRACTS).map((c) => chainTopic(c, prefix)));
  const relayPort = await freePort();
  const relaySchema = `bench_relay_${run}`;
  schemas.push(relaySchema);
  const started = performance.now();
  const relaySchemaPonder = `bench_rel_${run}`;
  schemas.push(relaySchemaPonder);
  const ponderPort = await freePort();
  const ponder = startPonder({ schema: relaySchemaPonder, port: ponderPort, env: procEnv, logDir });
  const relay = startRelay({
    schema: relaySchemaPonder,
    relaySchema,
    port: relayPort,
    topicPrefix: prefix,
    env: procEnv,
    logDir,
  });
  await waitHttp(relay, `http://127.0.0.1:${relayPort}/health/live`);
  // Done when the relay's own checkpoint covers the head: every fact up to it is acknowledged.
  const check = deadline('the relay');
  let ponderDone: number | undefined;
  for (;;) {
    if (ponderDone === undefined && (await indexedBlock(relaySchemaPonder)) >= head)
      ponderDone = (performance.now() - started) / 1000;
    if (!ponder.alive || !relay.alive)
      throw new Error(`a process exited; see ${ponder.logFile} and ${relay.logFile}`);
    check();
    const status = (await fetch(`http://127.0.0.1:${relayPort}/health`)
      .then((r) => r.json())
      .catch(() => undefined)) as { sync?: { publishedThroughBlock: number | null } } | undefined;
    if ((status?.sync?.publishedThroughBlock ?? -1) >= head) break;
    await sleep(100);
  }
  const relaySeconds = (performance.now() - started) / 1000;
  const published = await endOffsets(topics);
  log(
    `relay: ${round(relaySeconds, 1)} s = ${round(facts / relaySeconds)} events/s (${published} messages; Ponder itself done at ${round(ponderDone ?? relaySeconds, 1)} s)`,
  );
  await waitHttp(ponder, `http://127.0.0.1:${ponderPort}/ready`);

  log(`live: ${LIVE_SAMPLES} transfers, one block each`);
  const consumer = kafka.consumer({ groupId: `bench-live-${run}`, maxWaitTimeInMs: 10 });
  const arrived = new Map<string, number>();
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const id = message.headers?.['atelier-event-id']?.toString();
      if (id) arrived.set(id.split(':')[1]!, Date.now()); // by block hash
    },
  });
  while (!joined) await sleep(50);
  await sleep(1000);
  const latencies: number[] = [];
  for (let i = 0; i < LIVE_SAMPLES; i++) {
    const { blockHash } = await chain.transfer(1, account(2), BigInt(i + 1));
    const mined = Date.now();
    const deadline = mined + 30_000;
    while (!arrived.has(blockHash) && Date.now() < deadline) await sleep(2);
    if (!arrived.has(blockHash))
      throw new Error(`live transfer in ${blockHash} did not reach Kafka in 30 s`);
    latencies.push(arrived.get(blockHash)! - mined);
    await sleep(Math.random() * 50);
  }
  await consumer.disconnect();
  const health = await fetch(`http://127.0.0.1:${relayPort}/health`).then((r) => r.json());

  const rows: BenchRow[] = [
    {
      figure: 'historical sync into Kafka',
      value: facts / relaySeconds,
      unit: 'events/s',
      baseline: { figure: 'Ponder alone, same chain', value: facts / baseline.seconds },
      goal: 'ratio >= 0.8',
    },
    {
      figure: 'live latency p50 (block mined → consumer)',
      value: percentile(latencies, 50),
      unit: 'ms',
    },
    {
      figure: 'live latency p99 (block mined → consumer)',
      value: percentile(latencies, 99),
      unit: 'ms',
    },
    { figure: 'chain generation', value: (txs * PER_TX) / genSeconds, unit: 'events/s' },
  ];
  report('indexer', rows, {
    events: `${facts} facts: ${txs * PER_TX} TestStablecoin.Transfer from ${txs} spray transactions of ${PER_TX}, plus the deployment's own (blocks 0..${head}, ${head - head0} new)`,
    eventKinds:
      'TestStablecoin.Transfer only (the marketplace was not traded on in this benchmark)',
    seconds: {
      baseline: round(baseline.seconds, 1),
      relay: round(relaySeconds, 1),
      ponderDoneInRelayRun: round(ponderDone ?? relaySeconds, 1),
    },
    relay: {
      mode: 'retract',
      batchSize: 5000,
      pollIntervalMs: 200,
      topics: topics.length,
      partitions: 3,
    },
    ponderPollingIntervalMs: Number(env['INDEXER_POLLING_INTERVAL_MS'] ?? 250),
    liveSamples: latencies.length,
    relayHealthAfter: health,
    note: 'wall clock from process start (both runs include Ponder start-up); 2-core machine, Kafka, PostgreSQL and anvil on the same host',
  });
}

// Ponder and the relay run in their own process groups: stop them on Ctrl-C too.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void stopAll().finally(() => process.exit(130));
  });
}

main()
  .catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(async () => {
    await stopAll();
    for (const s of schemas)
      await db.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`).catch(() => undefined);
    await db.end().catch(() => undefined);
    const admin = kafka.admin();
    await admin.connect().catch(() => undefined);
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  });
