// The order the Marketplace contract executes, as the market sees it: the EIP-712 `Order`
// fields (docs/contracts.md), its hash (the contract's `hashOrder`, computed at the edge where
// viem lives) and its signature, checked at the edge too. The field ranges are the contract's
// and the packed `settleBatch`'s: a price must fit 128 bits, times and counters 64, so an order
// accepted here can always be settled.
import type { Address, OrderHash } from '@atelier/kernel';

export const OrderKind = { Ask: 0, TokenBid: 1, CollectionBid: 2 } as const;
export type OrderKind = (typeof OrderKind)[keyof typeof OrderKind];

export type Hex = `0x${string}`;

export interface Order {
  readonly maker: Address;
  readonly kind: OrderKind;
  readonly collection: Address;
  /** 0 for a collection bid (it matches any token of the collection). */
  readonly tokenId: bigint;
  readonly currency: Address;
  /** An ask's exact price; a bid's ceiling. Base units of `currency`. */
  readonly price: bigint;
  /** Valid while start <= time < expiry (unix seconds). */
  readonly start: bigint;
  readonly expiry: bigint;
  readonly counter: bigint;
  readonly nonce: bigint;
}

export interface SignedOrder {
  readonly hash: OrderHash;
  readonly order: Order;
  readonly signature: Hex;
}

export const MAX_PRICE = (1n << 128n) - 1n;
export const MAX_UINT64 = (1n << 64n) - 1n;
export const MAX_UINT256 = (1n << 256n) - 1n;

export const isAsk = (o: Order): boolean => o.kind === OrderKind.Ask;
export const isBid = (o: Order): boolean => !isAsk(o);

/*//////////////////////////////////////////////////////////////
                              KEYS
//////////////////////////////////////////////////////////////*/

// The market's maps are keyed by strings (nonces excepted: see NonceMap in book.ts). A key built afresh on every read is a concatenation
// to flatten and a string to hash at each lookup; one decision reads the same few keys several
// times (status, ranks, indexes, matching) and a busy market the same tokens and buyers over and
// over. So keys come from small caches that hand back the same string object, whose hash V8
// keeps: the cost is paid once per key, not per lookup. Caches are bounded (cleared when full):
// they only ever save work, the key is the same text either way.

/** Entries a key cache holds before it starts again. */
const KEY_CACHE_LIMIT = 1 << 16;

const fundsKeys = new Map<Address, Map<Address, string>>();
let fundsKeyCount = 0;

// The last key handed out, by its parts: a decision asks for the same one several times.
let lastFundsMaker: Address | undefined;
let lastFundsCurrency: Address | undefined;
let lastFundsKey = '';

/** The key of a (maker, currency) balance. */
export function fundsKey(maker: Address, currency: Address): string {
  if (maker === lastFundsMaker && currency === lastFundsCurrency) return lastFundsKey;
  lastFundsMaker = maker;
  lastFundsCurrency = currency;
  return (lastFundsKey = fundsKeyOf(maker, currency));
}

function fundsKeyOf(maker: Address, currency: Address): string {
  let byCurrency = fundsKeys.get(maker);
  const known = byCurrency?.get(currency);
  if (known !== undefined) return known;
  if (++fundsKeyCount > KEY_CACHE_LIMIT) {
    fundsKeys.clear();
    fundsKeyCount = 1;
    byCurrency = undefined;
  }
  if (byCurrency === undefined) fundsKeys.set(maker, (byCurrency = new Map()));
  const key = `${maker}:${currency}`;
  byCurrency.set(currency, key);
  return key;
}

/** Token keys by token id below 2^31 (the usual ids); larger ids are converted each time. */
const tokenKeys = new Map<number, string>();

let lastTokenId: bigint | undefined;
let lastTokenKey = '';

/** The key of a token in the market's maps and indexes: its id in decimal. */
export function tokenKey(tokenId: bigint): string {
  // A submit asks for its token's key several times (status, indexes, ranks, matching).
  if (tokenId === lastTokenId) return lastTokenKey;
  lastTokenId = tokenId;
  return (lastTokenKey = tokenKeyOf(tokenId));
}

function tokenKeyOf(tokenId: bigint): string {
  if (tokenId >= 0n && tokenId <= 0x7fffffffn) {
    const n = Number(tokenId);
    const known = tokenKeys.get(n);
    if (known !== undefined) return known;
    if (tokenKeys.size >= KEY_CACHE_LIMIT) tokenKeys.clear();
    const key = tokenId.toString();
    tokenKeys.set(n, key);
    return key;
  }
  return tokenId.toString();
}

/** True while the order may trade at `now` (unix seconds): start <= now < expiry. */
export const isActiveAt = (o: Order, now: bigint): boolean => o.start <= now && now < o.expiry;

/** Why an order's fields can never be settled, by kind of problem. */
export interface OrderFieldProblem {
  /** OUT_OF_RANGE: a field the contract or the packed `settleBatch` cannot carry; INVALID: the rest. */
  readonly code: 'ORDER.OUT_OF_RANGE' | 'ORDER.INVALID';
  readonly field: keyof Order;
  readonly message: string;
}

const range = (field: keyof Order, message: string): OrderFieldProblem => ({
  code: 'ORDER.OUT_OF_RANGE',
  field,
  message,
});
const invalid = (field: keyof Order, message: string): OrderFieldProblem => ({
  code: 'ORDER.INVALID',
  field,
  message,
});

/**
 * What is wrong with an order's fields, or undefined. The contract would take some of these (a
 * zero price, a counter of 2^64 is signable), but none can ever be settled usefully.
 */
export function orderFieldProblem(o: Order): OrderFieldProblem | undefined {
  if (
    o.kind !== OrderKind.Ask &&
    o.kind !== OrderKind.TokenBid &&
    o.kind !== OrderKind.CollectionBid
  )
    return invalid(
      'kind',
      `kind ${String(o.kind)} is not 0 (ask), 1 (token bid) or 2 (collection bid)`,
    );
  if (o.price <= 0n) return invalid('price', 'price must be positive');
  if (o.price > MAX_PRICE)
    return range('price', 'price must be below 2^128 (the packed settleBatch carries 128 bits)');
  if (o.start < 0n || o.start > MAX_UINT64) return range('start', 'start must be a uint64');
  if (o.expiry < 0n || o.expiry > MAX_UINT64) return range('expiry', 'expiry must be a uint64');
  if (o.counter < 0n || o.counter > MAX_UINT64)
    return range('counter', 'counter must be below 2^64 (the packed settleBatch carries 64 bits)');
  if (o.nonce < 0n || o.nonce > MAX_UINT256) return range('nonce', 'nonce must be a uint256');
  if (o.tokenId < 0n || o.tokenId > MAX_UINT256)
    return range('tokenId', 'tokenId must be a uint256');
  if (o.expiry <= o.start) return invalid('expiry', 'expiry must be after start');
  if (o.kind === OrderKind.CollectionBid && o.tokenId !== 0n)
    return invalid('tokenId', 'a collection bid is signed with tokenId 0');
  return undefined;
}
