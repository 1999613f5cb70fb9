// Trades for the settlement specs: trade(n) is the n-th pair of one collection, with
// distinct order hashes and nonces per n.
import type { Hex, SettlementTrade } from '../batch/settlement';

export const AT = '2026-01-01T00:00:00.000Z';
export const addr = (n: number): Hex => `0x${n.toString(16).padStart(40, '0')}`;
export const h = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`;

export const trade = (n: number): SettlementTrade => {
  const order = (maker: number, kind: 0 | 1, nonce: number) => ({
    hash: h(n * 2 + kind),
    order: {
      maker: addr(maker),
      kind,
      collection: addr(100),
      tokenId: BigInt(n),
      currency: addr(200),
      price: 1000n,
      start: 0n,
      expiry: 10n ** 10n,
      counter: 0n,
      nonce: BigInt(nonce),
    },
    signature: `0x${'11'.repeat(65)}` as Hex,
  });
  return {
    tradeId: `${addr(100)}:${n}`,
    collection: addr(100),
    tokenId: BigInt(n),
    price: 1000n,
    ask: order(1, 0, n),
    bid: order(2, 1, n),
    matchedAt: AT,
  };
};
