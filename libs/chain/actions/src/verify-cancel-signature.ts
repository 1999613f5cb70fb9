// Whether an off-chain cancel is signed by the maker it names (ECDSA, or EIP-1271).
import type { Hex, MarketplaceDomain } from '@atelier/contracts-abi';
import type { Client } from 'viem';

import { hashCancel } from './hash-cancel';
import type { CancelInput } from './typed-data';
import { verifySignature } from './verify-signature';

export interface VerifyCancelSignatureParameters {
  readonly cancel: CancelInput;
  readonly signature: string;
  readonly domain: MarketplaceDomain;
  readonly hash?: Hex;
  readonly blockNumber?: bigint;
}

/** False for a wrong or malformed signature; throws only when a contract wallet cannot be asked. */
export type VerifyCancelSignatureReturnType = boolean;

export function verifyCancelSignature(
  client: Client,
  { cancel, signature, domain, hash, blockNumber }: VerifyCancelSignatureParameters,
): Promise<VerifyCancelSignatureReturnType> {
  return verifySignature(client, {
    signer: cancel.maker,
    hash: hash ?? hashCancel({ cancel, domain }),
    signature,
    ...(blockNumber === undefined ? {} : { blockNumber }),
  });
}
