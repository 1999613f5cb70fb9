// The body of POST /v1/orders: one signed order, or up to MAX_ORDERS_PER_SUBMIT of them, each
// as `{ order, signature, chainId?, verifyingContract? }`; and the answer, with every bigint as a
// decimal string.
import { z } from 'zod';
import type { OrderHash } from '@atelier/kernel';
import {
  MAX_ORDERS_PER_SUBMIT,
  type OrderSubmission,
  type SubmitOrderResult,
  type SubmitOrdersResult,
} from '@atelier/market-application';
import type { Order, OrderKind, OrderStatus } from '@atelier/market-domain';
import { zAddress, zSignature, zStrict, zUint } from '../order-input';
import {
  decimalJson,
  orderHashJson,
  orderStatusJson,
  positionJson,
  type SameKeys,
} from '../order.view';

export const orderDto = zStrict({
  maker: zAddress,
  kind: z.union([z.literal(0), z.literal(1), z.literal(2)], {
    error: 'kind is 0 (ask), 1 (token bid) or 2 (collection bid)',
  }),
  collection: zAddress,
  tokenId: zUint(256),
  currency: zAddress,
  price: zUint(256),
  start: zUint(64),
  expiry: zUint(64),
  counter: zUint(256),
  nonce: zUint(256),
});

export const submissionDto = zStrict({
  order: orderDto,
  signature: zSignature,
  chainId: z.number().int().positive().optional(),
  verifyingContract: zAddress.optional(),
});

const toSubmission = (s: z.output<typeof submissionDto>): OrderSubmission => ({
  order: { ...(s.order as Order), kind: s.order.kind as OrderKind },
  signature: s.signature,
  ...(s.chainId === undefined ? {} : { chainId: s.chainId }),
  ...(s.verifyingContract === undefined ? {} : { verifyingContract: s.verifyingContract }),
});

export const singleSubmitDto = submissionDto.transform((s) => ({
  bulk: false as const,
  submissions: [toSubmission(s)],
}));

export const bulkSubmitDto = zStrict({
  orders: z.array(submissionDto).min(1, 'at least one order'),
}).transform((b) => ({ bulk: true as const, submissions: b.orders.map(toSubmission) }));

export type SubmitOrdersBody = z.output<typeof singleSubmitDto> | z.output<typeof bulkSubmitDto>;

/** The cap, checked before any order is parsed (413 ORDERS.TOO_MANY). */
export { MAX_ORDERS_PER_SUBMIT };

// ---- the answer ----------------------------------------------------------------------------

export type SubmitOrderResultJson =
  | {
      index: number;
      accepted: true;
      hash: OrderHash;
      status: OrderStatus;
      reason: string | null;
      trade: {
        tradeId: string;
        price: string;
        counterparty: OrderHash;
        undercut: { bidPrice: string } | null;
      } | null;
    }
  | {
      index: number;
      accepted: false;
      hash: OrderHash | null;
      code: string;
      message: string;
      details?: Record<string, unknown>;
    };

export interface SubmitOrdersJson {
  results: SubmitOrderResultJson[];
  accepted: number;
  refused: number;
  /** Global position of the last event appended (pass as ?minPosition= to read your writes). */
  position: string | null;
}

const jsonDetails = (d: Readonly<Record<string, unknown>>): Record<string, unknown> =>
  JSON.parse(
    JSON.stringify(d, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
  ) as Record<string, unknown>;

export function submitResultJson(r: SubmitOrderResult): SubmitOrderResultJson {
  if (!r.accepted)
    return {
      index: r.index,
      accepted: false,
      hash: r.hash,
      code: r.code,
      message: r.message,
      ...(r.details ? { details: jsonDetails(r.details) } : {}),
    };
  return {
    index: r.index,
    accepted: true,
    hash: r.hash,
    status: r.status,
    reason: r.reason,
    trade: r.trade
      ? {
          tradeId: r.trade.tradeId,
          price: r.trade.price.toString(),
          counterparty: r.trade.counterparty,
          undercut: r.trade.undercut ? { bidPrice: r.trade.undercut.bidPrice.toString() } : null,
        }
      : null,
  };
}

// The answer's schema for the OpenAPI document; the type checks keep it equal to the types above.
const acceptedJson = z.object({
  index: z.number().int(),
  accepted: z.literal(true),
  hash: orderHashJson,
  status: orderStatusJson,
  reason: z.string().nullable(),
  trade: z
    .object({
      tradeId: z.string(),
      price: decimalJson.describe("the ask's price"),
      counterparty: orderHashJson,
      undercut: z.object({ bidPrice: decimalJson }).nullable(),
    })
    .nullable()
    .describe('the trade when the order matched on arrival (status reserved)'),
});
const refusedJson = z.object({
  index: z.number().int(),
  accepted: z.literal(false),
  hash: orderHashJson.nullable(),
  code: z.string().describe('ORDER.* (docs/errors.md)'),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export const submitOrdersAnswer = z.object({
  results: z.array(z.discriminatedUnion('accepted', [acceptedJson, refusedJson])),
  accepted: z.number().int(),
  refused: z.number().int(),
  position: positionJson,
});
const sameKeys: [
  SameKeys<SubmitOrdersJson, z.output<typeof submitOrdersAnswer>>,
  SameKeys<Extract<SubmitOrderResultJson, { accepted: true }>, z.output<typeof acceptedJson>>,
  SameKeys<Extract<SubmitOrderResultJson, { accepted: false }>, z.output<typeof refusedJson>>,
] = [true, true, true];
void sameKeys;

export function submitOrdersJson(result: SubmitOrdersResult): SubmitOrdersJson {
  const results = result.results.map(submitResultJson);
  const accepted = results.filter((r) => r.accepted).length;
  return {
    results,
    accepted,
    refused: results.length - accepted,
    position: result.position === null ? null : result.position.toString(),
  };
}
