// ArtworkRegistry.mint's arguments for a generated work: its provenance (model, prompt, seed and
// C2PA manifest, hashed with keccak256), parents, contributors and royalty. Pure; the builders
// themselves live in @atelier/contracts-abi, this binds them to viem's keccak256.
import {
  type GeneratedWork,
  type MintParameters,
  type Provenance,
  generatedProvenance,
  mintArgs,
} from '@atelier/contracts-abi';
import { keccak256, toHex } from 'viem';

export type BuildMintParameters = Omit<MintParameters, 'provenance'> & {
  /** A generated work (hashed here), or a provenance record as it is. */
  readonly work: GeneratedWork | Provenance;
};

export interface BuildMintReturnType {
  readonly provenance: Provenance;
  /** `[to, provenance, royaltyReceiver, royaltyBps]`. */
  readonly args: ReturnType<typeof mintArgs>;
}

/** keccak256 of a text's UTF-8 bytes, as the provenance hashes are made. */
export const hashText = (text: string) => keccak256(toHex(text));

export function buildMint({ work, ...rest }: BuildMintParameters): BuildMintReturnType {
  const provenance = 'modelHash' in work ? work : generatedProvenance(hashText, work);
  return { provenance, args: mintArgs({ ...rest, provenance }) };
}
