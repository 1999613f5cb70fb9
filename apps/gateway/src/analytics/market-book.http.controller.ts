// GET /v1/analytics/collections/:address/book?asOfBlock=N: a collection's order book folded
// from its market stream, as of a chain block or now (MarketBookReader; docs/analysts.md says
// what "as of" can and cannot promise). The live book of the orders read model is the read
// module's /v1/collections/:address/book.
import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { z } from 'zod';
import { ORDER_STATUSES } from '@atelier/market-domain';
import { ZodValidationPipe } from '@atelier/platform';
import { ApiRead } from '../read/openapi';
import { MarketBookReader, type MarketBookAsOf } from './market-book-as-of';

export const bookParams = z.object({
  address: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/, 'a 20-byte hex address (0x and 40 hex digits)')
    .transform((s) => s.toLowerCase()),
});
export const bookQuery = z
  .object({
    asOfBlock: z
      .string()
      .regex(/^(0|[1-9][0-9]{0,17})$/, 'a block number as a decimal string')
      .transform((s) => BigInt(s))
      .optional()
      .describe('the book before the first event carrying a chain block above N (default: now)'),
  })
  .strict();

const uint = z.string().regex(/^\d+$/);
const address = z.string().regex(/^0x[0-9a-f]{40}$/);
const bookOrderJson = z
  .object({
    hash: z.string(),
    kind: z.enum(['ask', 'token-bid', 'collection-bid']),
    maker: address,
    tokenId: uint.nullable().describe('null: a collection bid (any token)'),
    currency: address,
    price: uint,
    start: uint,
    expiry: uint,
    counter: uint,
    nonce: uint,
    signature: z.string(),
    status: z.enum(ORDER_STATUSES),
    reason: z.string().nullable(),
    tradeId: z.string().nullable(),
    seq: z.number().int().describe('arrival order in the market'),
    acceptedAt: z.string(),
  })
  .strict();
const levelJson = z
  .object({ currency: address, tokenId: uint.nullable(), price: uint, orders: z.number().int() })
  .strict();

/** The answer (MarketBookAsOf), checked against real answers by the int spec. */
export const marketBookJson = z
  .object({
    collection: address,
    asOf: z
      .object({
        block: uint.nullable().describe('the block asked for; null: now'),
        observedBlock: uint.nullable().describe('the highest block the folded events carry'),
        position: uint.nullable().describe('the last event folded (global position)'),
        revision: uint.nullable(),
        recordedAt: z.string().nullable(),
        next: z
          .object({ position: uint, type: z.string(), block: uint })
          .strict()
          .nullable()
          .describe('the first event left out'),
      })
      .strict(),
    asks: z.array(bookOrderJson).describe('resting asks, cheapest first, then arrival'),
    bids: z.array(bookOrderJson).describe('resting bids, dearest first, then arrival'),
    depth: z
      .object({ asks: z.array(levelJson), bids: z.array(levelJson) })
      .strict()
      .describe('fillable orders per currency, token and price'),
  })
  .strict();

@Controller('v1/analytics/collections')
export class MarketBookHttpController {
  constructor(@Inject(MarketBookReader) private readonly books: MarketBookReader) {}

  @Get(':address/book')
  @ApiRead({
    tag: 'analytics',
    summary: "A collection's order book folded from its market log, as of a chain block",
    params: bookParams,
    query: bookQuery,
    ok: marketBookJson,
  })
  book(
    @Param(new ZodValidationPipe(bookParams)) p: z.output<typeof bookParams>,
    @Query(new ZodValidationPipe(bookQuery)) q: z.output<typeof bookQuery>,
  ): Promise<MarketBookAsOf> {
    return this.books.bookAt(p.address, q.asOfBlock);
  }
}
