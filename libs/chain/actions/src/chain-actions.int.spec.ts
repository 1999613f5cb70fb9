// The chain actions on the test stack's anvil and deployment: orders signed by a local viem
// account verify as the contract hashes them; a contract-wallet maker (ContractWallet, deployed
// from its forge artifact) verifies through EIP-1271 and a wrong signature does not; and the
// market's chain reads follow a mint, an approval, a deposit, a counter raise and an on-chain
// cancel, each in one eth_call (counted by a transport wrapper).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import {
  type Order,
  OrderKind,
  buildOrder,
  marketplaceAbi,
  testStablecoinAbi,
} from '@atelier/contracts-abi';
import { asAddress } from '@atelier/kernel';
import {
  type Address,
  type Hex,
  createPublicClient,
  custom,
  keccak256,
  parseEther,
  toHex,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import {
  approveMarketplace,
  connectDeployment,
  deposit,
  hashCancel,
  hashOrder,
  mintArtwork,
  readIntakeState,
  readObservations,
  royaltyKey,
  signCancel,
  signOrder,
  verifyCancelSignature,
  verifyOrderSignature,
  writeAndWait,
} from './index';

const deployment = connectDeployment({
  rpcUrl: process.env['RPC_URL']!,
  deployments: process.env['ATELIER_DEPLOYMENTS']!,
});
const { chain, transport: base, testClient, wallet } = deployment;
const usd = deployment.address('TestStablecoin');
const registry = deployment.address('ArtworkRegistry');
const market = deployment.address('Marketplace');
const domain = deployment.domain();
/** JSON-RPC methods sent through `client`, to count the multicalls. */
const requests: string[] = [];
const counting = custom({
  request: async ({ method, params }: { method: string; params?: unknown }) => {
    requests.push(method);
    return base({ chain }).request({ method, params } as never);
  },
});
const client = createPublicClient({ chain, transport: counting, cacheTime: 0 });
const target = { marketplace: market, registry };
const ethCalls = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  requests.length = 0;
  const value = await f();
  return [value, requests.filter((m) => m === 'eth_call').length];
};

const run = Date.now().toString(36);
const account = (name: string) =>
  privateKeyToAccount(keccak256(toHex(`atelier-chain-actions-int:${run}:${name}`)));
const creator = account('creator');
const seller = account('seller');
const buyer = account('buyer');
const signer = account('wallet signer');
const stranger = account('stranger');
const contributor = account('contributor').address;
const PRICE = 200_000_000n;

async function order(maker: Address, fields: Partial<Order> & Pick<Order, 'kind' | 'tokenId'>) {
  const now = (await client.getBlock()).timestamp;
  return buildOrder({
    maker,
    collection: registry,
    currency: usd,
    price: PRICE,
    now,
    lifetime: 3600n,
    nonce: 1n,
    ...fields,
  });
}

beforeAll(async () => {
  for (const a of [creator, seller, buyer, signer, stranger])
    await testClient.setBalance({ address: a.address, value: parseEther('10') });
});

describe('orders signed by a local account', () => {
  it('hash as the contract does and verify; another order or signer does not', async () => {
    const o = await order(seller.address, { kind: OrderKind.Ask, tokenId: 1n });
    const signed = await signOrder(seller, { order: o, domain });
    const onChain = await client.readContract({
      address: market,
      abi: marketplaceAbi,
      functionName: 'hashOrder',
      args: [o],
    });
    expect(signed.hash).toBe(onChain);
    const [valid, calls] = await ethCalls(() =>
      verifyOrderSignature(client, { order: o, signature: signed.signature, domain }),
    );
    expect(valid).toBe(true);
    expect(calls).toBe(0); // ECDSA needs no node
    const other = await signOrder(stranger, { order: o, domain });
    await expect(
      verifyOrderSignature(client, { order: o, signature: other.signature, domain }),
    ).resolves.toBe(false);
    // A wallet client signs the same bytes.
    const viaWallet = await signOrder(wallet(seller), { order: o, domain });
    expect(viaWallet.signature).toBe(signed.signature);
  });
});

describe('a contract-wallet maker (EIP-1271)', () => {
  let contractWallet: Address;

  beforeAll(async () => {
    const artifact = JSON.parse(
      readFileSync(
        resolve(__dirname, '../../../../contracts/out/ContractWallet.sol/ContractWallet.json'),
        'utf8',
      ),
    ) as { abi: readonly unknown[]; bytecode: { object: Hex } };
    const hash = await wallet(signer).deployContract({
      abi: artifact.abi,
      bytecode: artifact.bytecode.object,
      args: [signer.address],
    });
    const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    contractWallet = receipt.contractAddress!;
  });

  it("verifies its signer's signature through isValidSignature, and not a stranger's", async () => {
    const o = await order(contractWallet, { kind: OrderKind.TokenBid, tokenId: 7n });
    const hash = hashOrder({ order: o, domain });
    // The wallet's key signs the digest the contract will hand to isValidSignature.
    const bySigner = await signer.sign({ hash });
    const [valid, calls] = await ethCalls(() =>
      verifyOrderSignature(client, { order: o, signature: bySigner, domain }),
    );
    expect(valid).toBe(true);
    expect(calls).toBe(1);
    const byStranger = await stranger.sign({ hash });
    await expect(
      verifyOrderSignature(client, { order: o, signature: byStranger, domain }),
    ).resolves.toBe(false);
    await expect(
      verifyOrderSignature(client, { order: o, signature: '0xdeadbeef', domain }),
    ).resolves.toBe(false);
    // Another order's signature is not this one's.
    const other = { ...o, nonce: 2n };
    await expect(
      verifyOrderSignature(client, { order: other, signature: bySigner, domain }),
    ).resolves.toBe(false);
  });

  it('verifies an off-chain cancel the same way', async () => {
    const o = await order(contractWallet, { kind: OrderKind.TokenBid, tokenId: 7n });
    const cancel = {
      maker: contractWallet,
      orderHashes: [hashOrder({ order: o, domain })],
      issuedAt: 1n,
    };
    const bySigner = await signer.sign({ hash: hashCancel({ cancel, domain }) });
    await expect(
      verifyCancelSignature(client, { cancel, signature: bySigner, domain }),
    ).resolves.toBe(true);
    // An EOA's own cancel, signed as typed data.
    const own = await signCancel(stranger, {
      cancel: { ...cancel, maker: stranger.address },
      domain,
    });
    await expect(
      verifyCancelSignature(client, { cancel: own.cancel, signature: own.signature, domain }),
    ).resolves.toBe(true);
    await expect(
      verifyCancelSignature(client, { cancel, signature: own.signature, domain }),
    ).resolves.toBe(false);
  });
});

describe('readIntakeState', () => {
  let tokenId: bigint;
  const collection = asAddress(registry);
  const id = (a: Address) => asAddress(a);

  it('reads a mint, then an approval, in one eth_call each', async () => {
    ({ tokenId } = await mintArtwork(wallet(creator), {
      registry,
      to: seller.address,
      work: {
        prompt: `chain-actions ${run}`,
        manifest: `manifest ${run}`,
        manifestURI: `ipfs://chain-actions/${run}`,
        seed: 1n,
        contributors: [{ account: contributor, bps: 150 }],
      },
      royaltyBps: 500,
    }));
    const ask = await order(seller.address, { kind: OrderKind.Ask, tokenId });
    const [before, calls] = await ethCalls(() =>
      readIntakeState(client, { ...target, orders: [ask] }),
    );
    expect(calls).toBe(1);
    const head = await client.getBlock();
    expect(before.block).toBe(head.number);
    expect(before.chainTime).toBe(head.timestamp);
    expect(before.observed.get(collection)?.tokens).toEqual([
      { tokenId, owner: id(seller.address), approved: false, block: before.block },
    ]);
    expect(before.royalty.get(royaltyKey(ask))).toEqual({
      kind: 'atelier',
      royaltyReceiver: id(creator.address),
      royaltyBps: 500,
      contributors: [{ account: id(contributor), bps: 150 }],
    });
    expect(before.currencyAllowed.get(id(usd))).toBe(true);
    expect(before.observed.get(collection)?.fee).toMatchObject({ bps: 250, block: before.block });

    await approveMarketplace(wallet(seller), { collection: registry, marketplace: market });
    const [after, again] = await ethCalls(() =>
      readIntakeState(client, { ...target, orders: [ask] }),
    );
    expect(again).toBe(1);
    expect(after.observed.get(collection)?.tokens?.[0]).toMatchObject({ approved: true });
    // Another maker's ask on the token: the owner is read, and its own approval (a second call).
    const foreignAsk = await order(stranger.address, { kind: OrderKind.Ask, tokenId });
    const [theirs, twice] = await ethCalls(() =>
      readIntakeState(client, { ...target, orders: [foreignAsk] }),
    );
    expect(twice).toBe(2);
    expect(theirs.observed.get(collection)?.tokens?.[0]).toMatchObject({
      owner: id(seller.address),
      approved: true,
    });
  });

  it('reads a deposit, a counter raise and an on-chain cancel', async () => {
    const bid = await order(buyer.address, { kind: OrderKind.TokenBid, tokenId, nonce: 5n });
    const read = async () => {
      const [state, calls] = await ethCalls(() =>
        readIntakeState(client, { ...target, orders: [bid] }),
      );
      expect(calls).toBe(1);
      return state.observed.get(collection)!;
    };
    const first = await read();
    expect(first.funds).toEqual([
      { maker: id(buyer.address), currency: id(usd), balance: 0n, block: expect.any(BigInt) },
    ]);
    expect(first.counters?.[0]).toMatchObject({ maker: id(buyer.address), counter: 0n });
    expect(first.nonces?.[0]).toMatchObject({ maker: id(buyer.address), nonce: 5n, state: 'open' });

    await writeAndWait(wallet(buyer), {
      address: usd,
      abi: testStablecoinAbi,
      functionName: 'mint',
      args: [buyer.address, 3n * PRICE],
    });
    await deposit(wallet(buyer), { marketplace: market, currency: usd, amount: 2n * PRICE });
    await writeAndWait(wallet(buyer), {
      address: market,
      abi: marketplaceAbi,
      functionName: 'incrementCounter',
      args: [],
    });
    await writeAndWait(wallet(buyer), {
      address: market,
      abi: marketplaceAbi,
      functionName: 'cancel',
      args: [[bid]],
    });
    const later = await read();
    expect(later.funds?.[0]).toMatchObject({ balance: 2n * PRICE });
    expect(later.counters?.[0]).toMatchObject({ counter: 1n });
    expect(later.nonces?.[0]).toMatchObject({ state: 'cancelled' });
  });

  it('treats a collection that is not a contract as no owner and no royalty', async () => {
    const elsewhere = stranger.address; // an account without code
    const ask = await order(seller.address, {
      kind: OrderKind.Ask,
      tokenId: 3n,
      collection: elsewhere,
    });
    const [state, calls] = await ethCalls(() =>
      readIntakeState(client, { ...target, orders: [ask] }),
    );
    expect(calls).toBe(1);
    expect(state.observed.get(id(elsewhere))?.tokens?.[0]).toMatchObject({
      owner: '0x0000000000000000000000000000000000000000',
      approved: false,
    });
    expect(state.royalty.get(royaltyKey(ask))).toEqual({
      kind: 'erc2981',
      receiver: null,
      amount: 0n,
    });
  });

  it('reads observations at a given block', async () => {
    const head = await client.getBlockNumber();
    const [seen, calls] = await ethCalls(() =>
      readObservations(client, {
        ...target,
        blockNumber: head,
        request: {
          tokens: [{ collection: registry, tokenId }],
          funds: [{ maker: buyer.address, currency: usd }],
          counters: [buyer.address],
          nonces: [{ maker: buyer.address, nonce: 5n }],
          fee: true,
        },
      }),
    );
    expect(calls).toBe(2); // the owner's operator approval needs the owner first
    expect(seen).toMatchObject({
      block: head,
      tokens: [{ collection, tokenId, owner: id(seller.address), approved: true }],
      funds: [{ maker: id(buyer.address), currency: id(usd), balance: 2n * PRICE }],
      counters: [{ maker: id(buyer.address), counter: 1n }],
      nonces: [{ maker: id(buyer.address), nonce: 5n, state: 'cancelled' }],
      fee: { bps: 250 },
    });
  });
});
