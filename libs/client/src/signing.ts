// Orders and cancels as a client signs and sends them. Signing is @atelier/chain-actions' (the
// same EIP-712 code the gateway verifies with, docs/market-makers.md), over the domain the
// gateway's /v1/deployments names; this module turns signed values into the JSON the API takes
// (every integer a canonical decimal string, only the fields the API names: it refuses others).
import type { MarketplaceDomain } from '@atelier/contracts-abi';
import { marketplaceDomain } from '@atelier/contracts-abi';
import type { Deployments } from './types';

/** An integer as a client may hold it; sent as a canonical decimal string. */
export type Numeric = bigint | number | string;

/** An order's fields, integers in any Numeric form (a signed order's bigints as they are). */
export interface OrderInput {
  readonly maker: string;
  readonly kind: number;
  readonly collection: string;
  readonly tokenId: Numeric;
  readonly currency: string;
  readonly price: Numeric;
  readonly start: Numeric;
  readonly expiry: Numeric;
  readonly counter: Numeric;
  readonly nonce: Numeric;
}

/** What submitOrders takes per order: chain-actions' signOrder/createOrder answer fits as is. */
export interface SubmissionInput {
  readonly order: OrderInput;
  readonly signature: string;
  /** Say which chain and contract you signed for: a mismatch is ORDER.WRONG_CHAIN/_CONTRACT
   *  instead of ORDER.BAD_SIGNATURE. */
  readonly chainId?: number;
  readonly verifyingContract?: string;
}

/** A signed off-chain cancel (chain-actions' signCancel answer fits as is). */
export interface CancelInput {
  readonly cancel: {
    readonly maker: string;
    readonly orderHashes: readonly string[];
    readonly issuedAt: Numeric;
  };
  readonly signature: string;
}

/** A canonical decimal string: what the API takes for every integer. */
export function decimal(value: Numeric): string {
  if (typeof value === 'string') return value; // the gateway judges it, with a field code
  if (typeof value === 'number' && !Number.isSafeInteger(value))
    throw new RangeError(`${value} is not a safe integer: pass a bigint or a decimal string`);
  return BigInt(value).toString();
}

export interface OrderJson {
  maker: string;
  kind: 0 | 1 | 2;
  collection: string;
  tokenId: string;
  currency: string;
  price: string;
  start: string;
  expiry: string;
  counter: string;
  nonce: string;
}

export interface SubmissionJson {
  order: OrderJson;
  signature: string;
  chainId?: number;
  verifyingContract?: string;
}

export function orderJson(o: OrderInput): OrderJson {
  return {
    maker: o.maker,
    kind: o.kind as 0 | 1 | 2,
    collection: o.collection,
    tokenId: decimal(o.tokenId),
    currency: o.currency,
    price: decimal(o.price),
    start: decimal(o.start),
    expiry: decimal(o.expiry),
    counter: decimal(o.counter),
    nonce: decimal(o.nonce),
  };
}

export function submissionJson(s: SubmissionInput): SubmissionJson {
  return {
    order: orderJson(s.order),
    signature: s.signature,
    ...(s.chainId === undefined ? {} : { chainId: s.chainId }),
    ...(s.verifyingContract === undefined ? {} : { verifyingContract: s.verifyingContract }),
  };
}

export function cancelJson(c: CancelInput) {
  return {
    cancel: {
      maker: c.cancel.maker,
      orderHashes: [...c.cancel.orderHashes],
      issuedAt: decimal(c.cancel.issuedAt),
    },
    signature: c.signature,
  };
}

/** The Marketplace's EIP-712 domain from a deployments answer. */
export function domainOf(deployments: Deployments): MarketplaceDomain {
  const market = deployments.contracts['Marketplace'];
  if (!market) throw new Error('the deployments answer names no Marketplace contract');
  return marketplaceDomain(deployments.chainId, market.address as `0x${string}`);
}
