// Ponder configuration: chain and contract addresses come from the environment and the
// deployments file, never from literals, so the same build indexes anvil or a real chain.
import { createConfig } from 'ponder';
import { readDeployments } from '@atelier/chain';
import { testStablecoinAbi } from '@atelier/contracts-abi';
import { loadIndexerEnv } from './env';

const env = loadIndexerEnv();
const deployments = readDeployments(env.ATELIER_DEPLOYMENTS);
if (deployments.chainId !== env.CHAIN_ID) {
  throw new Error(
    `deployments file ${env.ATELIER_DEPLOYMENTS} is for chain ${deployments.chainId}, CHAIN_ID is ${env.CHAIN_ID}`,
  );
}

const deployed = (name: string) => {
  const contract = deployments.contracts[name];
  if (!contract) throw new Error(`${name} is not in ${env.ATELIER_DEPLOYMENTS}; deploy it first`);
  return { address: contract.address, startBlock: contract.startBlock };
};

export default createConfig({
  database: { kind: 'postgres', connectionString: env.INDEXER_DATABASE_URL },
  chains: {
    atelier: {
      id: env.CHAIN_ID,
      rpc: env.RPC_URL,
      pollingInterval: env.INDEXER_POLLING_INTERVAL_MS,
    },
  },
  contracts: {
    TestStablecoin: { chain: 'atelier', abi: testStablecoinAbi, ...deployed('TestStablecoin') },
  },
});
