// A bidder funds its Marketplace ledger (bids are paid from it): the ERC-20 allowance when it is
// short, then `deposit(currency, amount)`.
import { marketplaceAbi } from '@atelier/contracts-abi';
import { type TransactionReceipt, erc20Abi } from 'viem';
import { readContract } from 'viem/actions';

import { type SendingClient, writeAndWait } from './write-and-wait';

export interface DepositParameters {
  readonly marketplace: `0x${string}`;
  readonly currency: `0x${string}`;
  readonly amount: bigint;
}

export type DepositReturnType = TransactionReceipt;

export async function deposit(
  client: SendingClient,
  { marketplace, currency, amount }: DepositParameters,
): Promise<DepositReturnType> {
  const allowance = await readContract(client, {
    address: currency,
    abi: erc20Abi,
    functionName: 'allowance',
    args: [client.account.address, marketplace],
  });
  if (allowance < amount)
    await writeAndWait(client, {
      address: currency,
      abi: erc20Abi,
      functionName: 'approve',
      args: [marketplace, amount],
    });
  return writeAndWait(client, {
    address: marketplace,
    abi: marketplaceAbi,
    functionName: 'deposit',
    args: [currency, amount],
  });
}
