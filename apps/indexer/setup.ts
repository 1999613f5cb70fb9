// What the Ponder process derives from its environment, computed once and shared by
// ponder.config.ts and the indexing functions: the validated env, the deployments file (for
// the chain the RPC is on) and the contracts to index.
import { readDeployments, type Deployments } from '@atelier/chain';
import { loadIndexerEnv, type IndexerEnv } from './env';
import { resolveIndexedContracts, type IndexedContract } from './contracts';

export interface IndexerSetup {
  readonly env: IndexerEnv;
  readonly deployments: Deployments;
  readonly contracts: readonly IndexedContract[];
  readonly skipped: readonly { name: string; reason: string }[];
  /** Keep only stablecoin facts that concern the Marketplace (its address, or a transaction sent to it). */
  readonly stablecoinScope:
    | { readonly kind: 'all' }
    | { readonly kind: 'marketplace'; readonly marketplace: `0x${string}` };
}

let cached: IndexerSetup | undefined;

export function indexerSetup(): IndexerSetup {
  if (cached) return cached;
  const env = loadIndexerEnv();
  const deployments = readDeployments(env.ATELIER_DEPLOYMENTS);
  if (deployments.chainId !== env.CHAIN_ID) {
    throw new Error(
      `deployments file ${env.ATELIER_DEPLOYMENTS} is for chain ${deployments.chainId}, CHAIN_ID is ${env.CHAIN_ID}`,
    );
  }
  const { contracts, skipped } = resolveIndexedContracts(deployments, env.ATELIER_DEPLOYMENTS);
  const marketplace = contracts.find((c) => c.name === 'Marketplace')?.address;
  const scope = env.INDEXER_STABLECOIN_SCOPE ?? (marketplace ? 'marketplace' : 'all');
  if (scope === 'marketplace' && !marketplace) {
    throw new Error(
      'INDEXER_STABLECOIN_SCOPE=marketplace needs a Marketplace in the deployments file',
    );
  }
  cached = {
    env,
    deployments,
    contracts,
    skipped,
    stablecoinScope:
      scope === 'marketplace'
        ? { kind: 'marketplace', marketplace: marketplace!.toLowerCase() as `0x${string}` }
        : { kind: 'all' },
  };
  return cached;
}
