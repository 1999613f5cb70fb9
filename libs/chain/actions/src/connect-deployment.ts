// The clients of one Atelier deployment, from its deployments file and an RPC URL: the chain
// definition, a public client, wallet clients for any account, an anvil test client, the
// contracts' addresses and the Marketplace's EIP-712 domain. What every script, bench and spec
// that drives the contracts sets up first.
import { type Deployments, readDeployments } from '@atelier/chain';
import { type MarketplaceDomain, marketplaceDomain } from '@atelier/contracts-abi';
import {
  type Account,
  type Address,
  type Chain,
  type HttpTransport,
  type PublicClient,
  type TestClient,
  type WalletClient,
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  http,
} from 'viem';

import { ChainActionError } from './errors';

export interface ConnectDeploymentParameters {
  readonly rpcUrl: string;
  /** The deployments file's path, or its parsed contents. */
  readonly deployments: string | Deployments;
  /** The chain's display name (default `local`). */
  readonly name?: string;
  /** Per-request timeout, ms (viem's default 10 s is short for big batches on a busy anvil). */
  readonly timeout?: number;
  /**
   * 0 turns viem's block-number cache off (specs that mine blocks want it off): it keeps a number
   * for the client's polling interval, 50 ms here, and a receipt can be seen before its block's
   * number is.
   */
  readonly cacheTime?: number;
}

export interface ConnectDeploymentReturnType {
  readonly deployments: Deployments;
  readonly chain: Chain;
  readonly transport: HttpTransport;
  readonly client: PublicClient;
  /** anvil's cheat codes (setBalance, mine), for local chains. */
  readonly testClient: TestClient<'anvil'>;
  /** A wallet client of `account` (a local account, or an address the node signs for). */
  wallet(account: Account | Address): WalletClient<HttpTransport, Chain, Account>;
  /** The address of a deployed contract; throws CHAIN.NOT_DEPLOYED when the file lacks it. */
  address(contract: 'TestStablecoin' | 'ArtworkRegistry' | 'Marketplace' | (string & {})): Address;
  /** The Marketplace's EIP-712 domain on this chain. */
  domain(): MarketplaceDomain;
}

export function connectDeployment({
  rpcUrl,
  deployments,
  name = 'local',
  timeout,
  cacheTime,
}: ConnectDeploymentParameters): ConnectDeploymentReturnType {
  const file = typeof deployments === 'string' ? readDeployments(deployments) : deployments;
  const chain = defineChain({
    id: file.chainId,
    name,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const transport = http(rpcUrl, timeout === undefined ? {} : { timeout });
  const address = (contract: string): Address => {
    const entry = file.contracts[contract];
    if (!entry)
      throw new ChainActionError('CHAIN.NOT_DEPLOYED', `${contract} is not in the deployments`, {
        contract,
        chainId: file.chainId,
      });
    return entry.address;
  };
  return {
    deployments: file,
    chain,
    transport,
    client: createPublicClient({
      chain,
      transport,
      pollingInterval: 50,
      ...(cacheTime === undefined ? {} : { cacheTime }),
    }) as PublicClient,
    testClient: createTestClient({ chain, transport, mode: 'anvil' }),
    wallet: (account) => createWalletClient({ account, chain, transport }),
    address,
    domain: () => marketplaceDomain(file.chainId, address('Marketplace')),
  };
}
