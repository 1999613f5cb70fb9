// The off-chain cancel's digest: what its maker signs, and its id (a cancel is taken once).
import type { Hex, MarketplaceDomain } from '@atelier/contracts-abi';
import { hashTypedData } from 'viem';

import { type CancelInput, cancelTypedData } from './typed-data';

export interface HashCancelParameters {
  readonly cancel: CancelInput;
  readonly domain: MarketplaceDomain;
}

export type HashCancelReturnType = Hex;

/** `hashTypedData(cancelTypedData(cancel, domain))`: pure, no client needed; addresses and
 *  hashes are hashed lowercase (see hashOrder). */
export function hashCancel({ cancel, domain }: HashCancelParameters): HashCancelReturnType {
  const message = {
    ...cancel,
    maker: cancel.maker.toLowerCase(),
    orderHashes: cancel.orderHashes.map((h) => h.toLowerCase()),
  };
  return hashTypedData(cancelTypedData(message, domain));
}
