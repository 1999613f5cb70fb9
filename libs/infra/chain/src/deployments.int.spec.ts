// The deploy script's output is usable as the apps use it: the deployments file parses,
// and the contracts answer through viem on the real anvil chain.
import { createPublicClient, createWalletClient, http, parseUnits } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { marketplaceAbi, testStablecoinAbi } from '@atelier/contracts-abi';
import { readDeployments } from './deployments';

const rpcUrl = process.env['RPC_URL']!;
const deployments = readDeployments(process.env['ATELIER_DEPLOYMENTS']!);
const anvilMnemonic = 'test test test test test test test test test test test junk';

describe('deployed contracts (real anvil)', () => {
  const client = createPublicClient({ transport: http(rpcUrl) });
  const stablecoin = deployments.contracts['TestStablecoin']!;

  it('the deployments file names the chain the RPC is on', async () => {
    expect(deployments.chainId).toBe(await client.getChainId());
    expect(await client.getCode({ address: stablecoin.address })).toMatch(/^0x[0-9a-f]{10,}/);
  });

  it('keeps the settings the deploy script reconciled: the Marketplace operator holds its role', async () => {
    const operator = deployments.settings?.Marketplace?.operator;
    expect(operator).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(deployments.settings?.Marketplace?.currencies).toContain(stablecoin.address);
    const isOperator = await client.readContract({
      address: deployments.contracts['Marketplace']!.address,
      abi: marketplaceAbi,
      functionName: 'isOperator',
      args: [operator!],
    });
    expect(isOperator).toBe(true);
  });

  it('TestStablecoin is callable: metadata, demo balances, and a transfer', async () => {
    const read = <F extends 'decimals' | 'symbol'>(functionName: F) =>
      client.readContract({ address: stablecoin.address, abi: testStablecoinAbi, functionName });
    expect(await read('decimals')).toBe(6);
    expect(await read('symbol')).toBe('tUSD');

    const alice = mnemonicToAccount(anvilMnemonic, { addressIndex: 1 });
    const bob = mnemonicToAccount(anvilMnemonic, { addressIndex: 2 });
    const balance = (address: `0x${string}`) =>
      client.readContract({
        address: stablecoin.address,
        abi: testStablecoinAbi,
        functionName: 'balanceOf',
        args: [address],
      });
    const [aliceBefore, bobBefore] = await Promise.all([
      balance(alice.address),
      balance(bob.address),
    ]);
    expect(aliceBefore).toBeGreaterThan(parseUnits('1', 6));

    const wallet = createWalletClient({ account: alice, transport: http(rpcUrl) });
    const chainId = await client.getChainId();
    const hash = await wallet.writeContract({
      chain: {
        id: chainId,
        name: 'anvil',
        nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
        rpcUrls: { default: { http: [rpcUrl] } },
      },
      address: stablecoin.address,
      abi: testStablecoinAbi,
      functionName: 'transfer',
      args: [bob.address, parseUnits('1.5', 6)],
    });
    const receipt = await client.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe('success');
    expect(await balance(alice.address)).toBe(aliceBefore - 1_500_000n);
    expect(await balance(bob.address)).toBe(bobBefore + 1_500_000n);
  });
});
