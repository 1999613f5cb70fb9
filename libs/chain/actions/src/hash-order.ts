// The order hash: the contract's `hashOrder`, the order's id in every event and in the book.
import {
  type Hex,
  type MarketplaceDomain,
  type Order,
  orderTypedData,
} from '@atelier/contracts-abi';
import { hashTypedData } from 'viem';

import type { OrderInput } from './typed-data';

export interface HashOrderParameters {
  readonly order: OrderInput;
  readonly domain: MarketplaceDomain;
}

/** The EIP-712 digest, lowercase hex (32 bytes). */
export type HashOrderReturnType = Hex;

/**
 * `hashTypedData(orderTypedData(order, domain))`: pure, no client needed. Addresses are hashed
 * lowercase: whether a client's checksum is right is the edge's question (the gateway refuses a
 * wrong one), and viem would otherwise recompute every checksum (a keccak each) on every hash.
 */
export function hashOrder({ order, domain }: HashOrderParameters): HashOrderReturnType {
  const message = {
    ...order,
    maker: order.maker.toLowerCase(),
    collection: order.collection.toLowerCase(),
    currency: order.currency.toLowerCase(),
  } as Order;
  return hashTypedData(orderTypedData(message, domain));
}
