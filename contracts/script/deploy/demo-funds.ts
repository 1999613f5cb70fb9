// Demo money on local chains: the first anvil accounts get tUSD as soon as the TestStablecoin is
// deployed, so the demo can buy art right away.
import type { Address, Hex, PublicClient } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';

import type { Artifact } from './artifacts';
import { ANVIL_MNEMONIC } from './config';
import { TransactionFailedError } from './errors';
import { status } from './log';
import type { DeployWallet } from './transactions';

/** This many anvil accounts (from index 0) get DEMO_MINT_AMOUNT each. */
const DEMO_ACCOUNTS = 5;
const DEMO_MINT_AMOUNT = 1_000_000n * 10n ** 6n; // 1,000,000 tUSD (6 decimals)

export async function mintDemoFunds(
  wallet: DeployWallet,
  client: PublicClient,
  token: Address,
  artifact: Artifact,
): Promise<void> {
  const recipients = Array.from(
    { length: DEMO_ACCOUNTS },
    (_, i) => mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: i }).address,
  );
  // Explicit nonces: send them all, then wait once (fast with ANVIL_BLOCK_TIME too).
  let nonce = await client.getTransactionCount({
    address: wallet.account.address,
    blockTag: 'pending',
  });
  const hashes: Hex[] = [];
  for (const to of recipients) {
    hashes.push(
      await wallet.writeContract({
        address: token,
        abi: artifact.abi,
        functionName: 'mint',
        args: [to, DEMO_MINT_AMOUNT],
        nonce: nonce++,
      }),
    );
  }
  for (const hash of hashes) {
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success')
      throw new TransactionFailedError(`demo mint ${hash} reverted`, { hash });
  }
  status(
    `minted ${DEMO_MINT_AMOUNT / 10n ** 6n} tUSD to each of ${recipients.length} anvil accounts`,
  );
}
