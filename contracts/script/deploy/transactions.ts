// The deploy script's writes to the chain: a contract creation, and a setting made to hold. Each
// waits for its receipt and turns a revert into a TransactionFailedError naming the call.
import {
  type Address,
  type Chain,
  type Hex,
  type HttpTransport,
  type PublicClient,
  type WalletClient,
  getAddress,
} from 'viem';
import type { PrivateKeyAccount } from 'viem/accounts';

import type { ContractDeployment } from '@atelier/chain';

import type { Artifact } from './artifacts';
import type { ContractSpec, DeployContext, SettingSpec } from './contracts';
import { TransactionFailedError } from './errors';
import { shortReason, status } from './log';

export type DeployWallet = WalletClient<HttpTransport, Chain, PrivateKeyAccount>;

/** Deploys `spec` with its constructor arguments; the recorded start block is the creation's block. */
export async function deployOne(
  wallet: DeployWallet,
  client: PublicClient,
  spec: ContractSpec,
  artifact: Artifact,
  ctx: DeployContext,
): Promise<ContractDeployment> {
  const args = spec.args?.(ctx) ?? [];
  const hash = await wallet.deployContract({
    abi: artifact.abi,
    bytecode: artifact.bytecode.object,
    args: args as unknown[],
  });
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success' || !receipt.contractAddress) {
    throw new TransactionFailedError(`${spec.name}: deployment transaction ${hash} reverted`, {
      contract: spec.name,
      hash,
    });
  }
  return {
    address: getAddress(receipt.contractAddress),
    startBlock: Number(receipt.blockNumber),
    transactionHash: hash,
  };
}

/** Makes one setting hold: each `read` view must return `expect`, else its `write` is sent. Returns the writes sent. */
export async function ensureSetting(
  wallet: DeployWallet,
  client: PublicClient,
  contract: string,
  address: Address,
  artifact: Artifact,
  setting: SettingSpec,
): Promise<number> {
  let writes = 0;
  for (const { read, expect = true, write } of setting.ensure) {
    const holds = await client.readContract({
      address,
      abi: artifact.abi,
      functionName: read.functionName,
      args: read.args as unknown[],
    });
    if (holds === expect) continue;
    let hash: Hex;
    try {
      hash = await wallet.writeContract({
        address,
        abi: artifact.abi,
        functionName: write.functionName,
        args: write.args as unknown[],
      });
    } catch (err) {
      throw new TransactionFailedError(
        `${contract}.${write.functionName}(${write.args.join(', ')}) failed (${shortReason(err)}); ` +
          `is ${wallet.account.address} still the contract's owner?`,
        { contract, functionName: write.functionName },
      );
    }
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success')
      throw new TransactionFailedError(`${contract}.${write.functionName} ${hash} reverted`, {
        contract,
        functionName: write.functionName,
        hash,
      });
    status(`${contract}: ${write.functionName}(${write.args.join(', ')})`);
    writes++;
  }
  return writes;
}
