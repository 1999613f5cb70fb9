// An anvil of the spec's own, for the specs that must stop mining, reorg or otherwise bend the
// chain (the shared test anvil must never be paused or reorged: other specs run on it). Started
// from the @foundry-rs/anvil native binary on a free port, the contracts deployed by
// contracts/script/deploy.ts into a deployments file of its own; stop() kills that one process.
// restart() kills it and starts a new one on the same port, deployed again: a new chain (another
// genesis) under the same chain id and, deployment being deterministic, the same addresses, as
// `npm run down` then `npm run up` make of the stack's anvil.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository's root (support files may not import @atelier/testing: lint allows it in specs). */
export const repoRoot = resolve(__dirname, '../../../..');

/** Polls `probe` until it answers something other than undefined; errors count as "not yet". */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${String(last ?? '')}`);
}

export interface PrivateAnvil {
  readonly rpcUrl: string;
  readonly deploymentsPath: string;
  readonly port: number;
  /** One JSON-RPC call (anvil_*, evm_* cheat codes included); throws on a JSON-RPC error. */
  rpc<T = unknown>(method: string, params?: readonly unknown[]): Promise<T>;
  /** The hash of block 0: which chain this is. */
  genesis(): Promise<Hex>;
  /**
   * A new chain on the same port: this anvil killed, another started with the same options and
   * the contracts deployed again (same addresses, same deployments file), empty otherwise.
   */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

type Hex = `0x${string}`;

export interface PrivateAnvilOptions {
  /** Block gas limit (anvil's default is 30M). */
  readonly gasLimit?: bigint;
  /** Extra anvil arguments. */
  readonly args?: readonly string[];
  /**
   * Chain id (default anvil's 31337). A chain an indexer (Ponder) follows must not be 31337:
   * Ponder purges cached rows of "another chain with the same id", i.e. the shared test chain's.
   */
  readonly chainId?: number;
}

/** Anvil account 0 (the public development key): deploy.ts takes it by default on 31337 only. */
const DEPLOYER_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';

/** A TCP port nobody listens on now. */
export const freePort = (): Promise<number> =>
  new Promise((ok, fail) => {
    const srv = createServer()
      .once('error', fail)
      .listen(0, '127.0.0.1', () => {
        const port = (srv.address() as AddressInfo).port;
        srv.close(() => ok(port));
      });
  });

/** The native anvil inside node_modules (the npm wrapper hides exit codes and the real pid). */
function anvilBinary(): string {
  if (process.env['ANVIL_BIN']) return process.env['ANVIL_BIN'];
  const os = process.platform === 'darwin' ? 'darwin' : 'linux';
  const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
  return resolve(repoRoot, `node_modules/@foundry-rs/anvil-${os}-${arch}/bin/anvil`);
}

export async function startPrivateAnvil(options: PrivateAnvilOptions = {}): Promise<PrivateAnvil> {
  const port = await freePort();
  const rpcUrl = `http://127.0.0.1:${port}`;
  const args = ['--port', String(port), '--host', '127.0.0.1', '--silent'];
  if (options.gasLimit !== undefined) args.push('--gas-limit', options.gasLimit.toString());
  if (options.chainId !== undefined) args.push('--chain-id', String(options.chainId));
  args.push(...(options.args ?? []));
  let id = 0;
  const rpc = async <T>(method: string, params: readonly unknown[] = []): Promise<T> => {
    const res = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
    });
    const body = (await res.json()) as { result?: T; error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result as T;
  };
  const dir = mkdtempSync(join(tmpdir(), 'atelier-anvil-'));
  const deploymentsPath = join(dir, 'deployments.json');
  let child: ChildProcess | undefined;
  const kill = async () => {
    const c = child;
    if (c && c.exitCode === null && c.signalCode === null) {
      const gone = new Promise((ok) => c.once('exit', ok));
      c.kill('SIGTERM');
      await gone;
    }
  };
  /** One anvil process on the port, the contracts deployed on it. */
  const launch = async () => {
    const c = spawn(anvilBinary(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child = c;
    let stderr = '';
    c.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    await until(
      `anvil on ${port}`,
      async () => {
        if (c.exitCode !== null) throw new Error(`anvil exited: ${stderr}`);
        return (await rpc<string>('eth_chainId').catch(() => undefined)) ? true : undefined;
      },
      20_000,
    );
    const deployed = spawnSync(
      process.execPath,
      [resolve(repoRoot, 'node_modules/tsx/dist/cli.mjs'), 'contracts/script/deploy.ts'],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          RPC_URL: rpcUrl,
          ATELIER_DEPLOYMENTS: deploymentsPath,
          DEPLOYER_PRIVATE_KEY: DEPLOYER_KEY,
        },
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    if (deployed.status !== 0)
      throw new Error(`deploy.ts failed (${deployed.status}): ${deployed.stderr}`);
  };
  const stop = async () => {
    await kill();
    rmSync(dir, { recursive: true, force: true });
  };
  const genesis = async () =>
    (await rpc<{ hash: Hex }>('eth_getBlockByNumber', ['0x0', false])).hash;
  try {
    await launch();
    return {
      rpcUrl,
      deploymentsPath,
      port,
      rpc,
      genesis,
      restart: async () => {
        await kill();
        await launch();
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
