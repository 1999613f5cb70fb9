// A maker signs an off-chain cancel of some of its orders (EIP-712 `CancelOrders`).
import type { Hex, MarketplaceDomain } from '@atelier/contracts-abi';

import { hashCancel } from './hash-cancel';
import { type TypedDataSigner, signTyped } from './signer';
import { type OrderCancel, cancelTypedData } from './typed-data';

export interface SignCancelParameters {
  readonly cancel: OrderCancel;
  readonly domain: MarketplaceDomain;
}

export interface SignCancelReturnType {
  readonly cancel: OrderCancel;
  readonly signature: Hex;
  /** The cancel's digest: the gateway takes each signed cancel once. */
  readonly hash: Hex;
}

export async function signCancel(
  signer: TypedDataSigner,
  { cancel, domain }: SignCancelParameters,
): Promise<SignCancelReturnType> {
  const signature = await signTyped(signer, cancelTypedData(cancel, domain));
  return { cancel, signature, hash: hashCancel({ cancel, domain }) };
}
