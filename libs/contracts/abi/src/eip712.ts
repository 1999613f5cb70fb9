// EIP-712 definitions of Atelier's Marketplace orders, the one source for every signer and verifier:
// market makers' clients, the gateway's signature check, the settlement app, the jest and bench code
// that drive the contracts. Plain data in viem's typed-data shape, so viem's `signTypedData`,
// `hashTypedData` and `verifyTypedData` take `orderTypedData(order, domain)` as they are; the order
// hash (the contract's `hashOrder`, the id in every event) is `hashTypedData(orderTypedData(...))`.
// This lib is framework-free (type:util), so the hashing itself happens where viem is allowed.
// Keep in sync with contracts/src/Marketplace.sol: the forge tests pin ORDER_TYPEHASH and a test
// vector, eip712.unit.spec.ts pins the same values here, and marketplace.int.spec.ts compares the
// hash with the deployed contract's.
import { CodedError } from '@atelier/kernel';

export type Address = `0x${string}`;
export type Hex = `0x${string}`;

/*//////////////////////////////////////////////////////////////
                             DOMAIN
//////////////////////////////////////////////////////////////*/

export const MARKETPLACE_DOMAIN_NAME = 'Atelier Marketplace';
export const MARKETPLACE_DOMAIN_VERSION = '1';

export interface MarketplaceDomain {
  readonly name: typeof MARKETPLACE_DOMAIN_NAME;
  readonly version: typeof MARKETPLACE_DOMAIN_VERSION;
  readonly chainId: number;
  readonly verifyingContract: Address;
}

/** The Marketplace's EIP-712 domain on `chainId` (signatures never replay across chains or deployments). */
export function marketplaceDomain(chainId: number, verifyingContract: Address): MarketplaceDomain {
  return {
    name: MARKETPLACE_DOMAIN_NAME,
    version: MARKETPLACE_DOMAIN_VERSION,
    chainId,
    verifyingContract,
  };
}

/*//////////////////////////////////////////////////////////////
                              ORDER
//////////////////////////////////////////////////////////////*/

/** `Order.kind`. A collection bid signs `tokenId: 0n` and matches any token of the collection. */
export const OrderKind = { Ask: 0, TokenBid: 1, CollectionBid: 2 } as const;
export type OrderKind = (typeof OrderKind)[keyof typeof OrderKind];

/** The EIP-712 types of the message a maker signs (primary type `Order`). */
export const ORDER_TYPES = {
  Order: [
    { name: 'maker', type: 'address' },
    { name: 'kind', type: 'uint8' },
    { name: 'collection', type: 'address' },
    { name: 'tokenId', type: 'uint256' },
    { name: 'currency', type: 'address' },
    { name: 'price', type: 'uint256' },
    { name: 'start', type: 'uint64' },
    { name: 'expiry', type: 'uint64' },
    { name: 'counter', type: 'uint256' },
    { name: 'nonce', type: 'uint256' },
  ],
} as const;

/** `encodeType(Order)`, as the contract hashes it into ORDER_TYPEHASH. */
export const ORDER_TYPE =
  'Order(address maker,uint8 kind,address collection,uint256 tokenId,address currency,uint256 price,uint64 start,uint64 expiry,uint256 counter,uint256 nonce)';

/** keccak256(ORDER_TYPE); the contract's `ORDER_TYPEHASH()`. */
export const ORDER_TYPEHASH: Hex =
  '0xbe0b6b8d84a73c39f24ff4e53792d52e69d745bb635b70c292a0c268a4ef87a6';

/**
 * An order as signed. Units: `price` in the currency's base units (tUSD has 6 decimals); `start` and
 * `expiry` in unix seconds (valid while start <= block time < expiry); `counter` is the maker's
 * `counterOf` when signing; `nonce` is unique per live order (its bit marks it filled or cancelled;
 * reusing a nonce makes two orders exclusive, at most one fills; sequential nonces are cheapest).
 */
export interface Order {
  readonly maker: Address;
  readonly kind: OrderKind;
  readonly collection: Address;
  readonly tokenId: bigint;
  readonly currency: Address;
  readonly price: bigint;
  readonly start: bigint;
  readonly expiry: bigint;
  readonly counter: bigint;
  readonly nonce: bigint;
}

/** The full typed-data object for viem's signTypedData / hashTypedData / verifyTypedData. */
export function orderTypedData(order: Order, domain: MarketplaceDomain) {
  return {
    domain,
    types: ORDER_TYPES,
    primaryType: 'Order' as const,
    message: order,
  };
}

export interface SignedOrder {
  readonly order: Order;
  /** 65-byte r || s || v from an EOA, or whatever the maker's EIP-1271 wallet accepts. */
  readonly signature: Hex;
}

/*//////////////////////////////////////////////////////////////
                       SETTLEMENT CALLDATA
//////////////////////////////////////////////////////////////*/

/** One side of a {@link SettlementPair}: the fields of its order not shared with the other side. */
export interface SettlementSide {
  readonly maker: Address;
  readonly price: bigint;
  readonly start: bigint;
  readonly expiry: bigint;
  readonly counter: bigint;
  readonly nonce: bigint;
  readonly signature: Hex;
}

/** One matched (ask, bid) pair of a `settleBatch` call, before packing ({@link encodeSettlementBatch}). */
export interface SettlementPair {
  readonly collection: Address;
  readonly tokenId: bigint;
  readonly currency: Address;
  readonly collectionBid: boolean;
  readonly ask: SettlementSide;
  readonly bid: SettlementSide;
}

export type OrderPairErrorCode =
  | 'PAIR.NOT_AN_ASK'
  | 'PAIR.NOT_A_BID'
  | 'PAIR.MISMATCH'
  | 'PAIR.BID_BELOW_ASK'
  | 'PAIR.OUT_OF_RANGE';

/** A pair that can never settle, found before it costs gas. */
export class OrderPairError extends CodedError<OrderPairErrorCode> {
  override readonly name = 'OrderPairError';
}

const sameAddress = (a: Address, b: Address) => a.toLowerCase() === b.toLowerCase();

const side = ({ order, signature }: SignedOrder): SettlementSide => ({
  maker: order.maker,
  price: order.price,
  start: order.start,
  expiry: order.expiry,
  counter: order.counter,
  nonce: order.nonce,
  signature,
});

/**
 * The `settleBatch` element for a matched ask and bid. The contract rebuilds both order hashes from it,
 * so the shared fields must agree; the trade runs at the ask's price (the bid's is the buyer's ceiling).
 */
export function toSettlementPair(ask: SignedOrder, bid: SignedOrder): SettlementPair {
  const a = ask.order;
  const b = bid.order;
  if (a.kind !== OrderKind.Ask)
    throw new OrderPairError('PAIR.NOT_AN_ASK', 'the first order is not an ask');
  if (b.kind !== OrderKind.TokenBid && b.kind !== OrderKind.CollectionBid)
    throw new OrderPairError('PAIR.NOT_A_BID', 'the second order is not a bid');
  const collectionBid = b.kind === OrderKind.CollectionBid;
  if (
    !sameAddress(a.collection, b.collection) ||
    !sameAddress(a.currency, b.currency) ||
    (collectionBid ? b.tokenId !== 0n : b.tokenId !== a.tokenId)
  )
    throw new OrderPairError('PAIR.MISMATCH', 'the orders name different items or currencies');
  if (b.price < a.price) throw new OrderPairError('PAIR.BID_BELOW_ASK', 'the bid is below the ask');
  return {
    collection: a.collection,
    tokenId: a.tokenId,
    currency: a.currency,
    collectionBid,
    ask: side(ask),
    bid: side(bid),
  };
}

const hexField = (value: bigint | number, bytes: number, field: string): string => {
  const v = BigInt(value);
  if (v < 0n || v >= 1n << BigInt(bytes * 8))
    throw new OrderPairError('PAIR.OUT_OF_RANGE', `${field} ${v} does not fit in ${bytes} bytes`);
  return v.toString(16).padStart(bytes * 2, '0');
};

const addressField = (value: Address, field: string): string => {
  if (!/^0x[0-9a-fA-F]{40}$/.test(value))
    throw new OrderPairError('PAIR.OUT_OF_RANGE', `${field} ${value} is not an address`);
  return value.slice(2).toLowerCase();
};

/** The batch's address table: each distinct address once, referred to by its uint16 index. */
class AddressTable {
  private readonly index = new Map<string, number>();
  readonly entries: string[] = [];

  ref(value: Address, field: string): string {
    const key = addressField(value, field);
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.entries.length;
      this.index.set(key, i);
      this.entries.push(key);
    }
    return hexField(i, 2, `${field} (address table index)`);
  }
}

const encodeSide = (table: AddressTable, s: SettlementSide, name: string): string => {
  if (!/^0x([0-9a-fA-F]{2})*$/.test(s.signature))
    throw new OrderPairError('PAIR.OUT_OF_RANGE', `${name}.signature is not hex bytes`);
  const signature = s.signature.slice(2).toLowerCase();
  return (
    table.ref(s.maker, `${name}.maker`) +
    hexField(s.price, 16, `${name}.price`) +
    hexField(s.start, 8, `${name}.start`) +
    hexField(s.expiry, 8, `${name}.expiry`) +
    hexField(s.counter, 8, `${name}.counter`) +
    hexField(s.nonce, 32, `${name}.nonce`) +
    hexField(signature.length / 2, 2, `${name}.signature length`) +
    signature
  );
};

/**
 * The `batch` argument of `Marketplace.settleBatch`: packed big-endian with no padding, each distinct
 * address once (calldata is paid per byte: ~320 bytes per pair plus 20 per distinct address, against
 * ~930 per pair ABI-encoded). Layout: `count:uint16 addressCount:uint16 addresses:address[addressCount]`,
 * then per pair `collection:uint16 tokenId:uint256 currency:uint16 flags:uint8` (bit 0: collection bid)
 * and the ask side then the bid side, each `maker:uint16 price:uint128 start:uint64 expiry:uint64
 * counter:uint64 nonce:uint256 signatureLength:uint16 signature`, where a uint16 address is an index
 * into the table. The contract's `decodeBatch` view reads a batch back, for checking an encoder.
 */
export function encodeSettlementBatch(pairs: readonly SettlementPair[]): Hex {
  const table = new AddressTable();
  const body = pairs.map(
    (p, i) =>
      table.ref(p.collection, `pairs[${i}].collection`) +
      hexField(p.tokenId, 32, `pairs[${i}].tokenId`) +
      table.ref(p.currency, `pairs[${i}].currency`) +
      (p.collectionBid ? '01' : '00') +
      encodeSide(table, p.ask, `pairs[${i}].ask`) +
      encodeSide(table, p.bid, `pairs[${i}].bid`),
  );
  return `0x${hexField(pairs.length, 2, 'pair count')}${hexField(table.entries.length, 2, 'address count')}${table.entries.join('')}${body.join('')}`;
}

/*//////////////////////////////////////////////////////////////
                         CONTRACT ENUMS
//////////////////////////////////////////////////////////////*/

/** `Marketplace.SkipReason` by value (PairSkipped.reason, NotFillable(reason), settleBatch's return). */
export const SKIP_REASONS = [
  'None',
  'BidBelowAsk',
  'SelfTrade',
  'CurrencyNotAllowed',
  'AskNotStarted',
  'BidNotStarted',
  'AskExpired',
  'BidExpired',
  'AskBadSignature',
  'BidBadSignature',
  'AskCounterStale',
  'BidCounterStale',
  'AskCancelled',
  'BidCancelled',
  'AskFilled',
  'BidFilled',
  'BuyerUnfunded',
  'SellerNotOwner',
  'ItemNotApproved',
  'ItemTransferFailed',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** `Marketplace.NonceState` by value (`nonceState(maker, nonce)`). */
export const NONCE_STATES = ['Open', 'Filled', 'Cancelled'] as const;
export type NonceState = (typeof NONCE_STATES)[number];

export function skipReasonName(value: number): SkipReason {
  const name = SKIP_REASONS[value];
  if (name === undefined) throw new RangeError(`unknown Marketplace.SkipReason ${value}`);
  return name;
}
