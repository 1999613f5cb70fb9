// The parties of a settlement spec on one chain (the shared test anvil or a private one): a fresh
// operator allowed by the Marketplace's owner (impersonated), sellers with minted works and
// approvals, buyers with deposits, signed (ask, bid) pairs as the market's TradeMatched, and the
// on-chain reads the specs assert on. TradeMatched reaches the worker through publishMarket,
// exactly as the gateway's outbox writes it (marketEnvelopeCodec over marketEventCodec).
import { randomBytes, randomUUID } from 'node:crypto';
import {
  keccak256,
  parseAbi,
  parseEther,
  toHex,
  type Address,
  type Hex,
  type PrivateKeyAccount,
} from 'viem';
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
import type { Logger } from 'pino';

export type TradeMatchedEvent = MarketEvent & { type: 'TradeMatched' };
export const PRICE = 10_000_000n;

const erc721Abi = parseAbi([
  'function ownerOf(uint256 id) view returns (address)',
  'function setApprovalForAll(address operator, bool approved)',
]);

export class MarketFixture {
  readonly deployment: ReturnType<typeof connectDeployment>;
  readonly client: ReturnType<typeof connectDeployment>['client'];
  readonly testClient: ReturnType<typeof connectDeployment>['testClient'];
  readonly usd: Address;
  readonly registry: Address;
  readonly marketplace: Address;
  private readonly run = randomBytes(4).toString('hex');
  /** Each maker's next order nonce: a maker counts its own (its nonce words fill in order). */
  private readonly nonces = new Map<string, bigint>();
  private tradeNo = 0;

  constructor(
    rpcUrl: string,
    deploymentsPath: string,
    private readonly logger: Logger,
  ) {
    this.deployment = connectDeployment({
      rpcUrl,
      deployments: deploymentsPath,
      name: 'anvil (test)',
      cacheTime: 0,
    });
    this.client = this.deployment.client;
    this.testClient = this.deployment.testClient;
    this.usd = this.deployment.address('TestStablecoin');
    this.registry = this.deployment.address('ArtworkRegistry');
    this.marketplace = this.deployment.address('Marketplace');
  }

  wallet(account: PrivateKeyAccount | Address) {
    return this.deployment.wallet(account);
  }

  keyOf(name: string): Hex {
    return keccak256(toHex(`atelier-settlement-int:${this.run}:${name}`));
  }

  account(name: string): PrivateKeyAccount {
    return privateKeyToAccount(this.keyOf(name));
  }

  /** A fresh operator, allowed by the Marketplace's owner (impersonated), with gas money. */
  async makeOperator(name: string): Promise<{ address: Address; key: Hex }> {
    const key = this.keyOf(name);
    const address = privateKeyToAccount(key).address;
    const owner = await this.client.readContract({
      address: this.marketplace,
      abi: marketplaceAbi,
      functionName: 'owner',
    });
    await this.testClient.impersonateAccount({ address: owner });
    await this.testClient.setBalance({ address: owner, value: parseEther('100') });
    await writeAndWait(this.wallet(owner), {
      address: this.marketplace,
      abi: marketplaceAbi,
      functionName: 'setOperator',
      args: [address, true],
    });
    await this.testClient.stopImpersonatingAccount({ address: owner });
    await this.testClient.setBalance({ address, value: parseEther('10') });
    return { address, key };
  }

  /**
   * A seller with `count` minted works, approved to the Marketplace; by default without royalty
   * or contributors, else with the given split (as a creator's works carry it).
   */
  async makeSeller(
    name: string,
    count: number,
    split: {
      readonly royaltyBps?: number;
      readonly royaltyReceiver?: Address;
      readonly contributors?: readonly { readonly account: Address; readonly bps: number }[];
    } = {},
  ) {
    const seller = this.account(name);
    await this.testClient.setBalance({ address: seller.address, value: parseEther('10') });
    const tokens: bigint[] = [];
    for (let i = 0; i < count; i++) {
      const { tokenId } = await mintArtwork(this.wallet(seller), {
        registry: this.registry,
        to: seller.address,
        work: {
          prompt: `${name} ${i}`,
          manifest: `${this.run} ${name} ${i}`,
          manifestURI: `ipfs://settlement-int/${this.run}/${name}/${i}`,
          seed: BigInt(i),
          contributors: [...(split.contributors ?? [])],
        },
        royaltyBps: split.royaltyBps ?? 0,
        ...(split.royaltyReceiver ? { royaltyReceiver: split.royaltyReceiver } : {}),
      });
      tokens.push(tokenId);
    }
    await approveMarketplace(this.wallet(seller), {
      collection: this.registry,
      marketplace: this.marketplace,
    });
    return { seller, tokens };
  }

  /** A buyer with `amount` deposited in the Marketplace ledger. */
  async makeBuyer(name: string, amount: bigint) {
    const buyer = this.account(name);
    await this.testClient.setBalance({ address: buyer.address, value: parseEther('10') });
    const send = (call: Parameters<typeof writeAndWait>[1]) =>
      writeAndWait(this.wallet(buyer), call);
    await send({
      address: this.usd,
      abi: testStablecoinAbi,
      functionName: 'mint',
      args: [buyer.address, amount],
    });
    await send({
      address: this.usd,
      abi: testStablecoinAbi,
      functionName: 'approve',
      args: [this.marketplace, amount],
    });
    await deposit(this.wallet(buyer), {
      marketplace: this.marketplace,
      currency: this.usd,
      amount,
    });
    return buyer;
  }

  private nextNonce(maker: PrivateKeyAccount): bigint {
    const n = this.nonces.get(maker.address) ?? 1n;
    this.nonces.set(maker.address, n + 1n);
    return n;
  }

  /** An ask and a matching token bid, signed, as the market's TradeMatched event. */
  async matchedTrade(
    seller: PrivateKeyAccount,
    buyer: PrivateKeyAccount,
    tokenId: bigint,
    collection: Address = this.registry,
  ): Promise<TradeMatchedEvent> {
    const now = (await this.client.getBlock()).timestamp;
    const common = {
      domain: this.deployment.domain(),
      collection,
      currency: this.usd,
      price: PRICE,
      now,
      lifetime: 3600n,
      tokenId,
    };
    const ask = await createOrder(seller, { ...common, kind: 0, nonce: this.nextNonce(seller) });
    const bid = await createOrder(buyer, { ...common, kind: 1, nonce: this.nextNonce(buyer) });
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
        tradeId: `${collection.toLowerCase()}:${this.run}-${++this.tradeNo}`,
        collection: asAddress(collection),
        tokenId,
        currency: asAddress(this.usd),
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
    } as TradeMatchedEvent;
  }

  /** Publishes events to `topic` as the gateway's outbox relay would. */
  async publishMarket(topic: string, events: readonly MarketEvent[]): Promise<void> {
    const kafka = createKafka({
      clientId: `settlement-int-${this.run}`,
      brokers: process.env['KAFKA_BROKERS']!.split(','),
      logger: this.logger,
    });
    const producer = new EnvelopeProducer<EventEnvelope>(kafka, marketEnvelopeCodec, this.logger);
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
              streamName: `market-${this.registry.toLowerCase()}`,
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

  ownerOf(tokenId: bigint, collection: Address = this.registry): Promise<Address> {
    return this.client.readContract({
      address: collection,
      abi: erc721Abi,
      functionName: 'ownerOf',
      args: [tokenId],
    });
  }

  /** The seller takes back the Marketplace's approval of all its works. */
  approveMarketplaceOff(seller: PrivateKeyAccount) {
    return approveMarketplace(this.wallet(seller), {
      collection: this.registry,
      marketplace: this.marketplace,
      approved: false,
    });
  }

  /** TradeSettled logs of the Marketplace from `fromBlock` on (the canonical chain now). */
  tradeSettledLogs(fromBlock: bigint) {
    return this.client.getContractEvents({
      address: this.marketplace,
      abi: marketplaceAbi,
      eventName: 'TradeSettled',
      fromBlock,
    });
  }
}
