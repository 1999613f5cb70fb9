// The EIP-712 messages makers sign besides orders: the off-chain cancel. The Order types live in
// @atelier/contracts-abi (the contract hashes them); CancelOrders is never seen by the contract,
// only by the gateway, so it is defined here, under the same Marketplace domain so that a cancel
// signed for one chain or deployment never applies to another. docs/market-makers.md documents both.
import type { Address, Hex, MarketplaceDomain, Order } from '@atelier/contracts-abi';

/** The EIP-712 types of an off-chain cancel (primary type `CancelOrders`). */
export const CANCEL_TYPES = {
  CancelOrders: [
    { name: 'maker', type: 'address' },
    { name: 'orderHashes', type: 'bytes32[]' },
    { name: 'issuedAt', type: 'uint64' },
  ],
} as const;

/** `encodeType(CancelOrders)`. */
export const CANCEL_TYPE = 'CancelOrders(address maker,bytes32[] orderHashes,uint64 issuedAt)';

/** An off-chain cancel as signed: the maker's orders (by hash) and when the maker issued it (unix s). */
export interface OrderCancel {
  readonly maker: Address;
  readonly orderHashes: readonly Hex[];
  readonly issuedAt: bigint;
}

/**
 * A value as any layer holds it: addresses and hashes as plain strings (the kernel's branded
 * lowercase ids, a checksummed address from a client) rather than viem's `0x${string}`.
 */
export type Loose<T> = {
  readonly [K in keyof T]: T[K] extends `0x${string}`
    ? string
    : T[K] extends readonly `0x${string}`[]
      ? readonly string[]
      : T[K];
};

/** An order's fields, with addresses as any string (see {@link Loose}). */
export type OrderInput = Loose<Order>;
/** A cancel's fields, with addresses and hashes as any string. */
export type CancelInput = Loose<OrderCancel>;

/** The typed-data object of a cancel for viem's signTypedData / hashTypedData. */
export function cancelTypedData(cancel: CancelInput, domain: MarketplaceDomain) {
  return {
    domain,
    types: CANCEL_TYPES,
    primaryType: 'CancelOrders' as const,
    message: cancel as OrderCancel,
  };
}
