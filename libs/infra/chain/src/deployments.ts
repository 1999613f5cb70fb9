// The deployments file written by contracts/script/deploy.ts and read by every app:
// which contract lives at which address on which chain, and from which block to index it.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'expected a 20-byte hex address');
const hash = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'expected a 32-byte hex hash');

export const deploymentsSchema = z.object({
  chainId: z.number().int().positive(),
  rpcUrl: z.string(),
  deployedAt: z.string(),
  contracts: z.record(
    z.string(),
    z.object({
      address: address.transform((a) => a as `0x${string}`),
      startBlock: z.number().int().nonnegative(),
      transactionHash: hash,
    }),
  ),
});

export type Deployments = z.infer<typeof deploymentsSchema>;

export class DeploymentsError extends Error {
  override readonly name = 'DeploymentsError';
}

export function readDeployments(path: string): Deployments {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DeploymentsError(
      `cannot read the deployments file ${path} (${(e as Error).message}); deploy the contracts first (bash infra/contracts/deploy.sh) or set ATELIER_DEPLOYMENTS`,
    );
  }
  const parsed = deploymentsSchema.safeParse(JSON.parse(raw));
  if (!parsed.success) {
    throw new DeploymentsError(
      `the deployments file ${path} is malformed: ${z.prettifyError(parsed.error)}`,
    );
  }
  return parsed.data;
}
