// Query strings and path parameters of the order-side reads (books, trades with their status,
// activity, ledgers with pending amounts) and the `minPosition` / `minMarketPosition` waits of
// every read route, as strict zod schemas: validated at the edge (400 REQUEST.INVALID naming
// each field) and published in the OpenAPI document from the same schemas. The field
// validators are the chain reads' own (read.query.ts), reused through their shapes.
import { z } from 'zod';
import { ACTIVITY_KINDS, MAX_BOOK_LEVELS, TRADE_LISTINGS } from '@atelier/market-projections';
import {
  artworkParams,
  collectionParams,
  ledgerQuery,
  listArtworksQuery,
  listTradesQuery,
} from './read.query';

const position = (what: string) =>
  z
    .string()
    .regex(/^(0|[1-9][0-9]{0,17})$/, `${what} as a decimal string`)
    .transform((s) => BigInt(s));

/** A chain block: the read waits (bounded) until the model's `position.block` reaches it. */
export const minPosition = position('a block number')
  .optional()
  .describe(
    'wait (bounded) until this read model has applied the chain up to this block; ' +
      '409 READ_MODEL.BEHIND (with the position reached) if it has not in time',
  );

/** An event-store position (what POST /v1/orders answers): the orders model's wait. */
export const minMarketPosition = position('a global position')
  .optional()
  .describe(
    'wait (bounded) until the orders read model has applied the market event at this global ' +
      'position (the `position` a write answered); 409 READ_MODEL.BEHIND if it has not in time',
  );

const { collection: address, cursor, limit } = listArtworksQuery.shape;

// ---- chain reads with a wait ---------------------------------------------------------------

export const listArtworksReadQuery = listArtworksQuery.extend({ minPosition });
export type ListArtworksReadQuery = z.output<typeof listArtworksReadQuery>;
export const chainReadQuery = z.object({ minPosition }).strict();
export type ChainReadQuery = z.output<typeof chainReadQuery>;

// ---- books -------------------------------------------------------------------------------

export const collectionBookParams = collectionParams;
export const tokenBookParams = artworkParams;

export const bookQuery = z
  .object({
    currency: address.describe('one currency only (orders in different currencies never trade)'),
    levels: z
      .string()
      .regex(/^[1-9][0-9]{0,2}$/, `an integer from 1 to ${MAX_BOOK_LEVELS}`)
      .transform(Number)
      .pipe(z.number().max(MAX_BOOK_LEVELS, `an integer from 1 to ${MAX_BOOK_LEVELS}`))
      .optional()
      .describe(`price levels per side, 1..${MAX_BOOK_LEVELS} (default 20)`),
    minMarketPosition,
  })
  .strict();
export type BookQuery = z.output<typeof bookQuery>;

// ---- trades --------------------------------------------------------------------------------

export const tradesQuery = z
  .object({
    ...listTradesQuery.shape,
    status: z
      .enum(TRADE_LISTINGS)
      .optional()
      .describe(
        'settled (default): trades the chain settled; matched: matched by the market and not ' +
          'settled yet; all: both, newest first',
      ),
    minPosition,
    minMarketPosition,
  })
  .strict()
  .superRefine((q, ctx) => {
    if (q.fromBlock !== undefined && q.toBlock !== undefined && q.fromBlock > q.toBlock)
      ctx.addIssue({
        code: 'custom',
        path: ['toBlock'],
        message: 'toBlock must not be below fromBlock',
      });
    if ((q.status ?? 'settled') !== 'settled')
      for (const field of ['fromBlock', 'toBlock'] as const)
        if (q[field] !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: [field],
            message: 'a block range selects settled trades only (status=settled)',
          });
  });
export type TradesQuery = z.output<typeof tradesQuery>;

// ---- ledgers -------------------------------------------------------------------------------

export const ledgerReadQuery = ledgerQuery.extend({ minPosition, minMarketPosition });
export type LedgerReadQuery = z.output<typeof ledgerReadQuery>;

// ---- activity ------------------------------------------------------------------------------

export const activityQuery = z
  .object({
    collection: address,
    tokenId: artworkParams.shape.tokenId.optional().describe('one token (needs `collection`)'),
    account: address.describe(
      'activity of this account: minted by or to it, moved from or to it, its orders',
    ),
    kinds: z
      .string()
      .max(200)
      .transform((s) => [...new Set(s.split(','))])
      .pipe(z.array(z.enum(ACTIVITY_KINDS, { error: `one of ${ACTIVITY_KINDS.join(', ')}` })))
      .optional()
      .describe(`comma-separated kinds (default all): ${ACTIVITY_KINDS.join(', ')}`),
    cursor,
    limit,
    minPosition,
    minMarketPosition,
  })
  .strict()
  .refine((q) => q.tokenId === undefined || q.collection !== undefined, {
    path: ['tokenId'],
    message: 'a token id needs `collection`',
  });
export type ActivityQuery = z.output<typeof activityQuery>;
