// The deploy script's side of the deployments file: where it lives, the previous run's record (a
// missing or unreadable one just means "deploy afresh"), and the new record, written through the
// one schema in @atelier/chain that every reader parses with.
import path from 'node:path';

import {
  type ContractDeployment,
  type Deployments,
  DeploymentsError,
  readDeployments,
  writeDeployments,
} from '@atelier/chain';

import { REPO_ROOT } from './config';
import { status } from './log';

/** ATELIER_DEPLOYMENTS, else <ATELIER_DATA or <repo>/.data>/deployments/<chainId>.json. */
export function deploymentsPath(chainId: number, env: NodeJS.ProcessEnv = process.env): string {
  const dataDir = env.ATELIER_DATA ?? path.join(REPO_ROOT, '.data');
  return env.ATELIER_DEPLOYMENTS ?? path.join(dataDir, 'deployments', `${chainId}.json`);
}

/** The previous run's record, or undefined when there is none or it cannot be used (logged). */
export function readPreviousDeployments(file: string): Deployments | undefined {
  try {
    return readDeployments(file);
  } catch (err) {
    if (!(err instanceof DeploymentsError)) throw err;
    // No file yet is the normal first run; only a file that is there but unusable is worth a line.
    if (err.code !== 'DEPLOYMENTS.UNREADABLE')
      status(`ignoring ${file}: ${err.message.split('\n')[0] ?? err.code}`);
    return undefined;
  }
}

export interface DeploymentsRecord {
  readonly chainId: number;
  readonly rpcUrl: string;
  readonly deployedAt: string;
  readonly contracts: Readonly<Record<string, ContractDeployment>>;
  /** Per contract, each reconciled setting's value by name. */
  readonly settings: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** Writes the run's record atomically; refuses (DEPLOYMENTS.INVALID) what the readers would refuse. */
export function writeDeploymentsFile(file: string, record: DeploymentsRecord): void {
  writeDeployments(file, record as Parameters<typeof writeDeployments>[1]);
}
