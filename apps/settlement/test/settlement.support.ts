// What the settlement int specs share, on the real test stack: an operator key of the spec's own
// (made operator by the Marketplace's owner, impersonated on anvil, so no other spec shares its
// nonces), sellers with minted works and approvals, buyers with deposits, signed orders, and
// TradeMatched published to a market topic of the spec's own exactly as the gateway's outbox
// writes it (marketEnvelopeCodec over marketEventCodec).
import { randomBytes, randomUUID } from 'node:crypto';
import { keccak256, parseEther, toHex, type Address, type Hex, type PrivateKeyAccount } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { marketplaceAbi, testStablecoinAbi } from '@atelier/contracts-abi';
import {
  approveMarketplace,
  connectDeployment,
  createOrder,
  deposit,
  mintArtwork,
  writeAndWait,
} from '@atelier/chain-actions';
import { createKafka, EnvelopeProducer } from '@atelier/kafka';
import { asAddress, asOrderHash } from '@atelier/kernel';
import { marketEventCodec, type MarketEvent } from '@atelier/market-domain';
import { marketEnvelopeCodec, type EventEnvelope } from '@atelier/market-messages';
import pino from 'pino';

export const logger = pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
export const deployment = connectDeployment({
  rpcUrl: process.env['RPC_URL']!,
  deployments: process.env['ATELIER_DEPLOYMENTS']!,
  name: 'anvil (test)',
  cacheTime: 0,
});
export const { client, testClient, wallet } = deployment;
export const usd = deployment.address('TestStablecoin');
export const registry = deployment.address('ArtworkRegistry');
export const marketplace = deployment.address('Marketplace');
export const PRICE = 10_000_000n;

const run = randomBytes(4).toString('hex');
export const account = (name: string): PrivateKeyAccount =>
  privateKeyToAccount(keccak256(toHex(`atelier-settlement-int:${run}:${name}`)));
export const keyOf = (name: string): Hex =>
  keccak256(toHex(`atelier-settlement-int:${run}:${name}`));

/** A fresh operator, allowed by the Marketplace's owner (impersonated), with gas money. */
export async function makeOperator(name: string): Promise<{ address: Address; key: Hex }> {
  const key = keyOf(name);
  const address = privateKeyToAccount(key).address;
  const owner = await client.readContract({
    address: marketplace,
    abi: marketplaceAbi,
    functionName: 'owner',
  });
  await testClient.impersonateAccount({ address: owner });
  await testClient.setBalance({ address: owner, value: parseEther('100') });
  await writeAndWait(wallet(owner), {
    address: marketplace,
    abi: marketplaceAbi,
    functionName: 'setOperator',
    args: [address, true],
  });
  await testClient.stopImpersonatingAccount({ address: owner });
  await testClient.setBalance({ address, value: parseEther('10') });
  return { address, key };
}

/** A seller with `count` minted works, approved to the Marketplace. */
export async function makeSeller(name: string, count: number) {
  const seller = account(name);
  await testClient.setBalance({ address: seller.address, value: parseEther('10') });
  const tokens: bigint[] = [];
  for (let i = 0; i < count; i++) {
    const { tokenId } = await mintArtwork(wallet(seller), {
      registry,
      to: seller.address,
      work: {
        prompt: `${name} ${i}`,
        manifest: `${run} ${name} ${i}`,
        manifestURI: `ipfs://settlement-int/${run}/${name}/${i}`,
        seed: BigInt(i),
        contributors: [],
      },
      royaltyBps: 0,
    });
    tokens.push(tokenId);
  }
  await approveMarketplace(wallet(seller), { collection: registry, marketplace });
  return { seller, tokens };
}

/** A buyer with `amount` deposited in the Marketplace ledger. */
export async function makeBuyer(name: string, amount: bigint) {
  const buyer = account(name);
  await testClient.setBalance({ address: buyer.address, value: parseEther('10') });
  const send = (call: Parameters<typeof writeAndWait>[1]) => writeAndWait(wallet(buyer), call);
  await send({
    address: usd,
    abi: testStablecoinAbi,
    functionName: 'mint',
    args: [buyer.address, amount],
  });
  await send({
    address: usd,
    abi: testStablecoinAbi,
    functionName: 'approve',
    args: [marketplace, amount],
  });
  await deposit(wallet(buyer), { marketplace, currency: usd, amount });
  return buyer;
}

let nonce = 1n;
let tradeNo = 0;

/** An ask and a matching token bid, signed, as the market's TradeMatched event. */
export async function matchedTrade(
  seller: PrivateKeyAccount,
  buyer: PrivateKeyAccount,
  tokenId: bigint,
): Promise<MarketEvent & { type: 'TradeMatched' }> {
  const now = (await client.getBlock()).timestamp;
  const common = {
    domain: deployment.domain(),
    collection: registry,
    currency: usd,
    price: PRICE,
    now,
    lifetime: 3600n,
    tokenId,
  };
  const ask = await createOrder(seller, { ...common, kind: 0, nonce: nonce++ });
  const bid = await createOrder(buyer, { ...common, kind: 1, nonce: nonce++ });
  const signed = (o: typeof ask) => ({
    hash: asOrderHash(o.hash),
    signature: o.signature,
    order: {
      ...o.order,
      maker: asAddress(o.order.maker),
      collection: asAddress(o.order.collection),
      currency: asAddress(o.order.currency),
    },
  });
  return {
    type: 'TradeMatched',
    data: {
      tradeId: `${registry.toLowerCase()}:${run}-${++tradeNo}`,
      collection: asAddress(registry),
      tokenId,
      currency: asAddress(usd),
      price: PRICE,
      seller: asAddress(seller.address),
      buyer: asAddress(buyer.address),
      ask: signed(ask),
      bid: signed(bid),
      split: {
        price: PRICE,
        feeRecipient: null,
        protocolFee: 0n,
        royaltyReceiver: null,
        royalty: 0n,
        contributors: [],
        attribution: 0n,
        sellerProceeds: PRICE,
      },
      matchedAt: new Date().toISOString(),
    },
  } as MarketEvent & { type: 'TradeMatched' };
}

/** Publishes events to `topic` as the gateway's outbox relay would. */
export async function publishMarket(topic: string, events: readonly MarketEvent[]): Promise<void> {
  const kafka = createKafka({
    clientId: `settlement-int-${run}`,
    brokers: process.env['KAFKA_BROKERS']!.split(','),
    logger,
  });
  const producer = new EnvelopeProducer<EventEnvelope>(kafka, marketEnvelopeCodec, logger);
  try {
    await producer.connect();
    await producer.publish(
      events.map((e, i) => {
        const encoded = marketEventCodec.encode(e);
        return {
          topic,
          envelope: {
            eventId: randomUUID(),
            type: e.type,
            version: encoded.schemaVersion,
            streamName: `market-${registry.toLowerCase()}`,
            streamRevision: BigInt(i),
            globalPosition: BigInt(i),
            occurredAt: new Date(),
            correlationId: null,
            causationId: null,
            data: encoded.data,
            metadata: {},
          },
        };
      }),
    );
  } finally {
    await producer.disconnect();
  }
}

export const ownerOf = (tokenId: bigint) =>
  client.readContract({
    address: registry,
    abi: [
      {
        type: 'function',
        name: 'ownerOf',
        stateMutability: 'view',
        inputs: [{ name: 'id', type: 'uint256' }],
        outputs: [{ name: '', type: 'address' }],
      },
    ] as const,
    functionName: 'ownerOf',
    args: [tokenId],
  });

/** The seller takes back the Marketplace's approval of all its works. */
export const approveMarketplaceOff = (seller: PrivateKeyAccount) =>
  approveMarketplace(wallet(seller), { collection: registry, marketplace, approved: false });
