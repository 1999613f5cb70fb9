// Ponder and relay child processes for specs and benchmarks: each gets its own port, Ponder
// schema, relay schema and topic prefix, so several run beside the stack's own indexer
// without sharing state. Each runs in its own process group (a stop or kill reaches every
// child), logs to a file, and is reaped by stopAll().
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';

export const indexerRoot = resolve(__dirname, '../..');
const bin = (name: string) => resolve(indexerRoot, '../../node_modules/.bin', name);

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => ok(port));
    });
  });
}

export class ManagedProcess {
  readonly exited: Promise<number | null>;
  private child: ChildProcess;

  constructor(
    readonly name: string,
    readonly command: string,
    readonly args: readonly string[],
    readonly env: NodeJS.ProcessEnv,
    readonly logFile: string,
  ) {
    mkdirSync(dirname(logFile), { recursive: true });
    const out = openSync(logFile, 'a');
    this.child = spawn(command, [...args], {
      cwd: indexerRoot,
      env,
      detached: true,
      stdio: ['ignore', out, out],
    });
    this.exited = new Promise((ok) => this.child.once('exit', (code) => ok(code)));
    running.add(this);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL to the whole process group: no shutdown code runs. */
  async kill(): Promise<void> {
    if (this.alive) {
      try {
        process.kill(-this.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await this.exited;
    running.delete(this);
  }

  /** SIGTERM (graceful), SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.alive) {
      try {
        process.kill(-this.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => void this.kill(), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    running.delete(this);
  }
}

const running = new Set<ManagedProcess>();

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}

export interface PonderOptions {
  readonly schema: string;
  readonly port: number;
  readonly env: NodeJS.ProcessEnv;
  readonly logDir: string;
}

/** `ponder start` on its own schema (no views schema: the stack's `chain` views stay untouched). */
export function startPonder(o: PonderOptions): ManagedProcess {
  return new ManagedProcess(
    `ponder:${o.schema}`,
    bin('ponder'),
    [
      'start',
      '--config',
      'ponder.config.ts',
      '--schema',
      o.schema,
      '--port',
      String(o.port),
      '--hostname',
      '127.0.0.1',
      '--log-format',
      'json',
    ],
    { ...o.env, INDEXER_STABLECOIN_SCOPE: o.env['INDEXER_STABLECOIN_SCOPE'] ?? 'all' },
    join(o.logDir, `ponder-${o.schema}.log`),
  );
}

export interface RelayOptions {
  readonly schema: string;
  readonly relaySchema: string;
  readonly port: number;
  readonly topicPrefix: string;
  readonly env: NodeJS.ProcessEnv;
  readonly logDir: string;
  readonly extra?: Readonly<Record<string, string>>;
}

export function startRelay(o: RelayOptions): ManagedProcess {
  return new ManagedProcess(
    `relay:${o.relaySchema}`,
    bin('tsx'),
    ['relay/main.ts'],
    {
      ...o.env,
      INDEXER_SCHEMA: o.schema,
      RELAY_SCHEMA: o.relaySchema,
      RELAY_PORT: String(o.port),
      RELAY_TOPIC_PREFIX: o.topicPrefix,
      RELAY_POLL_INTERVAL_MS: '200',
      ...o.extra,
    },
    join(o.logDir, `relay-${o.relaySchema}.log`),
  );
}

/** Resolves once GET url answers 200 (and the process is still alive). */
export async function waitHttp(
  proc: ManagedProcess,
  url: string,
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!proc.alive) throw new Error(`${proc.name} exited while starting (log: ${proc.logFile})`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
      if (res.status === 200) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${proc.name}: ${url} not 200 after ${timeoutMs}ms (log: ${proc.logFile})`);
}
