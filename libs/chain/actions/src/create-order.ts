// Builds an order for the signer with the usual defaults (valid from a minute before `now` for
// `lifetime` seconds, counter 0 unless given; contracts-abi `buildOrder`) and signs it: what the
// seed, the benches and the tests do for every order they place.
import { type MarketplaceDomain, type OrderParameters, buildOrder } from '@atelier/contracts-abi';

import { type SignOrderReturnType, signOrder } from './sign-order';
import { type TypedDataSigner, signerAddress } from './signer';

export type CreateOrderParameters = Omit<OrderParameters, 'maker'> & {
  readonly domain: MarketplaceDomain;
  /** Default: the signer's address (a contract wallet's orders name the wallet instead). */
  readonly maker?: `0x${string}`;
};

export type CreateOrderReturnType = SignOrderReturnType;

export function createOrder(
  signer: TypedDataSigner,
  { domain, maker, ...fields }: CreateOrderParameters,
): Promise<CreateOrderReturnType> {
  const order = buildOrder({ maker: maker ?? signerAddress(signer), ...fields });
  return signOrder(signer, { order, domain });
}
