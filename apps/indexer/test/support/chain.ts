// The chain side of indexer specs and benchmarks, on a real anvil: transfers, a "spray"
// contract that emits many stablecoin Transfers per transaction (cheap history), Marketplace
// trades of freshly minted works (signed orders settled by the operator), anvil_reorg, and the
// canonical logs to compare what consumers believe against.
import solc from 'solc';
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  encodeFunctionData,
  http,
  keccak256,
  parseAbi,
  toHex,
  type Address,
  type Hex,
  type PrivateKeyAccount,
  type PublicClient,
} from 'viem';
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';
import {
  marketplaceAbi,
  marketplaceDomain,
  OrderKind,
  testStablecoinAbi,
  type SignedOrder,
} from '@atelier/contracts-abi';
import {
  approveMarketplace,
  createOrder,
  deposit,
  encodeSettleBatch,
  mintArtwork,
  settleBatch,
  writeAndWait,
} from '@atelier/chain-actions';
import { readDeployments } from '@atelier/chain';
import { factId } from '@atelier/chain-messages';
import { resolveIndexedContracts } from '../../contracts';

const MNEMONIC = 'test test test test test test test test test test test junk';
export const account = (index: number) =>
  mnemonicToAccount(MNEMONIC, { addressIndex: index }).address;

const SPRAY_SOURCE = `// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;
interface IERC20 { function transfer(address to, uint256 value) external returns (bool); }
/// Emits n Transfers of the token from this contract, to 16 fixed addresses in turn.
contract Spray {
  function spray(address token, uint256 n) external {
    for (uint256 i = 0; i < n; i++) IERC20(token).transfer(address(uint160(0x10000 + (i % 16))), 1);
  }
}`;
const sprayAbi = parseAbi(['function spray(address token, uint256 n)']);

function compileSpray(): Hex {
  const out = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: 'Solidity',
        sources: { 'Spray.sol': { content: SPRAY_SOURCE } },
        settings: {
          optimizer: { enabled: true, runs: 200 },
          outputSelection: { '*': { '*': ['evm.bytecode.object'] } },
        },
      }),
    ),
  ) as {
    contracts: { 'Spray.sol': { Spray: { evm: { bytecode: { object: string } } } } };
    errors?: { severity: string; message: string }[];
  };
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0)
    throw new Error(`Spray does not compile: ${errors.map((e) => e.message).join('; ')}`);
  return `0x${out.contracts['Spray.sol'].Spray.evm.bytecode.object}`;
}

/** Operator of the Marketplace in the test stack's deployment (deploy.ts grants it). */
const OPERATOR = 9;
export const TRADE_PRICE = 250_000_000n; // 250 tUSD

/** A minted work, listed by its seller, with bids of several buyers ready to be settled. */
export interface TradeSetup {
  readonly tokenId: bigint;
  readonly seller: Address;
  readonly buyers: readonly Address[];
  readonly ask: SignedOrder;
  readonly bids: readonly SignedOrder[];
}

export class TestChain {
  readonly client: PublicClient;
  readonly chainId: number;
  readonly stablecoin: Address;
  private readonly chain;
  private spray?: Address;
  readonly registry?: Address;
  readonly marketplace?: Address;
  private readonly keyRun = Math.random().toString(36).slice(2);
  private keys = 0;

  constructor(
    readonly rpcUrl: string,
    readonly deploymentsPath: string,
  ) {
    const deployments = readDeployments(deploymentsPath);
    this.chainId = deployments.chainId;
    this.stablecoin = deployments.contracts['TestStablecoin']!.address;
    this.registry = deployments.contracts['ArtworkRegistry']?.address;
    this.marketplace = deployments.contracts['Marketplace']?.address;
    this.chain = defineChain({
      id: this.chainId,
      name: 'anvil',
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [rpcUrl] } },
    });
    // cacheTime 0: viem otherwise answers getBlockNumber from a 4 s cache, and specs mine blocks.
    this.client = createPublicClient({
      chain: this.chain,
      transport: http(rpcUrl),
      cacheTime: 0,
    }) as PublicClient;
  }

  private wallet(from: number | PrivateKeyAccount) {
    return createWalletClient({
      chain: this.chain,
      account: typeof from === 'number' ? account(from) : from,
      transport: http(this.rpcUrl),
    });
  }

  /** A fresh key (never used on this chain before), funded with 10 ETH. */
  private async freshAccount(): Promise<PrivateKeyAccount> {
    const a = privateKeyToAccount(
      keccak256(toHex(`atelier-indexer-it:${this.keyRun}:${this.keys++}`)),
    );
    await this.rpc('anvil_setBalance', [a.address, toHex(10n ** 19n)]);
    return a;
  }

  private send(from: number | PrivateKeyAccount, call: Parameters<typeof writeAndWait>[1]) {
    return writeAndWait(this.wallet(from), call);
  }

  private market(): { registry: Address; marketplace: Address } {
    if (!this.registry || !this.marketplace)
      throw new Error('the deployments file has no ArtworkRegistry/Marketplace');
    return { registry: this.registry, marketplace: this.marketplace };
  }

  /**
   * A work minted (by a fresh creator, to a fresh seller, who approves the Marketplace), its ask,
   * and one token bid per buyer (fresh accounts with TRADE_PRICE deposited in the Marketplace):
   * any one bid can be settled against the ask.
   */
  async prepareTrade(buyerCount = 1): Promise<TradeSetup> {
    const { registry, marketplace } = this.market();
    const creator = await this.freshAccount();
    const seller = await this.freshAccount();
    const n = this.keys;
    const { tokenId } = await mintArtwork(this.wallet(creator), {
      registry,
      to: seller.address,
      work: {
        prompt: `prompt ${this.keyRun} ${n}`,
        manifest: `manifest ${this.keyRun} ${n}`,
        manifestURI: `ipfs://indexer-it/${this.keyRun}/${n}`,
        seed: BigInt(n),
        contributors: [{ account: (await this.freshAccount()).address, bps: 100 }],
      },
      royaltyBps: 500,
    });
    await approveMarketplace(this.wallet(seller), { collection: registry, marketplace });
    const buyers: PrivateKeyAccount[] = [];
    for (let i = 0; i < buyerCount; i++) {
      const buyer = await this.freshAccount();
      await this.send(buyer, {
        address: this.stablecoin,
        abi: testStablecoinAbi,
        functionName: 'mint',
        args: [buyer.address, TRADE_PRICE],
      });
      await deposit(this.wallet(buyer), {
        marketplace,
        currency: this.stablecoin,
        amount: TRADE_PRICE,
      });
      buyers.push(buyer);
    }
    const now = (await this.client.getBlock()).timestamp;
    const domain = marketplaceDomain(this.chainId, marketplace);
    const sign = (maker: PrivateKeyAccount, kind: OrderKind): Promise<SignedOrder> =>
      createOrder(maker, {
        domain,
        kind,
        collection: registry,
        tokenId,
        currency: this.stablecoin,
        price: TRADE_PRICE,
        now,
        lifetime: 3600n,
        nonce: 1n,
      });
    return {
      tokenId,
      seller: seller.address,
      buyers: buyers.map((b) => b.address),
      ask: await sign(seller, OrderKind.Ask),
      bids: await Promise.all(buyers.map((b) => sign(b, OrderKind.TokenBid))),
    };
  }

  /** settleBatch of the ask against the `buyer`th bid, sent by the operator, mined at once. */
  async settleTrade(
    trade: TradeSetup,
    buyer = 0,
  ): Promise<{ hash: Hex; blockNumber: bigint; blockHash: Hex }> {
    const r = await settleBatch(this.wallet(OPERATOR), {
      marketplace: this.market().marketplace,
      pairs: [{ ask: trade.ask, bid: trade.bids[buyer]! }],
    });
    return { hash: r.transactionHash, blockNumber: r.blockNumber, blockHash: r.blockHash };
  }

  /** The same settleBatch as calldata, for replacement transactions in anvil_reorg. */
  settleTradeRequest(trade: TradeSetup, buyer = 0) {
    return {
      from: account(OPERATOR),
      to: this.market().marketplace,
      data: encodeFunctionData({
        abi: marketplaceAbi,
        functionName: 'settleBatch',
        args: [encodeSettleBatch({ pairs: [{ ask: trade.ask, bid: trade.bids[buyer]! }] }).batch],
      }),
      gas: '0x100000',
    };
  }

  rpc<T>(method: string, params: unknown[] = []): Promise<T> {
    return this.client.request({ method: method as never, params: params as never }) as Promise<T>;
  }

  /** A stablecoin transfer from anvil account `from` (unlocked: anvil signs), mined at once. */
  async transfer(
    from: number,
    to: Address,
    amount: bigint,
  ): Promise<{ hash: Hex; blockNumber: bigint; blockHash: Hex }> {
    const hash = await this.wallet(from).writeContract({
      address: this.stablecoin,
      abi: testStablecoinAbi,
      functionName: 'transfer',
      args: [to, amount],
    });
    const r = await this.client.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    return { hash, blockNumber: r.blockNumber, blockHash: r.blockHash };
  }

  /** The calldata of a transfer, for replacement transactions in anvil_reorg. */
  transferRequest(from: number, to: Address, amount: bigint) {
    return {
      from: account(from),
      to: this.stablecoin,
      data: encodeFunctionData({
        abi: testStablecoinAbi,
        functionName: 'transfer',
        args: [to, amount],
      }),
      gas: '0x30000',
    };
  }

  async mine(blocks = 1): Promise<void> {
    await this.rpc('anvil_mine', [`0x${blocks.toString(16)}`]);
  }

  /**
   * Replaces the last `depth` blocks by new ones holding only `replacements` (each [request, block
   * offset from the fork point]); the replaced blocks' own transactions are dropped.
   */
  async reorg(
    depth: number,
    replacements: readonly [Record<string, unknown>, number][],
  ): Promise<void> {
    await this.rpc('anvil_reorg', [depth, replacements]);
  }

  /** `txs` transactions of `perTx` stablecoin Transfers each (txs * perTx facts), mined one per block. */
  async sprayTransfers(txs: number, perTx: number): Promise<void> {
    const deployer = this.wallet(9);
    if (!this.spray) {
      const hash = await deployer.deployContract({ abi: sprayAbi, bytecode: compileSpray() });
      const r = await this.client.waitForTransactionReceipt({ hash, pollingInterval: 50 });
      this.spray = r.contractAddress!;
    }
    // Each spray consumes perTx units; mint once for all of them.
    const mint = await deployer.writeContract({
      address: this.stablecoin,
      abi: testStablecoinAbi,
      functionName: 'mint',
      args: [this.spray, BigInt(txs * perTx)],
    });
    await this.client.waitForTransactionReceipt({ hash: mint, pollingInterval: 50 });
    const nonce = await this.client.getTransactionCount({
      address: account(9),
      blockTag: 'pending',
    });
    const hashes: Hex[] = [];
    for (let i = 0; i < txs; i++) {
      hashes.push(
        await deployer.writeContract({
          address: this.spray,
          abi: sprayAbi,
          functionName: 'spray',
          args: [this.stablecoin, BigInt(perTx)],
          nonce: nonce + i,
          gas: BigInt(60_000 + perTx * 12_000),
        }),
      );
    }
    for (const hash of hashes) {
      const r = await this.client.waitForTransactionReceipt({ hash, pollingInterval: 50 });
      if (r.status !== 'success') throw new Error(`spray ${hash} reverted`);
    }
  }

  /** Addresses the indexer follows (the deployed contracts of INDEXED_CONTRACTS). */
  indexedAddresses(): Address[] {
    return resolveIndexedContracts(
      readDeployments(this.deploymentsPath),
      this.deploymentsPath,
    ).contracts.map((c) => c.address);
  }

  /** Fact ids of every log of the indexed contracts in one block. */
  async factIdsOfBlock(blockHash: Hex): Promise<Set<string>> {
    const logs = await this.client.getLogs({ address: this.indexedAddresses(), blockHash });
    return new Set(logs.map((l) => factId(this.chainId, l.blockHash, l.logIndex)));
  }

  /** Fact ids of every log of the indexed contracts on the canonical chain, from block 0. */
  async canonicalFactIds(toBlock?: bigint): Promise<Set<string>> {
    const last = toBlock ?? (await this.client.getBlockNumber());
    const address = this.indexedAddresses();
    const ids = new Set<string>();
    // In slices: a spray block alone carries ~300 kB of logs.
    for (let from = 0n; from <= last; from += 10n) {
      const to = from + 9n < last ? from + 9n : last;
      const logs = await this.client.getLogs({ address, fromBlock: from, toBlock: to });
      for (const l of logs) ids.add(factId(this.chainId, l.blockHash!, l.logIndex!));
    }
    return ids;
  }
}
