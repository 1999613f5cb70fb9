// The chain relay process: publishes the indexer's chain facts (Ponder's chain_fact table)
// to Kafka chain.* topics. Its own process, beside Ponder, so that indexing handlers stay free
// of side effects and a Kafka outage never stalls indexing (docs/indexer.md).
// Start: infra/apps/start.sh relay (or `nx run @atelier/indexer:relay`).
import { readDeployments, rpcHealthCheck } from '@atelier/chain';
import { ConfigError } from '@atelier/config';
import type { DependencyCheck } from '@atelier/health';
import { kafkaHealthCheck } from '@atelier/kafka';
import { chainContractSpec } from '@atelier/chain-messages';
import pg from 'pg';
import pino from 'pino';
import { createPublicClient, http } from 'viem';
import { INDEXED_CONTRACTS } from '../contracts';
import { loadRelayEnv, type RelayEnv } from './env';
import { createRelayMetrics } from './metrics';
import { KafkaFactPublisher } from './publisher';
import { Relay } from './relay';
import { createOpsServer } from './server';
import { RelayStore } from './store';

/** EX_CONFIG from sysexits.h: a supervisor should not restart into the same mistake. */
const EXIT_CONFIG = 78;

let config: RelayEnv;
try {
  config = loadRelayEnv();
} catch (e) {
  if (e instanceof ConfigError) {
    process.stderr.write(`${e.message}\n`);
    process.exit(EXIT_CONFIG);
  }
  throw e;
}

const logger = pino({
  name: 'indexer-relay',
  level: config.LOG_LEVEL,
  base: { app: 'indexer-relay', pid: process.pid },
});

/**
 * Test-only crash point (`RELAY_TEST_CRASH_AFTER=send:<n>`): SIGKILL this process once Kafka
 * has acknowledged the n-th step that published something, before the relay records it
 * anywhere else; the int specs use it to prove a restart publishes nothing twice.
 */
function crashHook(): (() => void) | undefined {
  const spec = process.env['RELAY_TEST_CRASH_AFTER'];
  const m = spec ? /^send:([1-9][0-9]*)$/.exec(spec) : null;
  if (!m) return undefined;
  let left = Number(m[1]);
  return () => {
    if (--left > 0) return;
    logger.warn(
      { spec },
      'RELAY_TEST_CRASH_AFTER: killing the relay after a step Kafka acknowledged',
    );
    process.kill(process.pid, 'SIGKILL');
  };
}

async function main(cfg: RelayEnv): Promise<void> {
  // Fail fast on a contract without a topic, and on a deployments file for another chain.
  for (const { name } of INDEXED_CONTRACTS) chainContractSpec(name);
  const deployments = readDeployments(cfg.ATELIER_DEPLOYMENTS);
  if (deployments.chainId !== cfg.CHAIN_ID) {
    throw new Error(
      `deployments file ${cfg.ATELIER_DEPLOYMENTS} is for chain ${deployments.chainId}, CHAIN_ID is ${cfg.CHAIN_ID}`,
    );
  }

  const metrics = createRelayMetrics();
  const pool = new pg.Pool({
    connectionString: cfg.INDEXER_DATABASE_URL,
    max: 4,
    application_name: 'atelier-indexer-relay',
  });
  pool.on('error', (err) => logger.warn({ err }, 'idle PostgreSQL client failed'));
  const store = new RelayStore(pool, {
    sourceSchema: cfg.INDEXER_SCHEMA,
    relaySchema: cfg.RELAY_SCHEMA,
    chainId: cfg.CHAIN_ID,
  });
  const publisher = new KafkaFactPublisher({
    brokers: cfg.KAFKA_BROKERS,
    topicPrefix: cfg.RELAY_TOPIC_PREFIX,
    partitions: cfg.RELAY_TOPIC_PARTITIONS,
    replicationFactor: cfg.RELAY_TOPIC_REPLICATION,
    stream: cfg.INDEXER_SCHEMA,
    relaySchema: cfg.RELAY_SCHEMA,
    logger,
  });
  const rpc = createPublicClient({
    transport: http(cfg.RPC_URL, { timeout: 5000, retryCount: 2 }),
  });
  const relay = new Relay(store, publisher, metrics, logger, {
    chainId: cfg.CHAIN_ID,
    mode: cfg.RELAY_REORG_MODE,
    confirmations: cfg.RELAY_CONFIRMATIONS,
    batchSize: cfg.RELAY_BATCH_SIZE,
    pollIntervalMs: cfg.RELAY_POLL_INTERVAL_MS,
    topicPrefix: cfg.RELAY_TOPIC_PREFIX,
    onAcknowledged: crashHook(),
    canonicalBlockHash: async (blockNumber) => {
      const block = await rpc.getBlock({ blockNumber: BigInt(blockNumber) }).catch((e: Error) => {
        if (e.name === 'BlockNotFoundError') return undefined;
        throw e;
      });
      return block?.hash ?? undefined;
    },
  });

  const checks: DependencyCheck[] = [
    { name: 'postgres', check: async () => void (await pool.query('SELECT 1')) },
    kafkaHealthCheck(cfg.KAFKA_BROKERS, 'atelier-indexer-relay-health'),
    rpcHealthCheck(cfg.RPC_URL, cfg.CHAIN_ID),
    {
      name: 'relay',
      async check() {
        const maxAge = Math.max(30_000, cfg.RELAY_POLL_INTERVAL_MS * 10);
        if (!relay.healthy(maxAge))
          throw new Error(relay.status.lastError ?? `no successful step in ${maxAge / 1000}s`);
        return { phase: relay.status.phase };
      },
    },
  ];
  const server = createOpsServer(relay, checks, metrics);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.RELAY_PORT, cfg.HOST, resolve);
  });
  logger.info(
    {
      url: `http://${cfg.HOST}:${cfg.RELAY_PORT}`,
      stream: cfg.INDEXER_SCHEMA,
      mode: cfg.RELAY_REORG_MODE,
      confirmations: cfg.RELAY_CONFIRMATIONS,
    },
    'relay listening',
  );

  const stop = new AbortController();
  let session: pg.Client | undefined;
  const shutdown = (signal: string) => {
    if (stop.signal.aborted) return;
    logger.info({ signal }, 'shutting down');
    stop.abort();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  // The chain head, for "blocks behind": polled beside the loop, never inside it (uncached: viem
  // keeps a block number 4 s by default, so the 1 s poll saw a new head every fourth time).
  const pollHead = () =>
    void rpc.getBlockNumber({ cacheTime: 0 }).then(
      (n) => relay.setChainHead(Number(n)),
      () => undefined,
    );
  pollHead();
  const head = setInterval(pollHead, 1000);

  // Start-up steps are retried until they succeed: the relay may start before Kafka or Ponder.
  for (let attempt = 1; !stop.signal.aborted; attempt++) {
    try {
      await store.migrate();
      // One relay per stream: a session-level advisory lock, released if the process dies.
      session = new pg.Client({
        connectionString: cfg.INDEXER_DATABASE_URL,
        application_name: 'atelier-indexer-relay-session',
      });
      session.on('error', (err) => {
        logger.error(
          { err },
          'PostgreSQL session lost; exiting so the supervisor restarts the relay',
        );
        process.exit(1);
      });
      await session.connect();
      const lockKey = `atelier-relay:${cfg.RELAY_SCHEMA}:${cfg.INDEXER_SCHEMA}`;
      for (;;) {
        const { rows } = await session.query<{ ok: boolean }>(
          'SELECT pg_try_advisory_lock(hashtext($1)) AS ok',
          [lockKey],
        );
        if (rows[0]!.ok || stop.signal.aborted) break;
        logger.warn({ lockKey }, 'another relay publishes this stream; waiting for its lock');
        await new Promise((r) => setTimeout(r, 2000));
      }
      await relay.listen(session, `${cfg.INDEXER_SCHEMA}_live_query`);
      await publisher.connect();
      break;
    } catch (e) {
      logger.error({ err: e, attempt }, 'relay start-up failed; retrying');
      await session?.end().catch(() => undefined);
      session = undefined;
      await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * attempt)));
    }
  }

  await relay.run(stop.signal);

  clearInterval(head);
  await publisher.disconnect();
  await session?.end().catch(() => undefined);
  await pool.end().catch(() => undefined);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  logger.info('stopped');
}

main(config).then(
  () => process.exit(0),
  (e: unknown) => {
    logger.fatal({ err: e }, `relay failed: ${(e as Error).message}`);
    logger.flush();
    process.exit(1);
  },
);
