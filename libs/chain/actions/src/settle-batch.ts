// The operator settles matched pairs in one `settleBatch` transaction (the Marketplace skips a
// pair that no longer fills and says why in `PairSkipped`).
import { marketplaceAbi } from '@atelier/contracts-abi';
import type { TransactionReceipt } from 'viem';

import { type EncodeSettleBatchParameters, encodeSettleBatch } from './encode-settle-batch';
import { type SendingClient, writeAndWait } from './write-and-wait';

export type SettleBatchParameters = EncodeSettleBatchParameters & {
  readonly marketplace: `0x${string}`;
  readonly gas?: bigint;
};

export type SettleBatchReturnType = TransactionReceipt;

export function settleBatch(
  client: SendingClient,
  { marketplace, pairs, gas }: SettleBatchParameters,
): Promise<SettleBatchReturnType> {
  return writeAndWait(client, {
    address: marketplace,
    abi: marketplaceAbi,
    functionName: 'settleBatch',
    args: [encodeSettleBatch({ pairs }).batch],
    ...(gas === undefined ? {} : { gas }),
  });
}
