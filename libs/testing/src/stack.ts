// The real local stack for int and e2e specs: started through the same infra scripts as
// `npm run up` (ATELIER_STACK=test: isolated ports, data and databases), and its
// addresses read back from them, so a spec never hard-codes a port.
import { execFileSync, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '../../..');

const stackScript = resolve(repoRoot, 'infra/bin/stack.sh');
/** The test stack unless the caller chose another (benchmarks run on ATELIER_STACK=bench). */
const testEnv = () => ({ ...process.env, ATELIER_STACK: process.env['ATELIER_STACK'] ?? 'test' });

export interface StackEnv {
  readonly ATELIER_DATA: string;
  readonly KAFKA_BROKERS: string;
  readonly RPC_URL: string;
  readonly CHAIN_ID: string;
  readonly ATELIER_DEPLOYMENTS: string;
  readonly GATEWAY_PORT: string;
  readonly SETTLEMENT_PORT: string;
  readonly INDEXER_PORT: string;
  readonly GATEWAY_DATABASE_URL: string;
  readonly INDEXER_DATABASE_URL: string;
  readonly SETTLEMENT_DATABASE_URL: string;
  readonly [key: string]: string;
}

/** Runs `stack.sh <action> [parts]` for the test stack; throws with its output on failure. */
export function stack(action: 'start' | 'stop' | 'status', ...parts: string[]): string {
  const run = spawnSync('bash', [stackScript, action, ...parts], {
    env: testEnv(),
    encoding: 'utf8',
    timeout: 300_000,
  });
  const output = `${run.stdout}${run.stderr}`;
  if (run.status !== 0) throw new Error(`stack.sh ${action} ${parts.join(' ')} failed:\n${output}`);
  return output;
}

export function stackEnv(): StackEnv {
  const out = execFileSync('bash', [stackScript, 'env'], { env: testEnv(), encoding: 'utf8' });
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  ) as StackEnv;
}
