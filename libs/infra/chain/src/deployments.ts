// The deployments file: which contract lives at which address on which chain, from which block to
// index it, and the settings the deploy script reconciled on each contract. One schema for every
// reader and the one writer (contracts/script/deploy), so they cannot drift: the apps, the indexer,
// the seed and check scripts and the benches all parse it through here.
import { readFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { CodedError } from '@atelier/kernel';

/*//////////////////////////////////////////////////////////////
                             SCHEMA
//////////////////////////////////////////////////////////////*/

const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'expected a 20-byte hex address')
  .transform((a) => a as `0x${string}`);
const hash = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, 'expected a 32-byte hex hash')
  .transform((h) => h as `0x${string}`);

/** Where one contract was deployed, and the block to index it from. */
export const contractDeploymentSchema = z.object({
  address,
  startBlock: z.number().int().nonnegative(),
  transactionHash: hash,
});

/**
 * The Marketplace's settings as the deploy script made them hold: its allow-listed currencies and
 * the operator allowed to call settleBatch. Loose: a setting added to the deploy script is kept
 * before this schema names it.
 */
export const marketplaceSettingsSchema = z.looseObject({
  currencies: z.array(address),
  operator: address,
});

export const deploymentsSchema = z.object({
  chainId: z.number().int().positive(),
  rpcUrl: z.string(),
  deployedAt: z.string(),
  contracts: z.record(z.string(), contractDeploymentSchema),
  /** Per contract, the settings reconciled after deployment (read first, written only if different). */
  settings: z
    .object({ Marketplace: marketplaceSettingsSchema.optional() })
    .catchall(z.record(z.string(), z.unknown()))
    .optional(),
});

export type ContractDeployment = z.infer<typeof contractDeploymentSchema>;
export type MarketplaceSettings = z.infer<typeof marketplaceSettingsSchema>;
export type Deployments = z.infer<typeof deploymentsSchema>;

/*//////////////////////////////////////////////////////////////
                          READ AND WRITE
//////////////////////////////////////////////////////////////*/

export type DeploymentsErrorCode =
  'DEPLOYMENTS.UNREADABLE' | 'DEPLOYMENTS.MALFORMED' | 'DEPLOYMENTS.INVALID';

export class DeploymentsError extends CodedError<DeploymentsErrorCode> {
  override readonly name = 'DeploymentsError';
}

/** Parses a deployments file's contents; `source` names it in the error. */
export function parseDeployments(raw: string, source: string): Deployments {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw new DeploymentsError(
      'DEPLOYMENTS.MALFORMED',
      `the deployments file ${source} is malformed: not JSON (${(e as Error).message})`,
      { path: source },
      { cause: e },
    );
  }
  const parsed = deploymentsSchema.safeParse(json);
  if (!parsed.success) {
    throw new DeploymentsError(
      'DEPLOYMENTS.MALFORMED',
      `the deployments file ${source} is malformed: ${z.prettifyError(parsed.error)}`,
      { path: source, issues: parsed.error.issues.map((i) => i.message) },
    );
  }
  return parsed.data;
}

export function readDeployments(path: string): Deployments {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DeploymentsError(
      'DEPLOYMENTS.UNREADABLE',
      `cannot read the deployments file ${path} (${(e as Error).message}); deploy the contracts first (bash infra/contracts/deploy.sh) or set ATELIER_DEPLOYMENTS`,
      { path },
      { cause: e },
    );
  }
  return parseDeployments(raw, path);
}

/**
 * Validates `deployments` against the schema and writes it to `path` atomically (a temporary file
 * renamed over it), so a reader never sees half a file and never a file it would refuse.
 */
export function writeDeployments(path: string, deployments: z.input<typeof deploymentsSchema>) {
  const parsed = deploymentsSchema.safeParse(deployments);
  if (!parsed.success) {
    throw new DeploymentsError(
      'DEPLOYMENTS.INVALID',
      `refusing to write ${path}: ${z.prettifyError(parsed.error)}`,
      { path, issues: parsed.error.issues.map((i) => i.message) },
    );
  }
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(parsed.data, null, 2)}\n`, 'utf8');
  renameSync(tmp, path);
}
