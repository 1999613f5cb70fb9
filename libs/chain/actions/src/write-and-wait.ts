// Sends one contract call from the client's account and waits for it to be mined; a revert is a
// ChainActionError. The transaction helpers below (mint, approve, deposit, settle) go through it.
import type {
  Abi,
  Account,
  Chain,
  Client,
  ContractFunctionArgs,
  ContractFunctionName,
  TransactionReceipt,
  Transport,
} from 'viem';
import { waitForTransactionReceipt, writeContract } from 'viem/actions';

import { ChainActionError } from './errors';

/** A client that can send: a wallet client with an account (and usually a chain). */
export type SendingClient = Client<Transport, Chain | undefined, Account>;

export interface WriteAndWaitParameters<
  abi extends Abi = Abi,
  name extends ContractFunctionName<abi, 'nonpayable' | 'payable'> = ContractFunctionName<
    abi,
    'nonpayable' | 'payable'
  >,
> {
  readonly address: `0x${string}`;
  readonly abi: abi;
  readonly functionName: name;
  readonly args: ContractFunctionArgs<abi, 'nonpayable' | 'payable', name>;
  readonly gas?: bigint;
}

export type WriteAndWaitReturnType = TransactionReceipt;

export async function writeAndWait<
  const abi extends Abi,
  name extends ContractFunctionName<abi, 'nonpayable' | 'payable'>,
>(client: SendingClient, call: WriteAndWaitParameters<abi, name>): Promise<WriteAndWaitReturnType> {
  let hash: `0x${string}`;
  try {
    hash = await writeContract(client, {
      ...call,
      account: client.account,
      chain: client.chain,
    } as never);
  } catch (cause) {
    throw new ChainActionError(
      'CHAIN.REVERTED',
      `${call.functionName} was refused`,
      { address: call.address, functionName: call.functionName },
      { cause },
    );
  }
  const receipt = await waitForTransactionReceipt(client, { hash, pollingInterval: 50 });
  if (receipt.status !== 'success')
    throw new ChainActionError('CHAIN.REVERTED', `${call.functionName} reverted`, {
      address: call.address,
      functionName: call.functionName,
      transactionHash: hash,
    });
  return receipt;
}
