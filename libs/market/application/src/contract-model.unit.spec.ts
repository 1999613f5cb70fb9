// The market domain mirrors the Marketplace's order model (it may not import the chain-facing
// ABI library, ADR 0010): this spec holds the mirror to the contract's own definitions, so a
// change to the contract's Order, kinds or skip reasons cannot leave the domain behind.
import {
  ORDER_TYPES,
  OrderKind as AbiOrderKind,
  SKIP_REASONS as ABI_SKIP_REASONS,
} from '@atelier/contracts-abi';
import { CONTRACT_SKIP_REASONS, MAX_PRICE, OrderKind, type Order } from '@atelier/market-domain';

describe('the market domain mirrors the contract', () => {
  it('has the contract skip reasons, in the contract order (None excluded)', () => {
    expect(['None', ...CONTRACT_SKIP_REASONS]).toEqual([...ABI_SKIP_REASONS]);
  });

  it('has the contract order kinds and every signed Order field', () => {
    expect(OrderKind).toEqual(AbiOrderKind);
    const fields: Record<keyof Order, true> = {
      maker: true,
      kind: true,
      collection: true,
      tokenId: true,
      currency: true,
      price: true,
      start: true,
      expiry: true,
      counter: true,
      nonce: true,
    };
    expect(Object.keys(fields)).toEqual(ORDER_TYPES.Order.map((f) => f.name));
  });

  it('caps the price at what the packed settleBatch carries (uint128)', () => {
    expect(MAX_PRICE).toBe((1n << 128n) - 1n);
  });
});
