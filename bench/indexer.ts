// Indexer → Kafka throughput and latency, on the bench stack (infra/bin/bench.sh indexer
// postgres kafka anvil contracts). The chain gets at least 100,000 chain facts of marketplace
// activity: rounds of 2,000 works minted (ArtworkRegistry.mint, 4 contributors and a royalty
// receiver per work) to one seller and each sold once to one buyer through the operator's
// settleBatch (80 signed ask/bid pairs per batch; per trade TradeSettled, the work's Transfer,
// RoyaltyCredited and 4 AttributionCredited, plus BatchSettled per batch), transactions packed
// into full blocks (automine off while generating), then 64 empty blocks so every one of them is
// final. Then:
//   1. baseline: Ponder alone indexes the chain into a fresh schema: events/s from process start
//      until its checkpoint covers the head;
//   2. relay: Ponder and the relay start together on another fresh schema: events/s from process
//      start until the relay's checkpoint covers the head (every fact acknowledged by Kafka).
//      Ratio = 2 / 1 (goal >= 0.8). Both runs fetch the chain from anvil alike: the indexer runs
//      local chains without Ponder's RPC cache (apps/indexer/ponder.config.ts);
//   3. live: one stablecoin transfer per block, paced one at a time; latency from the moment anvil
//      returns the mined transaction to the moment a consumer receives its fact (p50, p99).
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import {
  createWalletClient,
  decodeEventLog,
  encodeFunctionData,
  http,
  keccak256,
  toHex,
  type Abi,
  type Address,
  type Hex,
  type PrivateKeyAccount,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  artworkRegistryAbi,
  marketplaceAbi,
  marketplaceDomain,
  OrderKind,
  testStablecoinAbi,
} from '@atelier/contracts-abi';
import {
  approveMarketplace,
  buildMint,
  createOrder,
  deposit,
  encodeSettleBatch,
  writeAndWait,
} from '@atelier/chain-actions';
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
const relayOwnTopics: string[] = [];

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

/** Marketplace history: rounds of works minted to one seller, each sold with settleBatch. */
const PRICE = 1_000_000n; // 1 tUSD
const CONTRIBUTORS = 4; // distinct per work: one AttributionCredited each per trade
const WORKS_PER_ROUND = 2000;
const PAIRS_PER_BATCH = 80;
const CREATOR = 5; // anvil account: mints (unlocked, anvil signs)
const OPERATOR = 9; // the deployment's Marketplace operator
const addr = (n: number): Address => `0x${n.toString(16).padStart(40, '0')}`;

interface MarketHistory {
  facts: number;
  works: number;
  trades: number;
  batches: number;
  mintTxs: number;
}

/**
 * Sends unlocked transactions with explicit nonces while automine is off, then mines them into
 * full blocks. The base fee is held at 1 wei and the sender topped up: a long run of full blocks
 * would otherwise raise the base fee until anvil drops the sender's transactions.
 */
async function sendAndMine(from: number, txs: { to: Address; data: Hex; gas: bigint }[]) {
  const sender = account(from);
  await chain.rpc('anvil_setBalance', [sender, toHex(10n ** 24n)]);
  await chain.rpc('anvil_setNextBlockBaseFeePerGas', [toHex(1n)]);
  let nonce = await chain.client.getTransactionCount({ address: sender, blockTag: 'pending' });
  const target = nonce + txs.length;
  await chain.rpc('evm_setAutomine', [false]);
  try {
    for (let i = 0; i < txs.length; i += 200) {
      await Promise.all(
        txs.slice(i, i + 200).map((tx) =>
          chain.rpc<Hex>('eth_sendTransaction', [
            {
              from: sender,
              to: tx.to,
              data: tx.data,
              gas: toHex(tx.gas),
              nonce: toHex(nonce++),
              maxFeePerGas: toHex(10n ** 9n),
              maxPriorityFeePerGas: toHex(1n),
            },
          ]),
        ),
      );
    }
    while ((await chain.client.getTransactionCount({ address: sender })) < target) {
      const pool = await chain.rpc<{ pending: Hex; queued: Hex }>('txpool_status');
      if (BigInt(pool.pending) + BigInt(pool.queued) === 0n)
        throw new Error(`anvil dropped transactions of ${sender} (nonce target ${target})`);
      await chain.rpc('anvil_setNextBlockBaseFeePerGas', [toHex(1n)]);
      await chain.rpc('evm_mine', []);
    }
  } finally {
    await chain.rpc('evm_setAutomine', [true]);
  }
}

const abis: Record<string, readonly [string, Abi]> = {
  [chain.stablecoin.toLowerCase()]: ['TestStablecoin', testStablecoinAbi],
  ...(chain.registry && {
    [chain.registry.toLowerCase()]: ['ArtworkRegistry', artworkRegistryAbi],
  }),
  ...(chain.marketplace && { [chain.marketplace.toLowerCase()]: ['Marketplace', marketplaceAbi] }),
};

async function countFacts(fromBlock: bigint, toBlock: bigint, events: Map<string, number>) {
  const address = chain.indexedAddresses();
  let n = 0;
  for (let from = fromBlock; from <= toBlock; from += 10n) {
    const to = from + 9n < toBlock ? from + 9n : toBlock;
    const logs = await chain.client.getLogs({ address, fromBlock: from, toBlock: to });
    n += logs.length;
    for (const l of logs) {
      const [contract, abi] = abis[l.address.toLowerCase()] ?? ['unknown', undefined];
      let name = 'unknown';
      try {
        if (abi) name = decodeEventLog({ abi, data: l.data, topics: l.topics }).eventName ?? name;
      } catch {
        /* counted as unknown */
      }
      const key = `${contract}.${name}`;
      events.set(key, (events.get(key) ?? 0) + 1);
    }
  }
  return n;
}

async function generateMarketHistory(target: number, events: Map<string, number>) {
  const registry = chain.registry!;
  const marketplace = chain.marketplace!;
  const usd = chain.stablecoin;
  const key = (name: string) => keccak256(toHex(`bench-indexer:${run}:${name}`));
  const seller = privateKeyToAccount(key('seller'));
  const buyer = privateKeyToAccount(key('buyer'));
  const wallet = (from: PrivateKeyAccount) =>
    createWalletClient({
      account: from,
      chain: chain.client.chain,
      transport: http(env['RPC_URL']!),
    });
  for (const a of [seller, buyer])
    await chain.rpc('anvil_setBalance', [a.address, toHex(10n ** 21n)]);
  await approveMarketplace(wallet(seller), { collection: registry, marketplace });
  const budget = PRICE * BigInt(target); // more than enough: a trade yields several facts
  await writeAndWait(wallet(buyer), {
    address: usd,
    abi: testStablecoinAbi,
    functionName: 'mint',
    args: [buyer.address, budget],
  });
  await deposit(wallet(buyer), { marketplace, currency: usd, amount: budget });

  const domain = marketplaceDomain(chain.chainId, marketplace);
  const history: MarketHistory = { facts: 0, works: 0, trades: 0, batches: 0, mintTxs: 0 };
  const start = await chain.client.getBlockNumber();
  let counted = start;
  history.facts = await countFacts(0n, start, events);
  let mintGas: bigint | undefined;
  let settleGas: bigint | undefined;
  while (history.facts < target) {
    const first = history.works;
    const mintData = (i: number) =>
      encodeFunctionData({
        abi: artworkRegistryAbi,
        functionName: 'mint',
        args: buildMint({
          to: seller.address,
          work: {
            prompt: `prompt ${run} ${i}`,
            manifest: `manifest ${run} ${i}`,
            manifestURI: `ipfs://bench/${run}/${i}`,
            seed: BigInt(i),
            contributors: Array.from({ length: CONTRIBUTORS }, (_, c) => ({
              account: addr(0x1000000 + i * CONTRIBUTORS + c),
              bps: 100,
            })),
          },
          royaltyReceiver: addr(0x2000000 + i), // one royalty receiver per work
          royaltyBps: 500,
        }).args,
      });
    mintGas ??=
      ((await chain.client.estimateGas({
        account: account(CREATOR),
        to: registry,
        data: mintData(first),
      })) *
        13n) /
      10n;
    const before = await chain.client.readContract({
      address: registry,
      abi: artworkRegistryAbi,
      functionName: 'totalMinted',
    });
    await sendAndMine(
      CREATOR,
      Array.from({ length: WORKS_PER_ROUND }, (_, k) => ({
        to: registry,
        data: mintData(first + k),
        gas: mintGas!,
      })),
    );
    history.mintTxs += WORKS_PER_ROUND;
    // Token ids are sequential; this round's are the last WORKS_PER_ROUND.
    const tokenIds = Array.from({ length: WORKS_PER_ROUND }, (_, k) => before + 1n + BigInt(k));
    const now = (await chain.client.getBlock()).timestamp;
    const sign = (maker: PrivateKeyAccount, kind: OrderKind, tokenId: bigint, nonce: bigint) =>
      createOrder(maker, {
        domain,
        kind,
        collection: registry,
        tokenId,
        currency: usd,
        price: PRICE,
        now,
        lifetime: 86_400n,
        nonce,
      });
    const pairs = [];
    for (const [k, tokenId] of tokenIds.entries()) {
      const nonce = BigInt(first + k + 1);
      pairs.push({
        ask: await sign(seller, OrderKind.Ask, tokenId, nonce),
        bid: await sign(buyer, OrderKind.TokenBid, tokenId, nonce),
      });
    }
    const batches: Hex[] = [];
    for (let i = 0; i < pairs.length; i += PAIRS_PER_BATCH)
      batches.push(encodeSettleBatch({ pairs: pairs.slice(i, i + PAIRS_PER_BATCH) }).batch);
    const settleData = (batch: Hex) =>
      encodeFunctionData({ abi: marketplaceAbi, functionName: 'settleBatch', args: [batch] });
    settleGas ??=
      ((await chain.client.estimateGas({
        account: account(OPERATOR),
        to: marketplace,
        data: settleData(batches[0]!),
      })) *
        13n) /
      10n;
    await sendAndMine(
      OPERATOR,
      batches.map((b) => ({ to: marketplace, data: settleData(b), gas: settleGas! })),
    );
    history.works += WORKS_PER_ROUND;
    history.batches += batches.length;
    const head = await chain.client.getBlockNumber();
    history.facts += await countFacts(counted + 1n, head, events);
    counted = head;
    log(`  ${history.works} works minted and sold, ${history.facts} facts so far`);
  }
  history.trades = events.get('Marketplace.TradeSettled') ?? 0;
  if (history.trades < history.works)
    throw new Error(
      `only ${history.trades} of ${history.works} trades settled (PairSkipped: ${events.get('Marketplace.PairSkipped') ?? 0})`,
    );
  return history;
}

async function main(): Promise<void> {
  await db.connect();
  const head0 = Number(await chain.client.getBlockNumber());
  if (!chain.registry || !chain.marketplace)
    throw new Error('the bench deployment has no ArtworkRegistry/Marketplace');
  log(`generating >= ${TARGET_EVENTS} facts of minted and traded works on ${env['RPC_URL']}`);
  const gen = performance.now();
  const events = new Map<string, number>();
  const history = await generateMarketHistory(TARGET_EVENTS, events);
  const genSeconds = (performance.now() - gen) / 1000;
  log(
    `generated ${history.works} works, ${history.trades} trades in ${history.batches} batches: ${[...events].map(([k, v]) => `${k} ${v}`).join(', ')}`,
  );
  // Empty blocks on top, so every generated event is below Ponder's finality depth (30 blocks
  // on this chain): the runs measure the historical backfill, not realtime indexing.
  // 8 at a time: one anvil_mine of 64 blocks outlasted viem's 10 s request timeout here.
  for (let i = 0; i < 8; i++) await chain.mine(8);
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
  relayOwnTopics.push(`${prefix}.relay-progress`); // the relay's progress, deleted with the rest
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
  // Offsets, not messages: each transaction also writes a commit marker per partition.
  const published = await endOffsets(topics);
  log(
    `relay: ${round(relaySeconds, 1)} s = ${round(facts / relaySeconds)} events/s (${published} offsets incl. transaction markers; Ponder itself done at ${round(ponderDone ?? relaySeconds, 1)} s)`,
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
    { figure: 'chain generation', value: history.facts / genSeconds, unit: 'events/s' },
  ];
  report('indexer', rows, {
    events: `${facts} facts: ${history.works} works minted (${history.mintTxs} mint transactions) and ${history.trades} trades settled in ${history.batches} settleBatch transactions of up to ${PAIRS_PER_BATCH} pairs, plus the deployment's own and setup (blocks 0..${head}, ${head - head0} new)`,
    eventKinds: Object.fromEntries([...events].sort((a, b) => b[1] - a[1])),
    liveEvents: 'one TestStablecoin.Transfer per block',
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
    await admin.deleteTopics({ topics: [...topics, ...relayOwnTopics] }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  });
