// Ponder configuration: chain and contract addresses come from the environment and the
// deployments file, never from literals, so the same build indexes anvil or a real chain.
// The contracts are the ones in contracts.ts (INDEXED_CONTRACTS) that are generated and deployed.
import pino from 'pino';
import { createConfig } from 'ponder';
import { indexerSetup } from './setup';
import { purgeStaleSyncCache } from './sync-cache';

const { env, contracts } = indexerSetup();

// Ponder caches RPC data per chain id across schemas (ponder_sync). A restarted anvil is a new
// chain under the same id, so on local chains the cache is not trusted: rows of another chain
// are dropped before Ponder starts (sync-cache.ts), and Ponder does not reuse cached ranges
// (as it recommends for anvil). Real chains keep the cache.
const localChain = env.CHAIN_ID === 31337 || env.CHAIN_ID === 1337;
const rpcCache = env.INDEXER_RPC_CACHE ?? (localChain ? 'off' : 'on');
if (localChain) {
  const stale = await purgeStaleSyncCache({
    databaseUrl: env.INDEXER_DATABASE_URL,
    rpcUrl: env.RPC_URL,
    chainId: env.CHAIN_ID,
  });
  if (stale) {
    pino({ name: 'indexer', base: { app: 'indexer' } }).warn(
      stale,
      'dropped the ponder_sync rows of a previous chain with the same id',
    );
  }
}

export default createConfig({
  database: { kind: 'postgres', connectionString: env.INDEXER_DATABASE_URL },
  chains: {
    atelier: {
      id: env.CHAIN_ID,
      rpc: env.RPC_URL,
      pollingInterval: env.INDEXER_POLLING_INTERVAL_MS,
      disableCache: rpcCache === 'off',
    },
  },
  contracts: Object.fromEntries(
    contracts.map((c) => [
      c.name,
      { chain: 'atelier' as const, abi: c.abi, address: c.address, startBlock: c.startBlock },
    ]),
  ),
});
