// The real indexer for a settlement spec: Ponder (apps/indexer, `ponder start` on a schema of its
// own) and the chain relay (relay/main.ts) publishing its facts to chain.* topics under a prefix
// of the spec's own, both following a private anvil. Each runs in its own process group, logs to
// a file under ATELIER_DATA/logs, and stop() kills the group and drops both schemas.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { freePort, repoRoot, until } from './private-anvil';

export interface IndexerProcesses {
  readonly topicPrefix: string;
  readonly logs: readonly string[];
  stop(): Promise<void>;
}

const indexerRoot = resolve(repoRoot, 'apps/indexer');
const bin = (name: string) => resolve(repoRoot, 'node_modules/.bin', name);

function group(command: string, args: string[], env: NodeJS.ProcessEnv, log: string) {
  const out = openSync(log, 'a');
  const child = spawn(command, args, {
    cwd: indexerRoot,
    env,
    detached: true,
    stdio: ['ignore', out, out],
  });
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  return { child, exited };
}

const alive = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;

async function ready(c: ChildProcess, url: string, log: string): Promise<void> {
  await until(
    url,
    async () => {
      if (!alive(c)) throw new Error(`exited while starting (log: ${log})`);
      const r = await fetch(url, { signal: AbortSignal.timeout(3000) }).catch(() => undefined);
      return r?.status === 200 ? true : undefined;
    },
    180_000,
  );
}

export async function startIndexer(o: {
  readonly rpcUrl: string;
  readonly deploymentsPath: string;
  readonly chainId: number;
  /** chain.* topic prefix to publish under (default one of its own). */
  readonly topicPrefix?: string;
}): Promise<IndexerProcesses> {
  const run = randomBytes(4).toString('hex');
  const schema = `it_settle_${run}`;
  const relaySchema = `it_settle_relay_${run}`;
  const topicPrefix = o.topicPrefix ?? `it-settle-${run}.chain`;
  const logDir = join(process.env['ATELIER_DATA'] ?? '/tmp', 'logs', 'settlement-it');
  mkdirSync(logDir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RPC_URL: o.rpcUrl,
    ATELIER_DEPLOYMENTS: o.deploymentsPath,
    CHAIN_ID: String(o.chainId),
    INDEXER_STABLECOIN_SCOPE: 'marketplace',
  };
  const procs: { child: ChildProcess; exited: Promise<void> }[] = [];
  const stop = async () => {
    for (const p of procs)
      if (alive(p.child)) {
        try {
          process.kill(-p.child.pid!, 'SIGTERM');
        } catch {
          // already gone
        }
        await Promise.race([p.exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (alive(p.child)) process.kill(-p.child.pid!, 'SIGKILL');
      }
    const db = new Client({ connectionString: process.env['INDEXER_DATABASE_URL'] });
    await db.connect();
    for (const s of [schema, relaySchema]) await db.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    await db.end();
  };
  const logs = [join(logDir, `ponder-${schema}.log`), join(logDir, `relay-${relaySchema}.log`)];
  try {
    const ponderPort = await freePort();
    const ponder = group(
      bin('ponder'),
      [
        'start',
        '--config',
        'ponder.config.ts',
        '--schema',
        schema,
        '--port',
        String(ponderPort),
      ].concat(['--hostname', '127.0.0.1', '--log-format', 'json']),
      env,
      logs[0]!,
    );
    procs.push(ponder);
    await ready(ponder.child, `http://127.0.0.1:${ponderPort}/ready`, logs[0]!);
    const relayPort = await freePort();
    const relay = group(
      bin('tsx'),
      ['relay/main.ts'],
      {
        ...env,
        INDEXER_SCHEMA: schema,
        RELAY_SCHEMA: relaySchema,
        RELAY_PORT: String(relayPort),
        RELAY_TOPIC_PREFIX: topicPrefix,
        RELAY_POLL_INTERVAL_MS: '200',
      },
      logs[1]!,
    );
    procs.push(relay);
    await ready(relay.child, `http://127.0.0.1:${relayPort}/health/ready`, logs[1]!);
  } catch (e) {
    await stop();
    throw e;
  }
  return { topicPrefix, logs, stop };
}
