// The settlement worker as its own process (node + @swc-node/register over src/main.ts, as it
// runs in production), with a configuration of the caller's own, its stream read back from
// PostgreSQL. For benchmarks (tsx/esbuild cannot emit the decorator metadata Nest's injection
// needs, so the app cannot be booted inside a tsx process) and specs that kill the worker.
// Imports nothing of Nest.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { Pool } from 'pg';
import { PostgresEventStore } from '@atelier/event-store';
import { EventSourcedRepository, type RecordedEvent } from '@atelier/eventsourcing';
import {
  settlementAggregate,
  settlementId,
  type SettlementState,
} from '@atelier/settlement-domain';
import { freePort, repoRoot, until } from './private-anvil';

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly base: string;
  readonly schema: string;
  readonly marketTopic: string;
  /** What the process wrote (stdout and stderr). */
  output(): string;
  state(operator: string): Promise<SettlementState>;
  events(operator: string): Promise<RecordedEvent[]>;
  /** SIGTERM, wait for the exit, drop the schema. */
  close(): Promise<void>;
}

export async function startWorkerProcess(
  name: string,
  env: Record<string, string>,
): Promise<WorkerProcess> {
  const id = randomBytes(4).toString('hex');
  const schema = `es_settle_${name}_${id}`;
  const prefix = `int.settle.${name}.${id}`;
  const port = await freePort();
  const marketPrefix = `${prefix}.market`;
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', resolve(repoRoot, 'apps/settlement/src/main.ts')],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        EVENT_STORE_SCHEMA: schema,
        SETTLEMENT_PORT: String(port),
        SETTLEMENT_MARKET_TOPIC_PREFIX: marketPrefix,
        SETTLEMENT_TOPIC_PREFIX: `${prefix}.settlement`,
        SETTLEMENT_GROUP: prefix,
        SETTLEMENT_TOPIC_PARTITIONS: '1',
        SETTLEMENT_CONFIRM_FROM: 'receipt',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  const pool = new Pool({ connectionString: process.env['SETTLEMENT_DATABASE_URL'], max: 2 });
  const store = new PostgresEventStore({ pool, schema, listen: false });
  const repo = () => new EventSourcedRepository(settlementAggregate, store);
  const base = `http://127.0.0.1:${port}`;
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  };
  try {
    await until(
      'the settlement worker process',
      async () => {
        if (child.exitCode !== null) throw new Error(`the worker exited: ${out.slice(-2000)}`);
        const h = (await (await fetch(`${base}/health`)).json()) as {
          details?: { settlement?: { states?: { consumer?: string } } };
        };
        return h.details?.settlement?.states?.consumer === 'running' ? true : undefined;
      },
      120_000,
    );
  } catch (e) {
    await close();
    throw e;
  }
  return {
    child,
    base,
    schema,
    marketTopic: `${marketPrefix}.market`,
    output: () => out,
    state: async (operator) => (await repo().load(settlementId(operator))).state,
    events: (operator) => store.readStream(repo().streamName(settlementId(operator))),
    close,
  };
}
