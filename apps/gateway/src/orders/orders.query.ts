// Query strings of the orders API: `minPosition` (read-your-writes) everywhere, the listing's
// filters and keyset cursor. Unknown parameters are refused like unknown body fields.
import { z } from 'zod';
import { ORDER_STATUSES } from '@atelier/market-domain';
import { MAX_PAGE } from '@atelier/market-projections';
import { zAddress, zOrderHash, zStrict, zUint } from './order-input';

const minPosition = zUint(64).optional();

export const minPositionQuery = zStrict({ minPosition });
export type MinPositionQuery = z.output<typeof minPositionQuery>;

export const orderHashParams = z.object({ hash: zOrderHash });

export const listOrdersQuery = zStrict({
  maker: zAddress.optional(),
  collection: zAddress.optional(),
  status: z.enum(ORDER_STATUSES, { error: `one of ${ORDER_STATUSES.join(', ')}` }).optional(),
  cursor: z.string().min(1).max(200).optional(),
  limit: z
    .string()
    .regex(/^[1-9][0-9]{0,3}$/, `an integer from 1 to ${MAX_PAGE}`)
    .transform(Number)
    .pipe(z.number().max(MAX_PAGE, `an integer from 1 to ${MAX_PAGE}`))
    .optional(),
  minPosition,
});
export type ListOrdersQuery = z.output<typeof listOrdersQuery>;
