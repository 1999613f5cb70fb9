// The live feeds' filters and resume ids as zod schemas (strict: a misspelt filter is a 400
// REQUEST.INVALID naming it, never a feed of everything). The GraphQL resolver parses its
// arguments with the same schemas.
import { z } from 'zod';
import { cursorOf, type BookFilter, type LedgerFilter, type TradeFilter } from './live-changes';

const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'a 20-byte hex address (0x and 40 hex digits)')
  .transform((s) => s.toLowerCase());
const tokenId = z.string().regex(/^(0|[1-9][0-9]{0,77})$/, 'a token id as a decimal string');
/** A change's id: `P` or `P.i` (a market log position and an index), or the ledgers version. */
export const liveId = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,18})(\.[1-9][0-9]{0,5})?$/, 'an id this feed gave: P or P.i, decimal')
  .transform(cursorOf);

export const bookQuery = z
  .object({ collection: address, tokenId: tokenId.optional(), lastEventId: liveId.optional() })
  .strict();
export const tradeQuery = z
  .object({
    collection: address.optional(),
    tokenId: tokenId.optional(),
    account: address.optional().describe('trades where this account sells or buys'),
    lastEventId: liveId.optional(),
  })
  .strict()
  .refine((q) => q.tokenId === undefined || q.collection !== undefined, {
    message: 'a tokenId needs its collection',
    path: ['tokenId'],
  });
export const ledgerQuery = z.object({ lastEventId: liveId.optional() }).strict();
export const ledgerParams = z.object({ account: address });

export const bookFilter = (q: z.output<typeof bookQuery>): BookFilter => ({
  feed: 'books',
  collection: q.collection,
  ...(q.tokenId !== undefined ? { tokenId: q.tokenId } : {}),
});
export const tradeFilter = (q: z.output<typeof tradeQuery>): TradeFilter => ({
  feed: 'trades',
  ...(q.collection !== undefined ? { collection: q.collection } : {}),
  ...(q.tokenId !== undefined ? { tokenId: q.tokenId } : {}),
  ...(q.account !== undefined ? { account: q.account } : {}),
});
export const ledgerFilter = (account: string): LedgerFilter => ({ feed: 'ledgers', account });
