// The chain half of the gateway's end-to-end specs: a Ponder and a chain relay of the spec's
// own (their own ports, Ponder schema, relay schema and chain.* topic prefix, started with the
// indexer specs' process helpers, so nothing is shared with the stack's indexer or another
// spec), a wait on Ponder's progress, and an anvil reorg that drops chosen transactions while
// re-mining every other transaction of the replaced blocks (the test anvil is shared: another
// spec's transaction must not vanish because this one reorged).
import { join } from 'node:path';
import pino from 'pino';
import { Client } from 'pg';
import type { Hex, PublicClient } from 'viem';
import { CHAIN_CONTRACTS, chainTopic } from '@atelier/chain-messages';
import { createKafka } from '@atelier/kafka';
// The indexer specs' process helpers, imported rather than copied: test code of another app,
// which the app-to-app boundary rule exists to keep out of production code, not specs' support.
// eslint-disable-next-line @nx/enforce-module-boundaries
import {
  freePort,
  startPonder,
  startRelay,
  stopAll,
  waitHttp,
} from '../../../indexer/test/support/processes';

export interface ChainStack {
  /** The relay's topic prefix: what the gateway's PIPELINE_CHAIN_TOPIC_PREFIX must be. */
  readonly topicPrefix: string;
  /** Partitions the relay gives each chain.* topic (the pipeline must not ask for others). */
  readonly partitions: number;
  /** Resolves once Ponder has indexed `block`. */
  ponderAt(block: bigint, timeoutMs?: number): Promise<void>;
  /** Stops both processes, drops their schemas and deletes their topics. */
  stop(): Promise<void>;
}

const PARTITIONS = 3;

/**
 * Starts Ponder (indexing the deployments from their start blocks) and the relay after it. On
 * failure it cleans up what it started before rethrowing.
 */
export async function startChainStack(run: string): Promise<ChainStack> {
  const env = process.env as Record<string, string>;
  const schema = `e2e_idx_${run}`;
  const relaySchema = `e2e_relay_${run}`;
  const topicPrefix = `e2e-${run}.chain`;
  const logDir = join(env['ATELIER_DATA']!, 'logs', 'gateway-e2e');
  const ponderPort = await freePort();
  const relayPort = await freePort();

  const stop = async () => {
    await stopAll();
    const db = new Client({ connectionString: env['INDEXER_DATABASE_URL'] });
    await db.connect();
    try {
      for (const s of [schema, relaySchema]) await db.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    } finally {
      await db.end();
    }
    const admin = createKafka({
      clientId: 'gateway-e2e-cleanup',
      brokers: env['KAFKA_BROKERS']!.split(','),
      logger: pino({ level: 'silent' }),
    }).admin();
    await admin.connect();
    await admin
      .deleteTopics({
        topics: [
          ...Object.keys(CHAIN_CONTRACTS).map((c) => chainTopic(c, topicPrefix)),
          `${topicPrefix}.relay-progress`,
        ],
      })
      .catch(() => undefined);
    await admin.disconnect();
  };

  const ponderAt = async (block: bigint, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = (await fetch(`http://127.0.0.1:${ponderPort}/status`).then((r) =>
        r.json(),
      )) as Record<string, { block?: { number: number } }>;
      if ((Object.values(status)[0]?.block?.number ?? 0) >= Number(block)) return;
      if (Date.now() > deadline) throw new Error(`Ponder did not reach block ${block}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  try {
    // Only the stablecoin transfers that concern the Marketplace: other specs spray thousands.
    const ponder = startPonder({
      schema,
      port: ponderPort,
      env: { ...env, INDEXER_STABLECOIN_SCOPE: 'marketplace' },
      logDir,
    });
    await waitHttp(ponder, `http://127.0.0.1:${ponderPort}/ready`, 180_000);
    const relay = startRelay({
      schema,
      relaySchema,
      port: relayPort,
      topicPrefix,
      env,
      logDir,
      extra: { RELAY_TOPIC_PARTITIONS: String(PARTITIONS) },
    });
    await waitHttp(relay, `http://127.0.0.1:${relayPort}/health/ready`, 120_000);
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
  return { topicPrefix, partitions: PARTITIONS, ponderAt, stop };
}

/**
 * Replaces the blocks from `fromBlock` to the head by as many new blocks holding the same
 * transactions at the same offsets, minus those of `drop` (anvil_reorg takes signed raw
 * transactions). Returns the new head, which is the old head's height.
 */
export async function reorgDropping(
  client: PublicClient,
  fromBlock: bigint,
  drop: ReadonlySet<Hex>,
): Promise<bigint> {
  const rpc = <T>(method: string, params: unknown[]) =>
    client.request({ method: method as never, params: params as never }) as Promise<T>;
  const head = await client.getBlockNumber({ cacheTime: 0 });
  const keep: [Hex, number][] = [];
  for (let n = fromBlock; n <= head; n++) {
    const block = await client.getBlock({ blockNumber: n });
    for (const hash of block.transactions)
      if (!drop.has(hash))
        keep.push([await rpc<Hex>('eth_getRawTransactionByHash', [hash]), Number(n - fromBlock)]);
  }
  await rpc('anvil_reorg', [Number(head - fromBlock + 1n), keep]);
  return client.getBlockNumber({ cacheTime: 0 });
}
