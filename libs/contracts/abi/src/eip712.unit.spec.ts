// The shared EIP-712 definitions agree with viem and with the contract tests (the pinned vector is
// also asserted by contracts/test/Marketplace.t.sol), and the settlement encoder packs what
// Marketplace.settleBatch reads.
import { hashTypedData, keccak256, toHex } from 'viem';

import {
  type Order,
  type SignedOrder,
  ORDER_TYPE,
  ORDER_TYPEHASH,
  ORDER_TYPES,
  OrderKind,
  OrderPairError,
  SKIP_REASONS,
  encodeSettlementBatch,
  marketplaceDomain,
  orderTypedData,
  skipReasonName,
  toSettlementPair,
} from './eip712';

const collection = '0x2222222222222222222222222222222222222222';
const currency = '0x3333333333333333333333333333333333333333';
const seller = '0x1111111111111111111111111111111111111111';
const buyer = '0x4444444444444444444444444444444444444444';

const order = (over: Partial<Order> = {}): Order => ({
  maker: seller,
  kind: OrderKind.Ask,
  collection,
  tokenId: 42n,
  currency,
  price: 125_000_000n,
  start: 1_750_000_000n,
  expiry: 1_760_000_000n,
  counter: 3n,
  nonce: 9n,
  ...over,
});
const signed = (o: Order, byte = 'ab'): SignedOrder => ({
  order: o,
  signature: `0x${byte.repeat(65)}`,
});

describe('EIP-712 order definitions', () => {
  it('ORDER_TYPE is encodeType(Order) and ORDER_TYPEHASH its hash', () => {
    const fields = ORDER_TYPES.Order.map((f) => `${f.type} ${f.name}`).join(',');
    expect(ORDER_TYPE).toBe(`Order(${fields})`);
    expect(keccak256(toHex(ORDER_TYPE))).toBe(ORDER_TYPEHASH);
  });

  it('hashes the vector pinned in the forge tests', () => {
    const domain = marketplaceDomain(31337, '0x00000000000000000000000000000000000a7e11');
    const digest = hashTypedData(orderTypedData(order({ kind: OrderKind.TokenBid }), domain));
    expect(digest).toBe('0xf2dc8c91efe4ae2b35a3055f21b404cc17123a27fb3b7c3b37d4333ba9d05377');
  });

  it('names every SkipReason in contract order', () => {
    expect(SKIP_REASONS).toHaveLength(20);
    expect(skipReasonName(0)).toBe('None');
    expect(skipReasonName(6)).toBe('AskExpired');
    expect(skipReasonName(7)).toBe('BidExpired');
    expect(skipReasonName(19)).toBe('ItemTransferFailed');
    expect(() => skipReasonName(20)).toThrow(RangeError);
  });
});

describe('toSettlementPair', () => {
  it('keeps the shared fields once and each side', () => {
    const pair = toSettlementPair(
      signed(order()),
      signed(order({ maker: buyer, kind: OrderKind.TokenBid, price: 130_000_000n })),
    );
    expect(pair).toMatchObject({ collection, tokenId: 42n, currency, collectionBid: false });
    expect(pair.ask.maker).toBe(seller);
    expect(pair.bid.price).toBe(130_000_000n);
  });

  it('accepts a collection bid on any token of the collection', () => {
    const pair = toSettlementPair(
      signed(order()),
      signed(order({ maker: buyer, kind: OrderKind.CollectionBid, tokenId: 0n })),
    );
    expect(pair.collectionBid).toBe(true);
  });

  it.each([
    ['PAIR.NOT_AN_ASK', order({ kind: OrderKind.TokenBid }), order({ kind: OrderKind.TokenBid })],
    ['PAIR.NOT_A_BID', order(), order()],
    ['PAIR.MISMATCH', order(), order({ kind: OrderKind.TokenBid, tokenId: 43n })],
    ['PAIR.MISMATCH', order(), order({ kind: OrderKind.CollectionBid, tokenId: 42n })],
    ['PAIR.BID_BELOW_ASK', order(), order({ kind: OrderKind.TokenBid, price: 1n })],
  ] as const)('rejects %s', (code, ask, bid) => {
    expect(() => toSettlementPair(signed(ask), signed(bid))).toThrow(
      expect.objectContaining({ name: 'OrderPairError', code }),
    );
  });
});

describe('encodeSettlementBatch', () => {
  const pair = toSettlementPair(
    signed(order(), 'aa'),
    signed(order({ maker: buyer, kind: OrderKind.CollectionBid, tokenId: 0n }), 'bb'),
  );

  it('packs a count, an address table and the pairs', () => {
    const hex = encodeSettlementBatch([pair, pair]).slice(2);
    const table = 4; // collection, currency, seller, buyer: each once
    const pairBytes = 2 + 32 + 2 + 1 + 2 * (2 + 16 + 8 + 8 + 8 + 32 + 2 + 65);
    expect(hex.length / 2).toBe(2 + 2 + 20 * table + 2 * pairBytes);
    expect(hex.slice(0, 8)).toBe('00020004');
    expect(hex.slice(8, 8 + 40)).toBe(collection.slice(2));
    const first = hex.slice(8 + 40 * table);
    expect(first.slice(0, 4)).toBe('0000'); // collection: table index 0
    expect(first.slice(4, 68)).toBe(42n.toString(16).padStart(64, '0'));
    expect(first.slice(72, 74)).toBe('01'); // collection bid
  });

  it('refuses values that do not fit their field', () => {
    const tooExpensive = { ...pair, ask: { ...pair.ask, price: 1n << 128n } };
    expect(() => encodeSettlementBatch([tooExpensive])).toThrow(OrderPairError);
    const badSignature = { ...pair, bid: { ...pair.bid, signature: '0x123' as const } };
    expect(() => encodeSettlementBatch([badSignature])).toThrow(OrderPairError);
  });
});
