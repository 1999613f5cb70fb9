// What the chain says about some orders, in the shapes the market's use cases take
// (@atelier/market-application's IntakeReading / ObservationReading and the domain's
// Observations / RoyaltyTerms). This is an infrastructure library, which may not import the
// application or the domain, so the shapes are restated here, structurally identical, with the
// kernel's lowercase ids: the gateway's adapter passes them through as they are.
import type { Address as Id, OrderHash } from '@atelier/kernel';

export interface ObservedState {
  readonly tokens?: readonly {
    readonly tokenId: bigint;
    readonly owner: Id;
    readonly approved: boolean;
    readonly block: bigint;
  }[];
  readonly funds?: readonly {
    readonly maker: Id;
    readonly currency: Id;
    readonly balance: bigint;
    readonly reservedElsewhere?: bigint;
    readonly block: bigint;
  }[];
  readonly counters?: readonly {
    readonly maker: Id;
    readonly counter: bigint;
    readonly block: bigint;
  }[];
  readonly nonces?: readonly {
    readonly maker: Id;
    readonly nonce: bigint;
    readonly state: NonceStatus;
    readonly filledBy?: OrderHash | null;
    readonly block: bigint;
  }[];
  readonly fee?: {
    readonly recipient: Id | null;
    readonly bps: number;
    readonly block: bigint;
  };
}

export type NonceStatus = 'open' | 'filled' | 'cancelled';

/** The royalty the contract will apply to an ask, before the domain's cap and rounding. */
export type RoyaltyTerms =
  /** An ArtworkRegistry work: its royalty receiver and bps and its training-data contributors. */
  | {
      readonly kind: 'atelier';
      readonly royaltyReceiver: Id;
      readonly royaltyBps: number;
      readonly contributors: readonly { readonly account: Id; readonly bps: number }[];
    }
  /** Any other collection: its `royaltyInfo(tokenId, price)` answer (receiver null when it failed). */
  | { readonly kind: 'erc2981'; readonly receiver: Id | null; readonly amount: bigint };

/** The key of an ask's royalty terms (the application's `royaltyKey`, restated). */
export const royaltyKey = (o: {
  readonly collection: string;
  readonly tokenId: bigint;
  readonly price: bigint;
}): string => `${o.collection.toLowerCase()}:${o.tokenId}:${o.price}`;

/** Everything the intake of some orders needs, read at one block. */
export interface IntakeState {
  readonly block: bigint;
  /** The block's timestamp (unix seconds). */
  readonly chainTime: bigint;
  /** Per collection (lowercase). */
  readonly observed: ReadonlyMap<Id, ObservedState>;
  /** Per ask, by {@link royaltyKey}. */
  readonly royalty: ReadonlyMap<string, RoyaltyTerms>;
  /** Per currency of the orders (lowercase). */
  readonly currencyAllowed: ReadonlyMap<Id, boolean>;
}

/** What to re-read when chain facts arrive (the application's ObservationRequest). */
export interface ObservationRequest {
  readonly tokens?: readonly { readonly collection: string; readonly tokenId: bigint }[];
  readonly funds?: readonly { readonly maker: string; readonly currency: string }[];
  readonly counters?: readonly string[];
  readonly nonces?: readonly { readonly maker: string; readonly nonce: bigint }[];
  readonly fee?: boolean;
}

/** The answers at `block` (the application's ObservationReading). */
export interface ObservationState {
  readonly block: bigint;
  readonly tokens: readonly {
    readonly collection: Id;
    readonly tokenId: bigint;
    readonly owner: Id;
    readonly approved: boolean;
  }[];
  readonly funds: readonly {
    readonly maker: Id;
    readonly currency: Id;
    readonly balance: bigint;
  }[];
  readonly counters: readonly { readonly maker: Id; readonly counter: bigint }[];
  readonly nonces: readonly {
    readonly maker: Id;
    readonly nonce: bigint;
    readonly state: NonceStatus;
  }[];
  readonly fee: { readonly recipient: Id | null; readonly bps: number } | null;
}
