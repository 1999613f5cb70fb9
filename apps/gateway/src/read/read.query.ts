// Query strings and path parameters of the read API, as zod schemas: validated at the edge
// (ZodValidationPipe -> 400 REQUEST.INVALID naming each field) and published in the OpenAPI
// document from the same schemas (openapi.ts). Every query is strict: an unknown parameter is
// a 400, never silently ignored (a misspelt filter must not return everything).
import { z } from 'zod';
import { ARTWORK_SORTS } from '@atelier/market-projections';

export const MAX_PAGE = 500;

const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'a 20-byte hex address (0x and 40 hex digits)')
  .transform((s) => s.toLowerCase())
  .meta({ example: '0x959922be3caee4b8cd9a407cc3ac1c251c2007b1' });
const tokenId = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,77})$/, 'a token id as a decimal string')
  .meta({ example: '1' });
const block = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,17})$/, 'a block number as a decimal string')
  .transform((s) => BigInt(s));
const cursor = z.string().min(1).max(400).describe('`nextCursor` of the previous page (opaque)');
const limit = z
  .string()
  .regex(/^[1-9][0-9]{0,2}$/, `an integer from 1 to ${MAX_PAGE}`)
  .transform(Number)
  .pipe(z.number().max(MAX_PAGE, `an integer from 1 to ${MAX_PAGE}`))
  .describe(`page size, 1..${MAX_PAGE} (default 50)`);

export const listArtworksQuery = z
  .object({
    creator: address.optional().describe('works minted by this account'),
    owner: address.optional().describe('works this account holds now'),
    model: z
      .string()
      .min(1)
      .max(200)
      // PostgreSQL text cannot hold NUL; no model id has control characters.
      .refine((s) => !/\p{Cc}/u.test(s), 'printable text, no control characters')
      .optional()
      .describe("the provenance's model id, exactly (e.g. sdxl-1.0)"),
    collection: address.optional(),
    sort: z.enum(ARTWORK_SORTS).optional().describe('newest (default) or oldest mint first'),
    cursor: cursor.optional(),
    limit: limit.optional(),
  })
  .strict();
export type ListArtworksQuery = z.output<typeof listArtworksQuery>;

export const artworkParams = z.object({ collection: address, tokenId });
export type ArtworkParams = z.output<typeof artworkParams>;

export const noQuery = z.object({}).strict();

export const listTradesQuery = z
  .object({
    collection: address.optional(),
    account: address.optional().describe('trades where this account sold or bought'),
    fromBlock: block.optional().describe('first block, inclusive'),
    toBlock: block.optional().describe('last block, inclusive'),
    cursor: cursor.optional(),
    limit: limit.optional(),
  })
  .strict()
  .refine((q) => q.fromBlock === undefined || q.toBlock === undefined || q.fromBlock <= q.toBlock, {
    path: ['toBlock'],
    message: 'toBlock must not be below fromBlock',
  });
export type ListTradesQuery = z.output<typeof listTradesQuery>;

export const accountParams = z.object({ account: address });
export const ledgerQuery = z
  .object({
    currency: address.optional().describe('one currency only'),
    asOfBlock: block
      .optional()
      .describe('balances from the facts of blocks up to this one, inclusive (docs/analysts.md)'),
  })
  .strict();

export const collectionParams = z.object({ address });
