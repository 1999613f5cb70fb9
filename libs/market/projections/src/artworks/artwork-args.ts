// The args of the ArtworkRegistry facts the artworks model reads (ArtworkMinted, Transfer): zod
// schemas (the anti-corruption layer: what a valid fact carries, the error when it does not) and
// their fast forms, which parseArgs uses for the usual fact (withFastPath: zod took ~35 us a mint).
import { z } from 'zod';
import {
  fastFields,
  fastUint,
  isArgsObject,
  withFastPath,
  zAddress,
  zBytes32,
  zUint,
} from '../chain-facts/chain-facts';

const MAX_BPS = 10_000;
const bps = z.number().int().min(0).max(MAX_BPS);

const MAX_TEXT = 10_000;
const MAX_LINKS = 64;

const artworkMintedSchema = z.object({
  tokenId: zUint,
  creator: zAddress,
  owner: zAddress,
  provenanceHash: zBytes32,
  royaltyReceiver: zAddress,
  royaltyBps: bps,
  provenance: z.object({
    modelId: z.string().max(MAX_TEXT),
    modelHash: zBytes32,
    promptHash: zBytes32,
    seed: zUint,
    manifestHash: zBytes32,
    manifestURI: z.string().max(MAX_TEXT),
    parents: z.array(zUint).max(MAX_LINKS),
    contributors: z.array(z.object({ account: zAddress, bps })).max(MAX_LINKS),
  }),
});

const mintFields = fastFields({
  tokenId: 'uint',
  creator: 'address',
  owner: 'address',
  provenanceHash: 'bytes32',
  royaltyReceiver: 'address',
});
const provenanceFields = fastFields({
  modelHash: 'bytes32',
  promptHash: 'bytes32',
  seed: 'uint',
  manifestHash: 'bytes32',
});
const accountField = fastFields({ account: 'address' });
const isBps = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= MAX_BPS;
const isText = (v: unknown): v is string => typeof v === 'string' && v.length <= MAX_TEXT;

/** artworkMintedSchema's checks without zod, for the usual mint (parseArgs' fast path). */
function fastMint(
  args: Readonly<Record<string, unknown>>,
): z.output<typeof artworkMintedSchema> | undefined {
  const top = mintFields(args) as Record<string, string> | undefined;
  const p = args['provenance'];
  if (!top || !isBps(args['royaltyBps']) || !isArgsObject(p)) return undefined;
  const hashes = provenanceFields(p) as Record<string, string> | undefined;
  const { modelId, manifestURI, parents, contributors } = p;
  if (!hashes || !isText(modelId) || !isText(manifestURI)) return undefined;
  if (!Array.isArray(parents) || parents.length > MAX_LINKS) return undefined;
  if (!Array.isArray(contributors) || contributors.length > MAX_LINKS) return undefined;
  const parentIds: string[] = [];
  for (const parent of parents) {
    const id = fastUint(parent);
    if (id === undefined) return undefined;
    parentIds.push(id);
  }
  const shares: { account: string; bps: number }[] = [];
  for (const c of contributors) {
    const account = isArgsObject(c) ? accountField(c) : undefined;
    if (!account || !isBps((c as Record<string, unknown>)['bps'])) return undefined;
    shares.push({ account: (account as { account: string }).account, bps: c['bps'] as number });
  }
  return {
    tokenId: top['tokenId']!,
    creator: top['creator']!,
    owner: top['owner']!,
    provenanceHash: top['provenanceHash']!,
    royaltyReceiver: top['royaltyReceiver']!,
    royaltyBps: args['royaltyBps'] as number,
    provenance: {
      modelId,
      modelHash: hashes['modelHash']!,
      promptHash: hashes['promptHash']!,
      seed: hashes['seed']!,
      manifestHash: hashes['manifestHash']!,
      manifestURI,
      parents: parentIds,
      contributors: shares,
    },
  };
}

export const artworkMintedArgs = withFastPath(artworkMintedSchema, fastMint);

export const transferArgs = withFastPath(
  z.object({ from: zAddress, to: zAddress, tokenId: zUint }),
  { from: 'address', to: 'address', tokenId: 'uint' },
);
