// A maker signs an order (eth_signTypedData_v4 over the Marketplace's EIP-712 domain).
import {
  type Hex,
  type MarketplaceDomain,
  type Order,
  type SignedOrder,
  orderTypedData,
} from '@atelier/contracts-abi';

import { hashOrder } from './hash-order';
import { type TypedDataSigner, signTyped } from './signer';

export interface SignOrderParameters {
  readonly order: Order;
  readonly domain: MarketplaceDomain;
}

/** The signed order (what `settleBatch` and the gateway take) and its hash. */
export type SignOrderReturnType = SignedOrder & { readonly hash: Hex };

export async function signOrder(
  signer: TypedDataSigner,
  { order, domain }: SignOrderParameters,
): Promise<SignOrderReturnType> {
  const signature = await signTyped(signer, orderTypedData(order, domain));
  return { order, signature, hash: hashOrder({ order, domain }) };
}
