// RPC readiness: the node answers, is on the chain we were configured for, and has a head.
import { createPublicClient, http, type PublicClient } from 'viem';
import type { DependencyCheck } from '@atelier/health';

export function rpcHealthCheck(rpcUrl: string, expectedChainId: number): DependencyCheck {
  const client: PublicClient = createPublicClient({
    transport: http(rpcUrl, { timeout: 2000, retryCount: 0 }),
  });
  return {
    name: 'rpc',
    async check() {
      const [chainId, blockNumber] = await Promise.all([
        client.getChainId(),
        client.getBlockNumber(),
      ]);
      if (chainId !== expectedChainId) {
        throw new Error(`RPC ${rpcUrl} is on chain ${chainId}, expected ${expectedChainId}`);
      }
      return { chainId, blockNumber: Number(blockNumber) };
    },
  };
}
