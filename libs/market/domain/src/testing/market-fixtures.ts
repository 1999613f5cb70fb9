// Builders for the market decider's specs: makers, orders with stand-in hashes (the real hash
// is the EIP-712 digest the application computes with viem; the decider only needs it unique),
// and the observations a command carries. Not exported from the library.
import { asAddress, asOrderHash, type Address, type OrderHash } from '@atelier/kernel';
import type { MarketCommand, Observations } from '../market/decide';
import { OrderKind, type Order, type SignedOrder } from '../market/order';
import type { RoyaltyTerms } from '../market/split';

export const COLLECTION = asAddress('0x00000000000000000000000000000000000c0de1');
export const OTHER_COLLECTION = asAddress('0x00000000000000000000000000000000000c0de2');
export const USD = asAddress('0x0000000000000000000000000000000000005d01');
export const EUR = asAddress('0x0000000000000000000000000000000000005d02');
export const FEE_RECIPIENT = asAddress('0x00000000000000000000000000000000000fee01');
export const CREATOR = asAddress('0x000000000000000000000000000000000000c7ea');
export const CONTRIBUTOR = asAddress('0x0000000000000000000000000000000000000c01');

export const maker = (n: number): Address =>
  asAddress(`0x${n.toString(16).padStart(4, '0').padStart(40, 'a')}`);
export const SELLER = maker(1);
export const SELLER2 = maker(2);
export const BUYER = maker(11);
export const BUYER2 = maker(12);

export const NOW = 1_800_000_000n;
export const AT = new Date(Number(NOW) * 1000).toISOString();
export const atOf = (now: bigint): string => new Date(Number(now) * 1000).toISOString();

let hashCounter = 0;
/** A unique stand-in for the order's EIP-712 hash. */
export const nextHash = (): OrderHash =>
  asOrderHash(`0x${(++hashCounter).toString(16).padStart(64, '0')}`);

export function order(fields: Partial<Order> & Pick<Order, 'maker' | 'kind' | 'price'>): Order {
  return {
    collection: COLLECTION,
    tokenId: fields.kind === OrderKind.CollectionBid ? 0n : 1n,
    currency: USD,
    start: 0n,
    expiry: NOW + 86_400n,
    counter: 0n,
    nonce: BigInt(++hashCounter),
    ...fields,
  };
}

export const signed = (o: Order, hash: OrderHash = nextHash()): SignedOrder => ({
  hash,
  order: o,
  signature: `0x${'11'.repeat(65)}`,
});

export const ask = (maker: Address, price: bigint, more: Partial<Order> = {}): SignedOrder =>
  signed(order({ maker, kind: OrderKind.Ask, price, ...more }));
export const tokenBid = (maker: Address, price: bigint, more: Partial<Order> = {}): SignedOrder =>
  signed(order({ maker, kind: OrderKind.TokenBid, price, ...more }));
export const collectionBid = (
  maker: Address,
  price: bigint,
  more: Partial<Order> = {},
): SignedOrder => signed(order({ maker, kind: OrderKind.CollectionBid, price, ...more }));

/** 5% royalty to the creator and 2% to one contributor (an Atelier work). */
export const ROYALTY: RoyaltyTerms = {
  kind: 'atelier',
  royaltyReceiver: CREATOR,
  royaltyBps: 500,
  contributors: [{ account: CONTRIBUTOR, bps: 200 }],
};

export const FEE = { recipient: FEE_RECIPIENT, bps: 250, block: 1n };

export const owns = (tokenId: bigint, owner: Address, approved = true, block = 10n) => ({
  tokenId,
  owner,
  approved,
  block,
});
export const funds = (m: Address, balance: bigint, block = 10n, currency: Address = USD) => ({
  maker: m,
  currency,
  balance,
  block,
});

export function submit(
  o: SignedOrder,
  observed: Observations = {},
  now: bigint = NOW,
): Extract<MarketCommand, { type: 'SubmitOrder' }> {
  return {
    type: 'SubmitOrder',
    collection: o.order.collection,
    order: o,
    royalty: o.order.kind === OrderKind.Ask ? ROYALTY : null,
    observed,
    now,
    at: atOf(now),
  };
}

export const observe = (observed: Observations, now: bigint = NOW): MarketCommand => ({
  type: 'Observe',
  observed,
  now,
  at: atOf(now),
});
