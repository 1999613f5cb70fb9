// A local chain restarted under the relay (anvil stopped and started again: a new genesis, the
// same chain id, the same contract addresses, and shorter than the old chain). The old chain's
// unfinalized facts must be retracted at once, before any fact of the new chain, without
// waiting for the new chain to grow past their heights. The spec runs its own anvil, as local
// chain 1337 (Ponder's block cache is keyed by chain id: the shared test chain's, 31337, must
// not see this one), and its own Ponder and relay processes.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import pino from 'pino';
import { createKafka } from '@atelier/kafka';
import { chainTopic, CHAIN_CONTRACTS } from '@atelier/chain-messages';
import { TestChain } from './support/chain';
import { ChainTopicReader } from './support/kafka';
import {
  freePort,
  indexerRoot,
  ManagedProcess,
  startPonder,
  startRelay,
  stopAll,
  waitHttp,
} from './support/processes';

const env = process.env as Record<string, string>;
const brokers = env['KAFKA_BROKERS']!.split(',');
const run = randomUUID().replaceAll('-', '').slice(0, 8);
const repo = resolve(indexerRoot, '../..');
const logDir = join(env['ATELIER_DATA']!, 'logs', 'indexer-it');
const CHAIN_ID = 1337;
const deployments = join(env['ATELIER_DATA']!, 'it', `genesis-${run}`, `${CHAIN_ID}.json`);
/** Anvil account 0 (public development key): deploy.ts takes it by default on 31337 only. */
const DEPLOYER_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const schemas = [`it_gen1_${run}`, `it_gen2_${run}`];
const prefix = `it-${run}-genesis.chain`;
const relaySchema = `it_relay_${run}_genesis`;
const topics = Object.keys(CHAIN_CONTRACTS).map((c) => chainTopic(c, prefix));
const MNEMONIC = 'test test test test test test test test test test test junk';
const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
const anvilBin = resolve(
  repo,
  `node_modules/@foundry-rs/anvil-${process.platform}-${arch}/bin/anvil`,
);

let rpcUrl: string;
let anvilPort: number;
let anvil: ManagedProcess | undefined;
let reader: ChainTopicReader | undefined;

const adminDb = () => new Client({ connectionString: env['INDEXER_DATABASE_URL'] });

/** A fresh chain on our port; `timestamp` makes its genesis differ from the previous one's. */
async function startChain(timestamp: number): Promise<TestChain> {
  anvil = new ManagedProcess(
    `anvil:${anvilPort}`,
    anvilBin,
    [
      ...['--host', '127.0.0.1', '--port', String(anvilPort), '--chain-id', String(CHAIN_ID)],
      ...['--mnemonic', MNEMONIC, '--hardfork', 'prague', '--timestamp', String(timestamp)],
    ],
    process.env,
    join(logDir, `anvil-genesis-${run}.log`),
  );
  for (let i = 0; ; i++) {
    const ok = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 100 || !anvil.alive) throw new Error(`anvil did not start (${anvil.logFile})`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const deploy = spawnSync('node_modules/.bin/tsx', ['contracts/script/deploy.ts'], {
    cwd: repo,
    env: {
      ...process.env,
      RPC_URL: rpcUrl,
      ATELIER_DEPLOYMENTS: deployments,
      DEPLOYER_PRIVATE_KEY: DEPLOYER_KEY,
    },
    encoding: 'utf8',
  });
  if (deploy.status !== 0) throw new Error(`deploy failed: ${deploy.stderr || deploy.stdout}`);
  return new TestChain(rpcUrl, deployments);
}

const processEnv = () => ({
  ...env,
  RPC_URL: rpcUrl,
  ATELIER_DEPLOYMENTS: deployments,
  CHAIN_ID: String(CHAIN_ID),
});

const launch = async (schema: string) => {
  const ponderPort = await freePort();
  const ponder = startPonder({ schema, port: ponderPort, env: processEnv(), logDir });
  await waitHttp(ponder, `http://127.0.0.1:${ponderPort}/ready`, 120_000);
  const relayPort = await freePort();
  const relay = startRelay({
    schema,
    relaySchema,
    port: relayPort,
    topicPrefix: prefix,
    env: processEnv(),
    logDir,
  });
  await waitHttp(relay, `http://127.0.0.1:${relayPort}/health/ready`);
  return { ponder, relay };
};

const believes = (ids: Set<string>, what: string) =>
  reader!.waitFor(
    what,
    () => {
      const got = reader!.believed();
      return got.size === ids.size && [...ids].every((id) => got.has(id)) ? true : undefined;
    },
    90_000,
  );

describe('relay across a restarted local chain (own anvil, Ponder, relay)', () => {
  beforeAll(async () => {
    anvilPort = await freePort();
    rpcUrl = `http://127.0.0.1:${anvilPort}`;
  });

  afterAll(async () => {
    await reader?.stop();
    await stopAll();
    const db = adminDb();
    await db.connect();
    for (const schema of [...schemas, relaySchema])
      await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.end();
    const admin = createKafka({
      clientId: 'it-cleanup',
      brokers,
      logger: pino({ level: 'silent' }),
    }).admin();
    await admin.connect();
    await admin
      .deleteTopics({ topics: [...topics, `${prefix}.relay-progress`] })
      .catch(() => undefined);
    await admin.disconnect();
  }, 60_000);

  it("retracts the old chain's open facts at once, before any fact of the new chain", async () => {
    // The old chain: deployment, 100 Transfers, a few empty blocks on top.
    let chain = await startChain(1_800_000_000);
    await chain.sprayTransfers(2, 50);
    await chain.mine(6);
    const oldIds = await chain.canonicalFactIds();
    const oldHead = Number(await chain.client.getBlockNumber());
    const first = await launch(schemas[0]!);
    reader = await ChainTopicReader.start(brokers, topics, `it-${run}-genesis`);
    await believes(oldIds, 'the old chain in Kafka');
    const oldHashes = new Set([...reader.believed().values()].map((e) => e.blockHash));

    // anvil restarts: a new chain, lower than the old one. A new chain is a new Ponder schema
    // (infra/apps/start.sh names it after the deployments file); the relay keeps its schema.
    await first.relay.kill();
    await first.ponder.kill();
    await anvil!.kill();
    chain = await startChain(1_900_000_000);
    await chain.transfer(0, '0x00000000000000000000000000000000000000aa', 1n);
    const newIds = await chain.canonicalFactIds();
    expect(Number(await chain.client.getBlockNumber())).toBeLessThan(oldHead);
    await launch(schemas[1]!);
    await believes(newIds, 'only the new chain believed');

    // Every fact of the old chain retracted, before any fact of the new one, in every partition.
    const retracted = new Set(
      reader.received.filter((r) => r.envelope.kind === 'retracted').map((r) => r.envelope.factId),
    );
    expect([...oldIds].filter((id) => !retracted.has(id))).toEqual([]);
    expect(reader.replacedBeforeRetracted(0, oldHashes)).toEqual([]);
    expect(reader.duplicateIds()).toEqual([]);
    expect(reader.orderViolations()).toEqual([]);
  });
});
