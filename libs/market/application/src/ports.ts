// What the market's use cases need from the world, as interfaces the app wires to adapters:
// order signatures (viem: EIP-712 hashing, ECDSA and EIP-1271 verification), chain reads at
// one block (viem multicall), and the orders read model. The use cases never see viem, a
// database or Kafka; their specs run against in-memory fakes of these ports.
import type { Address, OrderHash } from '@atelier/kernel';
import type { Hex, Observations, Order, RoyaltyTerms } from '@atelier/market-domain';

/** The off-chain cancel a maker signs (EIP-712 `CancelOrders`, same domain as orders). */
export interface OrderCancel {
  readonly maker: Address;
  readonly orderHashes: readonly OrderHash[];
  /** Unix seconds; with the hashes it makes each signed cancel unique. */
  readonly issuedAt: bigint;
}

export interface OrderSignatures {
  /** The contract's `hashOrder`: the EIP-712 digest under the Marketplace's domain. */
  hashOrder(order: Order): OrderHash;
  /** ECDSA for an EOA maker, EIP-1271 `isValidSignature` for a maker with code. */
  verifyOrder(order: Order, hash: OrderHash, signature: Hex): Promise<boolean>;
  hashCancel(cancel: OrderCancel): Hex;
  verifyCancel(cancel: OrderCancel, signature: Hex): Promise<boolean>;
}

export const ORDER_SIGNATURES = Symbol('atelier.market.OrderSignatures');

/** Everything the intake of some orders needs from the chain, read at one block. */
export interface IntakeReading {
  readonly block: bigint;
  /** The block's timestamp: orders are judged against chain time, as the contract will. */
  readonly chainTime: bigint;
  /** Per collection: owners/approvals of the asks' tokens, bidders' balances, makers' counters,
   *  the nonces' states and the protocol fee, all at `block`. */
  readonly observed: ReadonlyMap<Address, Observations>;
  /** Per ask (see `royaltyKey`): the royalty terms the contract will apply at its price. */
  readonly royalty: ReadonlyMap<string, RoyaltyTerms>;
  /** The Marketplace's currency allow-list, for the orders' currencies. */
  readonly currencyAllowed: ReadonlyMap<Address, boolean>;
}

export const royaltyKey = (o: Pick<Order, 'collection' | 'tokenId' | 'price'>): string =>
  `${o.collection}:${o.tokenId}:${o.price}`;

/** What to re-read when chain facts arrive (all at one block). */
export interface ObservationRequest {
  readonly tokens?: readonly { readonly collection: Address; readonly tokenId: bigint }[];
  readonly funds?: readonly { readonly maker: Address; readonly currency: Address }[];
  readonly counters?: readonly Address[];
  readonly nonces?: readonly { readonly maker: Address; readonly nonce: bigint }[];
  readonly fee?: boolean;
}

/** The answers, at `block`, in the decider's shape (tokens grouped by collection). */
export interface ObservationReading {
  readonly block: bigint;
  readonly tokens: readonly {
    readonly collection: Address;
    readonly tokenId: bigint;
    readonly owner: Address;
    readonly approved: boolean;
  }[];
  readonly funds: readonly {
    readonly maker: Address;
    readonly currency: Address;
    readonly balance: bigint;
  }[];
  readonly counters: readonly { readonly maker: Address; readonly counter: bigint }[];
  readonly nonces: readonly {
    readonly maker: Address;
    readonly nonce: bigint;
    readonly state: 'open' | 'filled' | 'cancelled';
  }[];
  readonly fee: { readonly recipient: Address | null; readonly bps: number } | null;
}

export interface MarketChainReader {
  readForIntake(orders: readonly Order[]): Promise<IntakeReading>;
  /** One multicall at the latest block (or `block`), for the fillability tracker. */
  readObservations(request: ObservationRequest, block?: bigint): Promise<ObservationReading>;
}

export const MARKET_CHAIN_READER = Symbol('atelier.market.MarketChainReader');

/** What the order read model answers the use cases. */
export interface OrderDirectory {
  /** The collection of each known order (for cancels, which name orders by hash only). */
  collectionsOf(hashes: readonly OrderHash[]): Promise<ReadonlyMap<OrderHash, Address>>;
  /** What the maker's pending trades in other collections hold of its balance of `currency`. */
  reservedElsewhere(maker: Address, currency: Address, except: Address): Promise<bigint>;
}

export const ORDER_DIRECTORY = Symbol('atelier.market.OrderDirectory');

/** The chain the gateway serves and the intake's own limits. */
export interface IntakePolicy {
  readonly chainId: number;
  readonly marketplace: Address;
  /** Longest accepted time from now to an order's expiry (and to its start), seconds. */
  readonly maxLifetimeSeconds: bigint;
  /** Longest accepted age of a signed cancel's `issuedAt`, seconds. */
  readonly cancelMaxAgeSeconds: bigint;
}

export const INTAKE_POLICY = Symbol('atelier.market.IntakePolicy');
