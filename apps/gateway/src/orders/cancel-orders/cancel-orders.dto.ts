// The body of POST /v1/orders/cancel: the maker's signed EIP-712 `CancelOrders` (same domain as
// its orders) and the answer, one entry per named order.
import { z } from 'zod';
import type { CancelOrdersResult } from '@atelier/market-application';
import { zAddress, zOrderHash, zSignature, zStrict, zUint } from '../order-input';
import { orderHashJson, orderStatusJson, positionJson, type SameKeys } from '../order.view';

export const MAX_HASHES_PER_CANCEL = 1_000;

export const cancelOrdersDto = zStrict({
  cancel: zStrict({
    maker: zAddress,
    orderHashes: z
      .array(zOrderHash)
      .min(1, 'name at least one order')
      .max(MAX_HASHES_PER_CANCEL, `at most ${MAX_HASHES_PER_CANCEL} orders per cancel`),
    issuedAt: zUint(64),
  }),
  signature: zSignature,
});

export type CancelOrdersBody = z.output<typeof cancelOrdersDto>;

export interface CancelOrdersJson {
  results: CancelOrdersResult['results'];
  cancelled: number;
  position: string | null;
  /** The signatures stay valid on chain until cancelled there; the operator never settles them. */
  note: string;
}

/** The answer's schema for the OpenAPI document (kept equal to CancelOrdersJson below). */
export const cancelOrdersAnswer = z.object({
  results: z.array(
    z.discriminatedUnion('cancelled', [
      z.object({ hash: orderHashJson, cancelled: z.literal(true) }),
      z.object({
        hash: orderHashJson,
        cancelled: z.literal(false),
        code: z.enum(['ORDER.NOT_FOUND', 'ORDER.NOT_CANCELLABLE', 'ORDER.NOT_MAKER']),
        status: orderStatusJson.nullable(),
      }),
    ]),
  ),
  cancelled: z.number().int(),
  position: positionJson,
  note: z.string(),
});
const sameKeys: SameKeys<CancelOrdersJson, z.output<typeof cancelOrdersAnswer>> = true;
void sameKeys;

export const cancelOrdersJson = (r: CancelOrdersResult): CancelOrdersJson => ({
  results: [...r.results],
  cancelled: r.results.filter((x) => x.cancelled).length,
  position: r.position === null ? null : r.position.toString(),
  note: r.note,
});
