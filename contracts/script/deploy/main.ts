// One deploy run: connect, load the artifacts, keep what is still live, deploy the rest in order,
// fund the demo accounts on a fresh local chain, reconcile every contract's settings, and record
// the result in the deployments file (only when something changed).
import {
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
} from 'viem';

import type { ContractDeployment } from '@atelier/chain';

import { type Artifact, isLive, loadArtifact } from './artifacts';
import { DEFAULT_RPC_URL, LOCAL_CHAIN_IDS, deployerAccount, readConfig } from './config';
import { CONTRACTS, type DeployContext, recordedSettings } from './contracts';
import { mintDemoFunds } from './demo-funds';
import { deploymentsPath, readPreviousDeployments, writeDeploymentsFile } from './deployments-file';
import { DeployError, RpcUnreachableError } from './errors';
import { status } from './log';
import { deployOne, ensureSetting } from './transactions';

export async function deploy(): Promise<void> {
  const rpcUrl = process.env.RPC_URL ?? DEFAULT_RPC_URL;
  const transport = http(rpcUrl, { timeout: 10_000, retryCount: 0 });
  const probe = createPublicClient({ transport });

  let chainId: number;
  try {
    chainId = await probe.getChainId();
  } catch (err) {
    throw new RpcUnreachableError(rpcUrl, err);
  }
  const isLocal = LOCAL_CHAIN_IDS.has(chainId);
  const account = deployerAccount(chainId);
  const config = readConfig(chainId, isLocal);

  const chain: Chain = defineChain({
    id: chainId,
    name: isLocal ? 'Atelier local' : `chain ${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const pollingInterval = isLocal ? 100 : 2_000;
  const publicClient = createPublicClient({ chain, transport, pollingInterval });
  const outFile = deploymentsPath(chainId);

  const specs = CONTRACTS.filter((spec) => isLocal || !spec.localOnly);
  if (specs.length === 0) {
    status(`nothing to deploy on chain ${chainId}: every contract in the list is local-only`);
    return;
  }
  const artifacts = new Map<string, Artifact>();
  for (const spec of specs) artifacts.set(spec.name, await loadArtifact(spec.name, spec.file));

  // Reuse the longest prefix of the list that is still live: later entries may take earlier
  // addresses as constructor arguments, so everything after the first stale one is redeployed.
  const previous = readPreviousDeployments(outFile);
  const kept: Record<string, ContractDeployment> = {};
  if (previous && previous.chainId === chainId) {
    for (const spec of specs) {
      const recorded = previous.contracts[spec.name];
      if (!recorded || !(await isLive(publicClient, recorded, artifacts.get(spec.name)!))) break;
      kept[spec.name] = recorded;
    }
  } else if (previous) {
    status(`${outFile} is for chain ${previous.chainId}, not ${chainId}: deploying afresh`);
  }

  const wallet = createWalletClient({ account, chain, transport, pollingInterval });
  const allKept = Object.keys(kept).length === specs.length;
  if (!allKept) status(`chain ${chainId} at ${rpcUrl}, deployer ${account.address}`);

  const contracts: Record<string, ContractDeployment> = { ...kept };
  const addresses: Record<string, Address> = Object.fromEntries(
    Object.entries(kept).map(([name, d]) => [name, d.address]),
  );
  for (const spec of specs) {
    if (kept[spec.name]) {
      if (!allKept) status(`${spec.name}: kept at ${kept[spec.name]!.address}`);
      continue;
    }
    const ctx: DeployContext = { deployed: addresses, deployer: account.address, config };
    const deployment = await deployOne(wallet, publicClient, spec, artifacts.get(spec.name)!, ctx);
    contracts[spec.name] = deployment;
    addresses[spec.name] = deployment.address;
    status(`${spec.name}: deployed at ${deployment.address} (block ${deployment.startBlock})`);
  }

  if (isLocal && contracts.TestStablecoin && !kept.TestStablecoin) {
    await mintDemoFunds(
      wallet,
      publicClient,
      contracts.TestStablecoin.address,
      artifacts.get('TestStablecoin')!,
    );
  }

  // Settings hold on the chain whether the contract is new or kept (idempotent: read, then write
  // only what differs), so a changed MARKETPLACE_OPERATOR applies without a redeployment.
  const settings: Record<string, Record<string, unknown>> = {};
  let changedSettings = 0;
  for (const spec of specs) {
    if (!spec.settings) continue;
    const ctx: DeployContext = {
      deployed: addresses,
      deployer: account.address,
      config,
      ...(kept[spec.name] ? { recorded: previous?.settings?.[spec.name] } : {}),
    };
    const address = contracts[spec.name]!.address;
    const specSettings = spec.settings(ctx);
    for (const setting of specSettings) {
      changedSettings += await ensureSetting(
        wallet,
        publicClient,
        spec.name,
        address,
        artifacts.get(spec.name)!,
        setting,
      );
    }
    settings[spec.name] = recordedSettings(specSettings);
  }

  const sameSettings = JSON.stringify(previous?.settings ?? {}) === JSON.stringify(settings);
  if (allKept && changedSettings === 0 && sameSettings) {
    status(`already deployed on chain ${chainId} (${outFile}): ${describe(kept)}`);
    return;
  }

  writeDeploymentsFile(outFile, {
    chainId,
    rpcUrl,
    deployedAt: allKept && previous ? previous.deployedAt : new Date().toISOString(),
    contracts,
    settings,
  });
  status(`wrote ${outFile}`);
}

function describe(contracts: Record<string, ContractDeployment>): string {
  return Object.entries(contracts)
    .map(([name, d]) => `${name} ${d.address}`)
    .join(', ');
}

/** Runs {@link deploy} as a CLI: a DeployError prints its message only, anything else its stack. */
export function runDeployCli(): void {
  deploy().catch((err: unknown) => {
    if (err instanceof DeployError) {
      process.stderr.write(`[deploy] ERROR ${err.name}: ${err.message}\n`);
    } else {
      process.stderr.write(
        `[deploy] ERROR: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
    }
    process.exit(1);
  });
}
