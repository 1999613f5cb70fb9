// A market history for the read model's specs: two collections, orders that match, a trade
// that settles, one that is released, an off-chain cancel, a balance that falls and returns,
// a replaced order. Played through the real market aggregate (repository + in-memory store),
// so the events are exactly what the decider emits. Not exported from the library.
import { asAddress, asOrderHash, type Address, type OrderHash } from '@atelier/kernel';
import {
  EventSourcedRepository,
  InMemoryEventStore,
  type RecordedEvent,
} from '@atelier/eventsourcing';
import {
  marketAggregate,
  marketId,
  OrderKind,
  type MarketCommand,
  type Observations,
  type Order,
  type RoyaltyTerms,
  type SignedOrder,
} from '@atelier/market-domain';
import type { EventEnvelope } from '@atelier/market-messages';

export const A = asAddress('0x00000000000000000000000000000000000c0de1');
export const B = asAddress('0x00000000000000000000000000000000000c0de2');
export const USD = asAddress('0x0000000000000000000000000000000000005d01');
export const SELLER = asAddress('0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa0001');
export const SELLER2 = asAddress('0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa0002');
export const BUYER = asAddress('0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa0011');
export const BUYER2 = asAddress('0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa0012');
const FEE = { recipient: asAddress('0x00000000000000000000000000000000000fee01'), bps: 250 };
const ROYALTY: RoyaltyTerms = { kind: 'erc2981', receiver: null, amount: 0n };
export const NOW = 1_800_000_000n;
const at = (now: bigint) => new Date(Number(now) * 1000).toISOString();

let counter = 0;
const hashOf = (): OrderHash => asOrderHash(`0x${(++counter).toString(16).padStart(64, 'e')}`);

export function signed(
  fields: Partial<Order> & Pick<Order, 'maker' | 'kind' | 'price' | 'collection'>,
): SignedOrder {
  return {
    hash: hashOf(),
    signature: `0x${'11'.repeat(65)}`,
    order: {
      tokenId: fields.kind === OrderKind.CollectionBid ? 0n : 1n,
      currency: USD,
      start: 0n,
      expiry: NOW + 86_400n,
      counter: 0n,
      nonce: BigInt(counter + 1000),
      ...fields,
    },
  };
}

const submit = (o: SignedOrder, observed: Observations, now = NOW): MarketCommand => ({
  type: 'SubmitOrder',
  collection: o.order.collection,
  order: o,
  royalty: o.order.kind === OrderKind.Ask ? ROYALTY : null,
  observed: { fee: { ...FEE, block: 1n }, ...observed },
  now,
  at: at(now),
});
const observe = (observed: Observations, now = NOW): MarketCommand => ({
  type: 'Observe',
  observed,
  now,
  at: at(now),
});

const newRepository = (store: InMemoryEventStore) =>
  new EventSourcedRepository(marketAggregate, store, { retryJitterMs: 0 });

/** Plays the history and returns the store holding it and the orders by role. */
export async function playMarketHistory(): Promise<{
  store: InMemoryEventStore;
  repository: ReturnType<typeof newRepository>;
  orders: Record<string, SignedOrder>;
}> {
  const store = new InMemoryEventStore();
  const repository = newRepository(store);
  const ctx = { correlationId: 'history', actor: 'spec' };
  const run = async (collection: Address, ...commands: MarketCommand[]) => {
    const r = await repository.handleAll(marketId(collection), commands, ctx);
    for (const o of r.outcomes) if (!o.ok) throw new Error(`${o.error.code}: ${o.error.message}`);
  };
  const o = {
    askA: signed({ collection: A, maker: SELLER, kind: OrderKind.Ask, price: 100n, tokenId: 1n }),
    bidA: signed({
      collection: A,
      maker: BUYER,
      kind: OrderKind.TokenBid,
      price: 120n,
      tokenId: 1n,
    }),
    collBidA: signed({ collection: A, maker: BUYER2, kind: OrderKind.CollectionBid, price: 50n }),
    lowAskA: signed({
      collection: A,
      maker: SELLER,
      kind: OrderKind.Ask,
      price: 900n,
      tokenId: 2n,
    }),
    askB: signed({ collection: B, maker: SELLER2, kind: OrderKind.Ask, price: 300n, tokenId: 5n }),
    bidB: signed({
      collection: B,
      maker: BUYER,
      kind: OrderKind.TokenBid,
      price: 300n,
      tokenId: 5n,
    }),
    askB2: signed({ collection: B, maker: SELLER2, kind: OrderKind.Ask, price: 70n, tokenId: 6n }),
    bidB2: signed({
      collection: B,
      maker: BUYER2,
      kind: OrderKind.TokenBid,
      price: 80n,
      tokenId: 6n,
    }),
  };
  // Market A: an ask, a bid that takes it; a collection bid without funds that gets them.
  await run(
    A,
    submit(o.askA, { tokens: [{ tokenId: 1n, owner: SELLER, approved: true, block: 5n }] }),
  );
  await run(
    A,
    submit(o.bidA, { funds: [{ maker: BUYER, currency: USD, balance: 1000n, block: 5n }] }),
  );
  await run(
    A,
    submit(o.collBidA, { funds: [{ maker: BUYER2, currency: USD, balance: 10n, block: 5n }] }),
  );
  await run(A, observe({ funds: [{ maker: BUYER2, currency: USD, balance: 40n, block: 6n }] }));
  await run(A, observe({ funds: [{ maker: BUYER2, currency: USD, balance: 500n, block: 7n }] }));
  // An ask on a token nobody approved yet, replaced by a cheaper one with the same nonce.
  await run(
    A,
    submit(o.lowAskA, { tokens: [{ tokenId: 2n, owner: SELLER, approved: false, block: 7n }] }),
  );
  const replacement = signed({
    collection: A,
    maker: SELLER,
    kind: OrderKind.Ask,
    price: 800n,
    tokenId: 2n,
    nonce: o.lowAskA.order.nonce,
  });
  await run(A, submit(replacement, {}));
  // The trade of A settles on chain.
  await run(A, {
    type: 'SettleTrade',
    askHash: o.askA.hash,
    bidHash: o.bidA.hash,
    transactionHash: `0x${'ab'.repeat(32)}`,
    block: 9n,
    now: NOW + 10n,
    at: at(NOW + 10n),
  });
  // Market B: one trade stays matched (BUYER's money held elsewhere than A), one is released.
  await run(
    B,
    submit(o.askB, { tokens: [{ tokenId: 5n, owner: SELLER2, approved: true, block: 5n }] }),
  );
  await run(
    B,
    submit(o.bidB, { funds: [{ maker: BUYER, currency: USD, balance: 1000n, block: 5n }] }),
  );
  await run(
    B,
    submit(o.askB2, { tokens: [{ tokenId: 6n, owner: SELLER2, approved: true, block: 5n }] }),
  );
  await run(
    B,
    submit(o.bidB2, { funds: [{ maker: BUYER2, currency: USD, balance: 500n, block: 5n }] }),
  );
  await run(B, {
    type: 'ReleaseTrade',
    tradeId: `${B}:2`,
    reason: 'SellerNotOwner',
    now: NOW + 20n,
    at: at(NOW + 20n),
  });
  // BUYER2 cancels its collection bid in A off-chain.
  await run(A, {
    type: 'CancelOrders',
    cancelId: 'cancel-1',
    maker: BUYER2,
    hashes: [o.collBidA.hash],
    now: NOW + 30n,
    at: at(NOW + 30n),
  });
  return { store, repository, orders: { ...o, replacement } };
}

/** The envelope the outbox relay would publish for a stored event (its toEnvelope). */
export function envelopeOf(e: RecordedEvent): EventEnvelope {
  const meta = e.metadata as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : null);
  return {
    eventId: e.id,
    type: e.type,
    version: e.schemaVersion,
    streamName: e.streamName,
    streamRevision: e.revision,
    globalPosition: e.position,
    occurredAt: str(meta['occurredAt']) ? new Date(meta['occurredAt'] as string) : e.recordedAt,
    correlationId: str(meta['correlationId']),
    causationId: str(meta['causationId']),
    data: e.data as Record<string, unknown>,
    metadata: meta,
  };
}
