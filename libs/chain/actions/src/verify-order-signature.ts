// Whether an order's signature is its maker's (ECDSA, or EIP-1271 for a contract wallet), as the
// Marketplace will judge it at settlement.
import type { Hex, MarketplaceDomain } from '@atelier/contracts-abi';
import type { Client } from 'viem';

import { hashOrder } from './hash-order';
import type { OrderInput } from './typed-data';
import { verifySignature } from './verify-signature';

export interface VerifyOrderSignatureParameters {
  readonly order: OrderInput;
  readonly signature: string;
  readonly domain: MarketplaceDomain;
  /** The order's hash when the caller has it already (the gateway does); computed otherwise. */
  readonly hash?: Hex;
  readonly blockNumber?: bigint;
}

/** False for a wrong or malformed signature; throws only when a contract wallet cannot be asked. */
export type VerifyOrderSignatureReturnType = boolean;

export function verifyOrderSignature(
  client: Client,
  { order, signature, domain, hash, blockNumber }: VerifyOrderSignatureParameters,
): Promise<VerifyOrderSignatureReturnType> {
  return verifySignature(client, {
    signer: order.maker,
    hash: hash ?? hashOrder({ order, domain }),
    signature,
    ...(blockNumber === undefined ? {} : { blockNumber }),
  });
}
