// Forge's build output (contracts/out/<File>.sol/<Name>.json) as the deploy script needs it: the ABI,
// the creation code, and the runtime code with its immutable slots, to tell whether a recorded
// address still runs exactly this build.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { type Abi, type Hex, type PublicClient, isHex } from 'viem';
import { z } from 'zod';

import type { ContractDeployment } from '@atelier/chain';

import { REPO_ROOT } from './config';
import { ArtifactError } from './errors';

const ARTIFACTS_DIR = path.join(REPO_ROOT, 'contracts', 'out');

const hexSchema = z.string().refine((s): s is Hex => isHex(s), 'not 0x-prefixed hex');

const artifactSchema = z.object({
  abi: z.array(z.unknown()).transform((a) => a as unknown as Abi),
  bytecode: z.object({ object: hexSchema }),
  deployedBytecode: z.object({
    object: hexSchema,
    immutableReferences: z
      .record(z.string(), z.array(z.object({ start: z.number().int(), length: z.number().int() })))
      .optional(),
  }),
});
export type Artifact = z.infer<typeof artifactSchema>;

/** The artifact of contract `name`, compiled from contracts/src/`file` (default `<name>.sol`). */
export async function loadArtifact(name: string, file = `${name}.sol`): Promise<Artifact> {
  const artifactPath = path.join(ARTIFACTS_DIR, file, `${name}.json`);
  let raw: string;
  try {
    raw = await readFile(artifactPath, 'utf8');
  } catch {
    throw new ArtifactError(`artifact ${artifactPath} not found; run infra/contracts/build.sh`, {
      path: artifactPath,
    });
  }
  const parsed = artifactSchema.safeParse(JSON.parse(raw));
  if (!parsed.success)
    throw new ArtifactError(`artifact ${artifactPath} is malformed: ${parsed.error.message}`, {
      path: artifactPath,
    });
  if (parsed.data.bytecode.object === '0x')
    throw new ArtifactError(`${name} is abstract or an interface`, { path: artifactPath });
  return parsed.data;
}

/** Zeroes the immutable slots (set by the constructor) so runtime code compares with the artifact. */
function maskImmutables(code: Hex, artifact: Artifact): string {
  const bytes = Buffer.from(code.slice(2), 'hex');
  for (const refs of Object.values(artifact.deployedBytecode.immutableReferences ?? {})) {
    for (const { start, length } of refs)
      bytes.fill(0, start, Math.min(start + length, bytes.length));
  }
  return bytes.toString('hex');
}

/** Whether `deployment` still holds exactly the artifact's runtime code on this chain. */
export async function isLive(
  client: PublicClient,
  deployment: ContractDeployment,
  artifact: Artifact,
): Promise<boolean> {
  const code = await client.getCode({ address: deployment.address });
  if (!code || code === '0x') return false;
  return (
    maskImmutables(code, artifact) === maskImmutables(artifact.deployedBytecode.object, artifact)
  );
}
