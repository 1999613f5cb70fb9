// The Marketplace on a real anvil (the test stack's deployment): makers sign orders with viem's
// signTypedData over the shared EIP-712 definitions, the operator (anvil account 9, as deploy.ts
// grants it) settles them with one settleBatch, and a taker fills an ask directly. Balances and
// events are checked against the split rules, including a pair skipped with its reason.
import {
  type Order,
  ORDER_TYPEHASH,
  OrderKind,
  artworkRegistryAbi,
  marketplaceAbi,
  skipReasonName,
  testStablecoinAbi,
} from '@atelier/contracts-abi';
import {
  type Address,
  type Hex,
  type PrivateKeyAccount,
  keccak256,
  parseEther,
  parseEventLogs,
  toHex,
  zeroHash,
} from 'viem';
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';

import {
  approveMarketplace,
  connectDeployment,
  createOrder,
  deposit,
  encodeSettleBatch,
  hashOrder,
  mintArtwork,
  writeAndWait,
} from './index';

const deployment = connectDeployment({
  rpcUrl: process.env['RPC_URL']!,
  deployments: process.env['ATELIER_DEPLOYMENTS']!,
  name: 'anvil (test)',
});
const { client, testClient, wallet } = deployment;
const usd = deployment.address('TestStablecoin');
const registry = deployment.address('ArtworkRegistry');
const market = deployment.address('Marketplace');
const domain = deployment.domain();
const operator = mnemonicToAccount('test test test test test test test test test test test junk', {
  addressIndex: 9,
});

// Own accounts for this spec, so that other specs on the same chain never share a nonce with it.
const run = Date.now().toString(36);
const account = (name: string) =>
  privateKeyToAccount(keccak256(toHex(`atelier-int:${run}:${name}`)));
const creator = account('creator');
const seller = account('seller');
const buyer = account('market maker');
const taker = account('taker');
const contributors = [account('contributor a').address, account('contributor b').address] as const;

const PRICE = 250_000_000n; // 250 tUSD
const ROYALTY_BPS = 500n;
const SHARES_BPS = [150n, 100n] as const;

/** Sends `call` from `from` and waits for it: writeAndWait refuses a revert. */
const send = (
  from: PrivateKeyAccount | typeof operator,
  call: Parameters<typeof writeAndWait>[1],
) => writeAndWait(wallet(from), call);

const ledger = (who: Address) =>
  client.readContract({
    address: market,
    abi: marketplaceAbi,
    functionName: 'balanceOf',
    args: [who, usd],
  });
const ownerOf = (tokenId: bigint) =>
  client.readContract({
    address: registry,
    abi: artworkRegistryAbi,
    functionName: 'ownerOf',
    args: [tokenId],
  });

/** What a maker's client does: build the order, sign it with eth_signTypedData_v4. */
async function signOrder(
  maker: PrivateKeyAccount,
  fields: Partial<Order> & Pick<Order, 'kind' | 'tokenId'>,
) {
  return createOrder(maker, {
    domain,
    collection: registry,
    currency: usd,
    price: PRICE,
    now: (await client.getBlock()).timestamp,
    lifetime: 3600n,
    nonce: 0n,
    ...fields,
  });
}

describe('Marketplace on anvil', () => {
  const works: bigint[] = [];

  beforeAll(async () => {
    for (const a of [creator, seller, buyer, taker])
      await testClient.setBalance({ address: a.address, value: parseEther('10') });
    for (let i = 0; i < 4; i++) {
      const { tokenId } = await mintArtwork(wallet(creator), {
        registry,
        to: seller.address,
        work: {
          prompt: `prompt ${i}`,
          manifest: `manifest ${i}`,
          manifestURI: `ipfs://int/${i}`,
          seed: BigInt(i),
          contributors: contributors.map((c, j) => ({ account: c, bps: Number(SHARES_BPS[j]) })),
        },
        royaltyBps: Number(ROYALTY_BPS),
      });
      works.push(tokenId);
    }
    await approveMarketplace(wallet(seller), { collection: registry, marketplace: market });
    for (const who of [buyer, taker]) {
      await send(who, {
        address: usd,
        abi: testStablecoinAbi,
        functionName: 'mint',
        args: [who.address, 10n * PRICE],
      });
      await send(who, {
        address: usd,
        abi: testStablecoinAbi,
        functionName: 'approve',
        args: [market, 10n * PRICE],
      });
    }
    await deposit(wallet(buyer), { marketplace: market, currency: usd, amount: 5n * PRICE });
  });

  it('hashes orders exactly as the shared TypeScript definitions do', async () => {
    const { order } = await signOrder(seller, { kind: OrderKind.Ask, tokenId: works[0]! });
    const onChain = await client.readContract({
      address: market,
      abi: marketplaceAbi,
      functionName: 'hashOrder',
      args: [order],
    });
    expect(onChain).toBe(hashOrder({ order, domain }));
    expect(
      await client.readContract({
        address: market,
        abi: marketplaceAbi,
        functionName: 'ORDER_TYPEHASH',
      }),
    ).toBe(ORDER_TYPEHASH);
  });

  it('settles a batch from the operator: token bid, collection bid, and a skipped expired pair', async () => {
    const { batch, pairs } = encodeSettleBatch({
      pairs: [
        {
          ask: await signOrder(seller, { kind: OrderKind.Ask, tokenId: works[0]!, nonce: 1n }),
          bid: await signOrder(buyer, { kind: OrderKind.TokenBid, tokenId: works[0]!, nonce: 1n }),
        },
        {
          ask: await signOrder(seller, { kind: OrderKind.Ask, tokenId: works[1]!, nonce: 2n }),
          bid: await signOrder(buyer, {
            kind: OrderKind.CollectionBid,
            tokenId: 0n,
            nonce: 2n,
            price: PRICE + 1n,
          }),
        },
        {
          ask: await signOrder(seller, {
            kind: OrderKind.Ask,
            tokenId: works[2]!,
            nonce: 3n,
            expiry: 1n,
          }),
          bid: await signOrder(buyer, { kind: OrderKind.TokenBid, tokenId: works[2]!, nonce: 3n }),
        },
      ],
    });

    // The contract reads the packed batch back as the orders that were signed.
    const [asks, askSignatures] = await client.readContract({
      address: market,
      abi: marketplaceAbi,
      functionName: 'decodeBatch',
      args: [batch],
    });
    expect(asks[1]!.tokenId).toBe(works[1]);
    expect(askSignatures[0]).toBe(pairs[0]!.ask.signature);

    const before = { buyer: await ledger(buyer.address), seller: await ledger(seller.address) };
    const receipt = await send(operator, {
      address: market,
      abi: marketplaceAbi,
      functionName: 'settleBatch',
      args: [batch],
    });
    const logs = parseEventLogs({ abi: marketplaceAbi, logs: receipt.logs });

    const fee = (PRICE * 250n) / 10_000n; // deploy.ts default protocol fee: 2.5%
    const royalty = (PRICE * ROYALTY_BPS) / 10_000n;
    const shares = SHARES_BPS.map((bps) => (PRICE * bps) / 10_000n);
    const attribution = shares[0]! + shares[1]!;
    const proceeds = PRICE - fee - royalty - attribution;

    const trades = logs.filter((l) => l.eventName === 'TradeSettled');
    expect(trades).toHaveLength(2);
    for (const [i, trade] of trades.entries()) {
      expect(trade.args).toMatchObject({
        collection: registry,
        tokenId: works[i],
        seller: seller.address,
        buyer: buyer.address,
        currency: usd,
        price: PRICE, // the ask's price, also under the collection bid's higher ceiling
        protocolFee: fee,
        royaltyReceiver: creator.address,
        royalty,
        attribution,
        sellerProceeds: proceeds,
      });
      expect(
        trade.args.protocolFee +
          trade.args.royalty +
          trade.args.attribution +
          trade.args.sellerProceeds,
      ).toBe(PRICE);
    }

    const skipped = logs.filter((l) => l.eventName === 'PairSkipped');
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.args.index).toBe(2n);
    expect(skipReasonName(skipped[0]!.args.reason)).toBe('AskExpired');

    // Credits are netted over the batch: one event per payee with its total.
    expect(logs.filter((l) => l.eventName === 'RoyaltyCredited').map((l) => l.args)).toEqual([
      { receiver: creator.address, currency: usd, amount: 2n * royalty },
    ]);
    expect(logs.filter((l) => l.eventName === 'AttributionCredited').map((l) => l.args)).toEqual(
      contributors.map((c, j) => ({ contributor: c, currency: usd, amount: 2n * shares[j]! })),
    );
    const done = logs.find((l) => l.eventName === 'BatchSettled');
    expect(done?.args).toMatchObject({ operator: operator.address, settled: 2n, skipped: 1n });

    expect(await ownerOf(works[0]!)).toBe(buyer.address);
    expect(await ownerOf(works[1]!)).toBe(buyer.address);
    expect(await ownerOf(works[2]!)).toBe(seller.address);
    expect(await ledger(buyer.address)).toBe(before.buyer - 2n * PRICE);
    expect(await ledger(seller.address)).toBe(before.seller + 2n * proceeds);
    expect(await ledger(creator.address)).toBe(2n * royalty);
    expect(await ledger(contributors[0])).toBe(2n * shares[0]!);
  });

  it('lets a taker buy an ask directly, paying from its wallet', async () => {
    const ask = await signOrder(seller, { kind: OrderKind.Ask, tokenId: works[3]!, nonce: 4n });
    const walletBefore = await client.readContract({
      address: usd,
      abi: testStablecoinAbi,
      functionName: 'balanceOf',
      args: [taker.address],
    });
    const receipt = await send(taker, {
      address: market,
      abi: marketplaceAbi,
      functionName: 'acceptAsk',
      args: [ask.order, ask.signature],
    });
    const logs = parseEventLogs({ abi: marketplaceAbi, logs: receipt.logs });
    expect(logs.find((l) => l.eventName === 'Deposited')?.args).toEqual({
      account: taker.address,
      currency: usd,
      amount: PRICE,
    });
    const trade = logs.find((l) => l.eventName === 'TradeSettled');
    expect(trade?.args).toMatchObject({
      askHash: hashOrder({ order: ask.order, domain }),
      bidHash: zeroHash,
      buyer: taker.address,
      price: PRICE,
    });
    expect(await ownerOf(works[3]!)).toBe(taker.address);
    expect(
      await client.readContract({
        address: usd,
        abi: testStablecoinAbi,
        functionName: 'balanceOf',
        args: [taker.address],
      }),
    ).toBe(walletBefore - PRICE);
    expect(
      await client.readContract({
        address: market,
        abi: marketplaceAbi,
        functionName: 'nonceState',
        args: [seller.address, 4n],
      }),
    ).toBe(1); // Filled
  });

  it('refuses a direct fill of an order already filled, naming the reason', async () => {
    const ask = await signOrder(seller, { kind: OrderKind.Ask, tokenId: works[2]!, nonce: 1n }); // nonce 1 is filled
    await expect(
      client.simulateContract({
        account: taker,
        address: market,
        abi: marketplaceAbi,
        functionName: 'acceptAsk',
        args: [ask.order, ask.signature as Hex],
      }),
    ).rejects.toThrow(/NotFillable/);
  });
});
