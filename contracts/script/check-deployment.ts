#!/usr/bin/env tsx
// Smoke check of a deployments file against the live chain: every recorded address has code, and
// the stablecoin answers the calls the API and indexer rely on (decimals, symbol, balanceOf).
// Exits non-zero when something is missing, so CI and `npm run up` can use it after deploy.ts.
// Env: RPC_URL, ATELIER_DEPLOYMENTS (same defaults as deploy.ts).
import { createPublicClient, erc20Abi, formatUnits, http } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';

import { readDeployments } from '@atelier/chain';

import { ANVIL_MNEMONIC, DEFAULT_RPC_URL } from './deploy/config';
import { deploymentsPath } from './deploy/deployments-file';

const DEMO_ACCOUNTS = 3;

function line(message: string): void {
  process.stdout.write(`[check] ${message}\n`);
}

async function main(): Promise<number> {
  const rpcUrl = process.env.RPC_URL ?? DEFAULT_RPC_URL;
  const client = createPublicClient({ transport: http(rpcUrl, { retryCount: 0, timeout: 5_000 }) });
  const chainId = await client.getChainId().catch((err: unknown) => {
    throw new Error(
      `cannot reach ${rpcUrl}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
    );
  });
  const file = deploymentsPath(chainId);
  const deployments = readDeployments(file);
  if (deployments.chainId !== chainId) {
    line(`${file} is for chain ${deployments.chainId}, the RPC is chain ${chainId}`);
    return 1;
  }

  let failures = 0;
  for (const [name, { address }] of Object.entries(deployments.contracts)) {
    const code = await client.getCode({ address });
    const ok = code !== undefined && code !== '0x';
    if (!ok) failures++;
    line(`${name} at ${address}: ${ok ? `${(code.length - 2) / 2} bytes of code` : 'NO CODE'}`);
  }

  const token = deployments.contracts.TestStablecoin?.address;
  if (token) {
    const [symbol, decimals] = await Promise.all([
      client.readContract({ address: token, abi: erc20Abi, functionName: 'symbol' }),
      client.readContract({ address: token, abi: erc20Abi, functionName: 'decimals' }),
    ]);
    line(`TestStablecoin: symbol ${symbol}, decimals ${decimals}`);
    if (decimals !== 6) failures++;
    for (let i = 0; i < DEMO_ACCOUNTS; i++) {
      const holder = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: i }).address;
      const balance = await client.readContract({
        address: token,
        abi: erc20Abi,
        functionName: 'balanceOf',
        args: [holder],
      });
      line(`  balanceOf(${holder}) = ${formatUnits(balance, decimals)} ${symbol}`);
    }
  }
  line(failures === 0 ? 'ok' : `${failures} problem(s)`);
  return failures === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`[check] ERROR: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
