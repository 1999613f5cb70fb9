// An order of the read model as the API shows it: every bigint as a decimal string. The zod
// schema is the same answer for the OpenAPI document; the type checks below keep the two equal.
import { z } from 'zod';
import { ORDER_STATUSES } from '@atelier/market-domain';
import type { MarketOrderRow, OrderView } from '@atelier/market-projections';

/** The stored order row without its bookkeeping, with its times as ISO-8601 strings. */
export type OrderJson = Omit<
  MarketOrderRow,
  'seq' | 'acceptedPosition' | 'lastPosition' | 'acceptedAt' | 'updatedAt'
> & { acceptedAt: string; updatedAt: string };

export const orderJson = (o: OrderView): OrderJson => ({
  hash: o.hash,
  collection: o.collection,
  maker: o.maker,
  kind: o.kind,
  tokenId: o.tokenId.toString(),
  currency: o.currency,
  price: o.price.toString(),
  start: o.start.toString(),
  expiry: o.expiry.toString(),
  counter: o.counter.toString(),
  nonce: o.nonce.toString(),
  signature: o.signature,
  status: o.status,
  reason: o.reason,
  tradeId: o.tradeId,
  acceptedAt: o.acceptedAt,
  updatedAt: o.updatedAt,
});

// ---- the answer's schema (documentation: OpenAPI) --------------------------------------------

const hex = (bytes: number) => z.string().regex(new RegExp(`^0x[0-9a-f]{${bytes * 2}}$`));
export const addressJson = hex(20).describe('lower-case address');
export const orderHashJson = hex(32).describe('order hash (lower case)');
export const decimalJson = z.string().regex(/^(0|[1-9][0-9]*)$/);
/** A global position of the event store (pass it as `?minPosition=`), or null before any event. */
export const positionJson = decimalJson
  .nullable()
  .describe('global position the answer reflects; pass it as ?minPosition= to read your writes');
export const orderStatusJson = z.enum(ORDER_STATUSES);

export const orderViewJson = z.object({
  hash: orderHashJson,
  collection: addressJson,
  maker: addressJson,
  kind: z
    .union([z.literal(0), z.literal(1), z.literal(2)])
    .describe('0 ask, 1 token bid, 2 collection bid'),
  tokenId: decimalJson,
  currency: addressJson,
  price: decimalJson,
  start: decimalJson,
  expiry: decimalJson,
  counter: decimalJson,
  nonce: decimalJson,
  signature: z.string().regex(/^0x([0-9a-f]{2})+$/),
  status: orderStatusJson,
  reason: z.string().nullable(),
  tradeId: z
    .string()
    .nullable()
    .describe('the trade reserving the order, or the one that filled it'),
  acceptedAt: z.string().describe('ISO-8601'),
  updatedAt: z.string().describe('ISO-8601'),
});

/** `A` and `B` name the same fields (the documented answer cannot miss or invent one). */
export type SameKeys<A, B> = [keyof A] extends [keyof B]
  ? [keyof B] extends [keyof A]
    ? true
    : false
  : false;
const sameOrderKeys: SameKeys<OrderJson, z.output<typeof orderViewJson>> = true;
void sameOrderKeys;
