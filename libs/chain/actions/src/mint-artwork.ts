// Mints a work in the ArtworkRegistry from the client's account (its creator) and answers the
// new token id from the `ArtworkMinted` log.
import { artworkRegistryAbi } from '@atelier/contracts-abi';
import { type TransactionReceipt, parseEventLogs } from 'viem';

import { type BuildMintParameters, type BuildMintReturnType, buildMint } from './build-mint';
import { ChainActionError } from './errors';
import { type SendingClient, writeAndWait } from './write-and-wait';

export type MintArtworkParameters = BuildMintParameters & {
  readonly registry: `0x${string}`;
};

export interface MintArtworkReturnType extends BuildMintReturnType {
  readonly tokenId: bigint;
  readonly receipt: TransactionReceipt;
}

export async function mintArtwork(
  client: SendingClient,
  { registry, ...parameters }: MintArtworkParameters,
): Promise<MintArtworkReturnType> {
  const built = buildMint(parameters);
  const receipt = await writeAndWait(client, {
    address: registry,
    abi: artworkRegistryAbi,
    functionName: 'mint',
    args: built.args,
  });
  const [minted] = parseEventLogs({
    abi: artworkRegistryAbi,
    eventName: 'ArtworkMinted',
    logs: receipt.logs,
  });
  if (!minted)
    throw new ChainActionError('CHAIN.BAD_ANSWER', 'mint logged no ArtworkMinted', {
      registry,
      transactionHash: receipt.transactionHash,
    });
  return { ...built, tokenId: minted.args.tokenId, receipt };
}
