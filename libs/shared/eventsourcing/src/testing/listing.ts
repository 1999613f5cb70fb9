// Test-only aggregate: one artwork's fixed-price listing. Small, but with the shapes real
// deciders have (bigint prices, addresses, a terminal state, typed refusals), so the
// repository, codec and property tests exercise something realistic. Not exported.
import { z } from 'zod';
import {
  domainError,
  err,
  ok,
  parseAddress,
  type Address,
  type DomainError,
  type Result,
} from '@atelier/kernel';
import { defineEventCodec, zUnsignedBigint } from '../codec';
import type { Decider } from '../decider';
import type { Upcaster } from '../upcasting';

export type ListingCommand =
  | {
      readonly type: 'List';
      readonly seller: Address;
      readonly price: bigint;
      readonly now: string;
    }
  | { readonly type: 'Reprice'; readonly seller: Address; readonly price: bigint }
  | { readonly type: 'Cancel'; readonly seller: Address }
  | { readonly type: 'Purchase'; readonly buyer: Address; readonly price: bigint };

export type ListingEvent =
  | {
      readonly type: 'Listed';
      readonly data: {
        readonly seller: Address;
        readonly price: bigint;
        readonly listedAt: string;
      };
    }
  | { readonly type: 'Repriced'; readonly data: { readonly price: bigint } }
  | { readonly type: 'Cancelled'; readonly data: Record<string, never> }
  | { readonly type: 'Sold'; readonly data: { readonly buyer: Address; readonly price: bigint } };

export type ListingState =
  | { readonly status: 'unlisted' }
  | { readonly status: 'listed'; readonly seller: Address; readonly price: bigint }
  | { readonly status: 'cancelled'; readonly seller: Address }
  | {
      readonly status: 'sold';
      readonly seller: Address;
      readonly buyer: Address;
      readonly price: bigint;
    };

export type ListingErrorCode =
  | 'LISTING.ALREADY_LISTED'
  | 'LISTING.NOT_LISTED'
  | 'LISTING.NOT_SELLER'
  | 'LISTING.INVALID_PRICE'
  | 'LISTING.PRICE_MISMATCH'
  | 'LISTING.SELF_PURCHASE';

type Refusal = DomainError<ListingErrorCode>;
const refuse = (code: ListingErrorCode, message: string): Result<never, Refusal> =>
  err(domainError(code, message));

export const listingDecider: Decider<ListingCommand, ListingEvent, ListingState, Refusal> = {
  initialState: { status: 'unlisted' },
  decide(command, state) {
    switch (command.type) {
      case 'List':
        if (state.status === 'listed' || state.status === 'sold')
          return refuse('LISTING.ALREADY_LISTED', 'already listed or sold');
        if (command.price <= 0n) return refuse('LISTING.INVALID_PRICE', 'price must be positive');
        return ok([
          {
            type: 'Listed',
            data: { seller: command.seller, price: command.price, listedAt: command.now },
          },
        ]);
      case 'Reprice':
        if (state.status !== 'listed') return refuse('LISTING.NOT_LISTED', 'not listed');
        if (state.seller !== command.seller)
          return refuse('LISTING.NOT_SELLER', 'only the seller may reprice');
        if (command.price <= 0n) return refuse('LISTING.INVALID_PRICE', 'price must be positive');
        if (command.price === state.price) return ok([]);
        return ok([{ type: 'Repriced', data: { price: command.price } }]);
      case 'Cancel':
        if (state.status !== 'listed') return refuse('LISTING.NOT_LISTED', 'not listed');
        if (state.seller !== command.seller)
          return refuse('LISTING.NOT_SELLER', 'only the seller may cancel');
        return ok([{ type: 'Cancelled', data: {} }]);
      case 'Purchase':
        if (state.status !== 'listed') return refuse('LISTING.NOT_LISTED', 'not listed');
        if (command.buyer === state.seller)
          return refuse('LISTING.SELF_PURCHASE', 'the seller cannot buy');
        if (command.price !== state.price) return refuse('LISTING.PRICE_MISMATCH', 'price changed');
        return ok([{ type: 'Sold', data: { buyer: command.buyer, price: command.price } }]);
      default: {
        const _exhaustive: never = command;
        return _exhaustive;
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'Listed':
        return { status: 'listed', seller: event.data.seller, price: event.data.price };
      case 'Repriced':
        return state.status === 'listed' ? { ...state, price: event.data.price } : state;
      case 'Cancelled':
        return state.status === 'listed' ? { status: 'cancelled', seller: state.seller } : state;
      case 'Sold':
        return state.status === 'listed'
          ? {
              status: 'sold',
              seller: state.seller,
              buyer: event.data.buyer,
              price: event.data.price,
            }
          : state;
      default: {
        const _exhaustive: never = event;
        return _exhaustive;
      }
    }
  },
};

const zAddress = z.codec(z.string(), z.custom<Address>(), {
  decode: (s, ctx) => {
    const r = parseAddress(s);
    if (r.ok) return r.value;
    ctx.issues.push({ code: 'custom', message: r.error.message, input: s });
    return z.NEVER;
  },
  encode: (a) => a,
});

/** Current versions: Listed is v2 (v1 stored the price as a JSON number of gwei). */
export const listingCodec = defineEventCodec<ListingEvent>({
  Listed: {
    schemaVersion: 2,
    schema: z.object({ seller: zAddress, price: zUnsignedBigint, listedAt: z.string() }),
  },
  Repriced: { schemaVersion: 1, schema: z.object({ price: zUnsignedBigint }) },
  Cancelled: {
    schemaVersion: 1,
    schema: z.object({}).strict() as unknown as z.ZodType<Record<string, never>>,
  },
  Sold: { schemaVersion: 1, schema: z.object({ buyer: zAddress, price: zUnsignedBigint }) },
});

/** Listed v1 → v2: `priceGwei` (a JSON number) became `price` in wei as a decimal string. */
export const listedV1ToV2: Upcaster = {
  type: 'Listed',
  fromVersion: 1,
  upcast: ({ data, metadata }) => ({
    type: 'Listed',
    schemaVersion: 2,
    data: {
      seller: data['seller'] as string,
      price: (BigInt(data['priceGwei'] as number) * 10n ** 9n).toString(),
      listedAt: (data['listedAt'] as string | undefined) ?? metadata.occurredAt,
    },
  }),
};

export const SELLER = '0x00000000000000000000000000000000000000a1' as Address;
export const BUYER = '0x00000000000000000000000000000000000000b2' as Address;
export const NOW = '2025-01-01T00:00:00.000Z';
