// A seller lets the Marketplace move its tokens of a collection (`setApprovalForAll`), which
// every ask needs before it can be fillable.
import { type TransactionReceipt, erc721Abi } from 'viem';

import { type SendingClient, writeAndWait } from './write-and-wait';

export interface ApproveMarketplaceParameters {
  readonly collection: `0x${string}`;
  readonly marketplace: `0x${string}`;
  /** False revokes (default true). */
  readonly approved?: boolean;
}

export type ApproveMarketplaceReturnType = TransactionReceipt;

export function approveMarketplace(
  client: SendingClient,
  { collection, marketplace, approved = true }: ApproveMarketplaceParameters,
): Promise<ApproveMarketplaceReturnType> {
  return writeAndWait(client, {
    address: collection,
    abi: erc721Abi,
    functionName: 'setApprovalForAll',
    args: [marketplace, approved],
  });
}
