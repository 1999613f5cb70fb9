// The indexer and its Kafka relay against the real stack (anvil, PostgreSQL, Kafka): history
// from block 0 reaches chain.* topics, live facts follow within a poll, a reorg that replaces a
// Marketplace trade (settleBatch of a minted work) by another leaves consumers believing only
// canonical facts (retract mode: the dropped facts are retracted; confirmations mode: they are
// never published), and SIGKILLs of the relay
// mid-sync and of Ponder lose nothing and never give a fact a second id. The spec runs its own
// Ponder and relay processes (own ports, schemas, topic prefixes) beside the stack's indexer.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { createKafka } from '@atelier/kafka';
import { Client } from 'pg';
import { chainTopic, CHAIN_CONTRACTS, type ChainFactEnvelope } from '@atelier/chain-messages';
import { account, TestChain } from './support/chain';
import { ChainTopicReader } from './support/kafka';
import {
  freePort,
  startPonder,
  startRelay,
  stopAll,
  waitHttp,
  type ManagedProcess,
} from './support/processes';

const env = process.env as Record<string, string>;
const brokers = env['KAFKA_BROKERS']!.split(',');
const run = randomUUID().replaceAll('-', '').slice(0, 8);
const schema = `it_idx_${run}`;
const logDir = join(env['ATELIER_DATA']!, 'logs', 'indexer-it');
const chain = new TestChain(env['RPC_URL']!, env['ATELIER_DEPLOYMENTS']!);
const topicsOf = (prefix: string) => Object.keys(CHAIN_CONTRACTS).map((c) => chainTopic(c, prefix));

interface RelayUnderTest {
  readonly name: string;
  readonly relaySchema: string;
  readonly prefix: string;
  readonly port: number;
  proc?: ManagedProcess;
  reader?: ChainTopicReader;
}

const relayUnderTest = async (name: string): Promise<RelayUnderTest> => ({
  name,
  relaySchema: `it_relay_${run}_${name}`,
  prefix: `it-${run}-${name}.chain`,
  port: await freePort(),
});

let ponderPort: number;
let ponder: ManagedProcess;
const relays: Record<'retract' | 'confirm' | 'killed' | 'crashing', RelayUnderTest> = {} as never;
/** The facts of the block the reorg case dropped (retracted by the retract relay). */
let droppedFactIds = new Set<string>();

const launchPonder = () => {
  ponder = startPonder({ schema, port: ponderPort, env, logDir });
  return waitHttp(ponder, `http://127.0.0.1:${ponderPort}/ready`, 120_000);
};

const launchRelay = async (r: RelayUnderTest, extra: Record<string, string> = {}) => {
  r.proc = startRelay({
    schema,
    relaySchema: r.relaySchema,
    port: r.port,
    topicPrefix: r.prefix,
    env,
    logDir,
    extra,
  });
  await waitHttp(r.proc, `http://127.0.0.1:${r.port}/health/ready`);
  r.reader ??= await ChainTopicReader.start(brokers, topicsOf(r.prefix), `it-${run}-${r.name}`);
};

/** Waits until Ponder has indexed `block` (its /status). */
const ponderAt = async (block: bigint) => {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const status = (await fetch(`http://127.0.0.1:${ponderPort}/status`).then((r) =>
      r.json(),
    )) as Record<string, { block?: { number: number } }>;
    if ((Object.values(status)[0]?.block?.number ?? 0) >= Number(block)) return;
    if (Date.now() > deadline) throw new Error(`Ponder did not reach block ${block}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

/**
 * A wait whose timeout says what Ponder and the retract relay last logged: a CI failure must
 * explain itself, since CI keeps nothing but the suite's output.
 */
const explained = <T>(wait: Promise<T>): Promise<T> =>
  wait.catch(async (e: Error) => {
    const tail = async (file: string | undefined) =>
      file ? (await readFile(file, 'utf8').catch(() => '')).split('\n').slice(-25).join('\n') : '';
    throw new Error(
      `${e.message}\n--- Ponder log (tail) ---\n${await tail(ponder.logFile)}` +
        `\n--- retract relay log (tail) ---\n${await tail(relays.retract.proc?.logFile)}`,
    );
  });
const factIds = (m: Map<string, ChainFactEnvelope>) => new Set(m.keys());
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));
const sorted = (s: Iterable<string>) => [...s].sort();
/** Waits until the reader's believed facts are exactly `expected`. */
const believesExactly = (
  r: RelayUnderTest,
  expected: Set<string>,
  what: string,
  timeoutMs = 60_000,
) =>
  r.reader!.waitFor(
    what,
    () => {
      const got = factIds(r.reader!.believed());
      return got.size === expected.size && [...expected].every((id) => got.has(id))
        ? got
        : undefined;
    },
    timeoutMs,
  );

describe('indexer relay to Kafka (real anvil, PostgreSQL, Kafka)', () => {
  beforeAll(async () => {
    // History before the indexer starts: 2,400 Transfers in 6 transactions, plus whatever the
    // chain already holds (deployment mints, other specs).
    await chain.sprayTransfers(6, 400);
    ponderPort = await freePort();
    relays.retract = await relayUnderTest('retract');
    relays.confirm = await relayUnderTest('confirm');
    relays.killed = await relayUnderTest('killed');
    relays.crashing = await relayUnderTest('crashing');
    await launchPonder();
    await Promise.all([
      launchRelay(relays.retract),
      launchRelay(relays.confirm, { RELAY_REORG_MODE: 'confirmations', RELAY_CONFIRMATIONS: '3' }),
    ]);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(Object.values(relays).map((r) => r.reader?.stop()));
    await stopAll();
    const db = new Client({ connectionString: env['INDEXER_DATABASE_URL'] });
    await db.connect();
    for (const s of [schema, ...Object.values(relays).map((r) => r.relaySchema)]) {
      await db.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    }
    await db.end();
    const admin = createKafka({
      clientId: 'it-cleanup',
      brokers,
      logger: pino({ level: 'silent' }),
    }).admin();
    await admin.connect();
    await admin
      .deleteTopics({
        topics: Object.values(relays).flatMap((r) => [
          ...topicsOf(r.prefix),
          `${r.prefix}.relay-progress`,
        ]),
      })
      .catch(() => undefined);
    await admin.disconnect();
  }, 60_000);

  it('publishes the full history from block 0, keyed and shaped as the shared schema says', async () => {
    const expected = await chain.canonicalFactIds();
    expect(expected.size).toBeGreaterThanOrEqual(2400);
    const { reader } = relays.retract;
    await believesExactly(relays.retract, expected, 'the whole history in Kafka');
    expect(reader!.decodeErrors()).toEqual([]);
    expect(reader!.duplicateIds()).toEqual([]);
    expect(reader!.orderViolations()).toEqual([]);

    const stablecoin = chain.stablecoin.toLowerCase();
    const transfers = reader!.received.filter((r) => r.envelope.type === 'TestStablecoin.Transfer');
    expect(transfers.length).toBeGreaterThanOrEqual(2400);
    for (const t of transfers) {
      expect(t.topic).toBe(`${relays.retract.prefix}.test-stablecoin`);
      expect(t.key).toBe(stablecoin); // one token's facts on one partition, in chain order
    }
    // In chain order within the partition.
    const positions = transfers.map((t) => [t.envelope.blockNumber, t.envelope.logIndex] as const);
    expect(positions).toEqual([...positions].sort((a, b) => a[0] - b[0] || a[1] - b[1]));
    // A fact says what the log says.
    const sample = transfers[transfers.length - 1]!.envelope;
    const [log] = await chain.client.getLogs({
      address: chain.stablecoin,
      blockHash: sample.blockHash as `0x${string}`,
    });
    expect(sample).toMatchObject({
      kind: 'fact',
      chainId: chain.chainId,
      contract: 'TestStablecoin',
      address: stablecoin,
      transactionHash: log!.transactionHash,
      blockNumber: Number(log!.blockNumber),
    });
    expect(sample.args).toEqual({
      from: expect.stringMatching(/^0x[0-9a-f]{40}$/),
      to: expect.any(String),
      value: '1',
    });
    const block = await chain.client.getBlock({ blockHash: sample.blockHash as `0x${string}` });
    expect(sample.blockTimestamp).toBe(Number(block.timestamp));

    // The confirmations relay holds back the last 3 blocks.
    const head = await chain.client.getBlockNumber();
    await believesExactly(
      relays.confirm,
      await chain.canonicalFactIds(head - 3n),
      'history up to head - 3',
    );

    const health = (await fetch(`http://127.0.0.1:${relays.retract.port}/health`).then((r) =>
      r.json(),
    )) as {
      sync: { phase: string; publishedThroughBlock: number; blocksBehind: number };
    };
    expect(health.sync).toMatchObject({
      phase: 'live',
      publishedThroughBlock: Number(head),
      blocksBehind: 0,
    });
    const metrics = await fetch(`http://127.0.0.1:${relays.retract.port}/metrics`).then((r) =>
      r.text(),
    );
    expect(metrics).toMatch(
      /atelier_relay_messages_published_total\{topic="[^"]+test-stablecoin",kind="fact",app="indexer-relay"\} \d+/,
    );
    expect(metrics).toMatch(/atelier_relay_lag_blocks\{app="indexer-relay"\} 0/);
  });

  it('publishes a live transfer within a poll', async () => {
    const sent = Date.now();
    const { blockHash } = await chain.transfer(1, account(2), 1_230_000n);
    const mined = Date.now();
    const fact = await relays.retract.reader!.waitFor('the live transfer', () =>
      relays.retract.reader!.received.find((r) => r.envelope.blockHash === blockHash),
    );
    expect(fact.envelope.args).toMatchObject({ to: account(2).toLowerCase(), value: '1230000' });
    const latencyMs = fact.receivedAt - mined;
    console.log(`live latency: ${latencyMs} ms (tx sent to mined: ${mined - sent} ms)`);
    expect(latencyMs).toBeLessThan(5000);
  });

  it('a reorg that replaces a trade leaves consumers with the canonical facts only', async () => {
    const retract = relays.retract.reader!;
    const confirm = relays.confirm.reader!;
    // A minted work, its ask, and bids of two buyers: the dropped block settles it to the first,
    // the replacing block to the second.
    const trade = await chain.prepareTrade(2);
    const [firstBuyer, secondBuyer] = trade.buyers.map((b) => b.toLowerCase());
    const marketplace = chain.marketplace!.toLowerCase();
    const isTrade = (e: ChainFactEnvelope) =>
      e.type === 'Marketplace.TradeSettled' && e.args['tokenId'] === trade.tokenId.toString();

    const dropped = await chain.settleTrade(trade, 0);
    const droppedTrade = await retract.waitFor('the trade to be replaced', () =>
      retract.received.find(
        (r) => r.envelope.blockHash === dropped.blockHash && isTrade(r.envelope),
      ),
    );
    expect(droppedTrade).toMatchObject({
      topic: `${relays.retract.prefix}.marketplace`,
      key: chain.registry!.toLowerCase(), // keyed by collection
    });
    expect(droppedTrade.envelope).toMatchObject({
      contract: 'Marketplace',
      address: marketplace,
      args: { seller: trade.seller.toLowerCase(), buyer: firstBuyer },
    });
    // Every fact of the dropped block: the trade, the work's transfer, credits, BatchSettled.
    const droppedIds = await chain.factIdsOfBlock(dropped.blockHash);
    expect(droppedIds.size).toBeGreaterThan(1);
    // Recorded before any wait, so a failure here does not also fail the later specs' checks.
    droppedFactIds = new Set([...droppedFactIds, ...droppedIds]);
    await retract.waitFor('every fact of the dropped block', () =>
      [...droppedIds].every((id) => retract.received.some((r) => r.envelope.id === id))
        ? true
        : undefined,
    );
    await chain.mine(1);
    // The indexer has seen both blocks before they are replaced (anvil forgets a replaced block
    // at once; a real node keeps serving it, so Ponder can fetch a block it has just heard of).
    await ponderAt(dropped.blockNumber + 1n);
    // Blocks N and N+1 are replaced; N' settles the same work to the other buyer instead.
    await chain.reorg(2, [[chain.settleTradeRequest(trade, 1), 0]]);
    const replacement = await explained(
      retract.waitFor('the replacing trade', () =>
        retract.received.find(
          (r) =>
            r.envelope.blockNumber === Number(dropped.blockNumber) &&
            r.envelope.blockHash !== dropped.blockHash &&
            isTrade(r.envelope),
        ),
      ),
    );
    expect(replacement.envelope.args).toMatchObject({
      seller: trade.seller.toLowerCase(),
      buyer: secondBuyer,
    });

    // retract mode: each dropped fact was followed by its retraction, on the same partition.
    const retractionOf = (id: string) =>
      retract.received.find((r) => r.envelope.kind === 'retracted' && r.envelope.factId === id);
    await retract.waitFor('the retraction of every dropped fact', () =>
      [...droppedIds].every((id) => retractionOf(id)) ? true : undefined,
    );
    const retraction = retractionOf(droppedTrade.envelope.id);
    expect(retraction).toMatchObject({
      topic: droppedTrade.topic,
      partition: droppedTrade.partition,
      key: droppedTrade.key,
      envelope: { kind: 'retracted', type: 'Marketplace.TradeSettled' },
    });
    expect(retraction!.envelope.id).toBe(`${droppedTrade.envelope.id}:retracted`);
    expect(BigInt(retraction!.offset)).toBeGreaterThan(BigInt(droppedTrade.offset));
    // Same collection key, same partition: the replacing trade follows the retraction.
    expect(replacement.partition).toBe(droppedTrade.partition);
    expect(BigInt(replacement.offset)).toBeGreaterThan(BigInt(retraction!.offset));
    for (const id of droppedIds) expect(retract.believed().has(id)).toBe(false);
    // The folded view holds one trade of the work: the canonical one.
    expect(
      [...retract.believed().values()].filter(isTrade).map((e) => [e.id, e.args['buyer']]),
    ).toEqual([[replacement.envelope.id, secondBuyer]]);
    expect(
      retract.received.filter((r) => r.envelope.kind === 'retracted').map((r) => r.envelope.factId),
    ).toEqual(expect.arrayContaining([...droppedIds]));
    // Every partition: the dropped block's retractions before any fact of the new branch.
    expect(
      retract.replacedBeforeRetracted(Number(dropped.blockNumber), new Set([dropped.blockHash])),
    ).toEqual([]);

    // confirmations mode: 3 more blocks publish the replacement; the dropped facts never left.
    await chain.mine(4);
    await confirm.waitFor('the replacement past 3 confirmations', () =>
      confirm.received.find((r) => r.envelope.id === replacement.envelope.id),
    );
    expect(confirm.received.filter((r) => r.envelope.blockHash === dropped.blockHash)).toEqual([]);
    expect(confirm.received.filter((r) => r.envelope.kind === 'retracted')).toEqual([]);
    expect(
      [...confirm.believed().values()].filter(isTrade).map((e) => [e.id, e.args['buyer']]),
    ).toEqual([[replacement.envelope.id, secondBuyer]]);

    const head = await chain.client.getBlockNumber();
    await believesExactly(
      relays.retract,
      await chain.canonicalFactIds(),
      'canonical facts after the reorg',
    );
    await believesExactly(
      relays.confirm,
      await chain.canonicalFactIds(head - 3n),
      'canonical confirmed facts',
    );
    // Still no dropped fact in either folded view; each message once, each key in chain order.
    for (const r of [retract, confirm]) {
      expect([...droppedIds].filter((id) => r.believed().has(id))).toEqual([]);
      expect(r.duplicateIds()).toEqual([]);
      expect(r.orderViolations()).toEqual([]);
    }
  });

  it('a depth-3 reorg whose last new block is empty: every dropped block retracted before any replacement', async () => {
    const retract = relays.retract.reader!;
    // Three blocks of one token's transfers (one key, one partition)...
    const blocks: Awaited<ReturnType<typeof chain.transfer>>[] = [];
    for (let i = 0; i < 3; i++)
      blocks.push(await chain.transfer(1, account(3 + i), 1_000n + BigInt(i)));
    const hashes = new Set<string>(blocks.map((b) => b.blockHash));
    await ponderAt(blocks[2]!.blockNumber);
    await retract.waitFor('the three blocks published', () =>
      blocks.every((b) => retract.received.some((r) => r.envelope.blockHash === b.blockHash))
        ? true
        : undefined,
    );
    const droppedIds = new Set(
      retract.received.filter((r) => hashes.has(r.envelope.blockHash)).map((r) => r.envelope.id),
    );
    droppedFactIds = new Set([...droppedFactIds, ...droppedIds]);
    // ...replaced by two blocks of other transfers and a third, empty one.
    await chain.reorg(3, [
      [chain.transferRequest(1, account(6), 2_000n), 0],
      [chain.transferRequest(1, account(7), 2_001n), 1],
    ]);
    const fork = Number(blocks[0]!.blockNumber);
    const replacements = () =>
      retract.received.filter(
        (r) =>
          r.envelope.kind === 'fact' &&
          r.envelope.blockNumber >= fork &&
          r.envelope.blockNumber <= fork + 2 &&
          !hashes.has(r.envelope.blockHash),
      );
    await explained(
      retract.waitFor('the replacements and every retraction', () =>
        replacements().length >= 2 &&
        [...droppedIds].every((id) =>
          retract.received.some((r) => r.envelope.kind === 'retracted' && r.envelope.factId === id),
        )
          ? true
          : undefined,
      ),
    );
    expect(retract.replacedBeforeRetracted(fork, hashes)).toEqual([]);
    await chain.mine(1);
    await believesExactly(relays.retract, await chain.canonicalFactIds(), 'canonical facts');
    expect(retract.duplicateIds()).toEqual([]);
    expect(retract.orderViolations()).toEqual([]);
  });

  it('SIGKILL of the relay mid-sync and of Ponder: no gap, no fact with two ids', async () => {
    const killed = relays.killed;
    // Small steps, so the backfill of ~2,400 facts takes many commits to be killed between.
    const slow = { RELAY_BATCH_SIZE: '200' };
    await launchRelay(killed, slow);
    await killed.reader!.waitFor('the relay mid-sync', () =>
      killed.reader!.received.length >= 300 ? true : undefined,
    );
    await killed.proc!.kill();
    const atKill = killed.reader!.received.length;

    // Ponder dies too, and the chain moves on while both are down.
    await ponder.kill();
    await chain.sprayTransfers(2, 200);
    await launchPonder(); // same schema: Ponder's crash recovery
    await launchRelay(killed, slow);
    await killed.reader!.waitFor('the relay publishing again', () =>
      killed.reader!.received.length > atKill ? true : undefined,
    );
    await killed.proc!.kill(); // and once more, later in the backfill
    await launchRelay(killed, slow);

    const expected = await chain.canonicalFactIds();
    await believesExactly(killed, expected, 'every canonical fact after the restarts', 90_000);
    const facts = killed
      .reader!.received.filter((r) => r.envelope.kind === 'fact')
      .map((r) => r.envelope);
    // No gap: every canonical fact arrived. No second id: every id it sent is canonical, and
    // each log (block hash, log index) went out under one id only.
    expect(sorted(new Set(facts.map((f) => f.id)))).toEqual(sorted(expected));
    const idsPerLog = new Map<string, Set<string>>();
    for (const f of facts) {
      const log = `${f.blockHash}:${f.logIndex}`;
      idsPerLog.set(log, (idsPerLog.get(log) ?? new Set()).add(f.id));
    }
    expect([...idsPerLog.values()].filter((ids) => ids.size > 1)).toEqual([]);
    expect(killed.reader!.received.filter((r) => r.envelope.kind === 'retracted')).toEqual([]);
    console.log(
      `killed relay: ${facts.length} fact messages for ${expected.size} facts (${facts.length - expected.size} re-sent)`,
    );
    // Exactly once: no id twice in the read_committed stream, every key in chain order.
    expect(killed.reader!.duplicateIds()).toEqual([]);
    expect(killed.reader!.orderViolations()).toEqual([]);

    // The relay that kept running through Ponder's crash recovery saw no false retraction.
    await believesExactly(relays.retract, expected, 'the running relay after Ponder restarted');
    // Its only retractions are those of the reorged-out block.
    expect(
      sorted(
        relays.retract
          .reader!.received.filter((r) => r.envelope.kind === 'retracted')
          .map((r) => r.envelope.factId),
      ),
    ).toEqual(sorted(droppedFactIds));
  });
  it('SIGKILL right after Kafka acknowledged a step, again and again: every fact once, in order', async () => {
    const r = relays.crashing;
    const expected = await chain.canonicalFactIds();
    // RELAY_TEST_CRASH_AFTER=send:n: the relay SIGKILLs itself once Kafka has acknowledged its
    // n-th step and before it records that step anywhere else. Three crashes, then a clean run.
    for (const n of [2, 3, 1]) {
      r.proc = startRelay({
        schema,
        relaySchema: r.relaySchema,
        port: r.port,
        topicPrefix: r.prefix,
        env,
        logDir,
        extra: { RELAY_BATCH_SIZE: '300', RELAY_TEST_CRASH_AFTER: `send:${n}` },
      });
      const exited = await Promise.race([r.proc.exited, sleep(90_000).then(() => 'running')]);
      expect(exited).not.toBe('running');
      await r.proc.kill(); // reaps what is left of the process group
      // The relay created its topics on the first start; read them from the beginning.
      r.reader ??= await ChainTopicReader.start(brokers, topicsOf(r.prefix), `it-${run}-${r.name}`);
    }
    await launchRelay(r, { RELAY_BATCH_SIZE: '300' });
    await believesExactly(r, expected, 'every canonical fact after three crashes', 90_000);
    const facts = r.reader!.received.filter((m) => m.envelope.kind === 'fact');
    console.log(
      `crashing relay: ${facts.length} fact messages for ${expected.size} facts (${facts.length - expected.size} re-sent)`,
    );
    expect(r.reader!.duplicateIds()).toEqual([]);
    expect(r.reader!.orderViolations()).toEqual([]);
    expect(facts).toHaveLength(expected.size);
  });
});
