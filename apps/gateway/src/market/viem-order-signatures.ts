// The OrderSignatures port over @atelier/chain-actions: the Marketplace's EIP-712 digests of
// orders and off-chain cancels, and their verification as the contract judges a signature
// (ECDSA for an EOA maker, EIP-1271 `isValidSignature` for a maker with code).
import type { Client } from 'viem';
import {
  hashCancel,
  hashOrder,
  verifyCancelSignature,
  verifyOrderSignature,
} from '@atelier/chain-actions';
import type { MarketplaceDomain } from '@atelier/contracts-abi';
import type { OrderHash } from '@atelier/kernel';
import type { OrderCancel, OrderSignatures } from '@atelier/market-application';
import type { Hex, Order } from '@atelier/market-domain';

export class ViemOrderSignatures implements OrderSignatures {
  constructor(
    private readonly client: Client,
    private readonly domain: MarketplaceDomain,
  ) {}

  hashOrder(order: Order): OrderHash {
    return hashOrder({ order, domain: this.domain }).toLowerCase() as OrderHash;
  }

  verifyOrder(order: Order, hash: OrderHash, signature: Hex): Promise<boolean> {
    return verifyOrderSignature(this.client, {
      order,
      signature,
      domain: this.domain,
      hash: hash as Hex,
    });
  }

  hashCancel(cancel: OrderCancel): Hex {
    return hashCancel({ cancel, domain: this.domain }).toLowerCase() as Hex;
  }

  verifyCancel(cancel: OrderCancel, signature: Hex): Promise<boolean> {
    return verifyCancelSignature(this.client, { cancel, signature, domain: this.domain });
  }
}
