// GET /v1/analytics/collections/:address/book?asOfBlock=N: a collection's order book folded
// from its market stream, as of a chain block or now (MarketBookReader; docs/analysts.md says
// what "as of" can and cannot promise). The live book of the orders read model is the read
// module's /v1/collections/:address/book.
import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ZodValidationPipe } from '@atelier/platform';
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
      .optional(),
  })
  .strict();

@ApiTags('analytics')
@Controller('v1/analytics/collections')
export class MarketBookHttpController {
  constructor(@Inject(MarketBookReader) private readonly books: MarketBookReader) {}

  @Get(':address/book')
  @ApiOperation({ summary: "A collection's order book from its market log, as of a chain block" })
  book(
    @Param(new ZodValidationPipe(bookParams)) p: z.output<typeof bookParams>,
    @Query(new ZodValidationPipe(bookQuery)) q: z.output<typeof bookQuery>,
  ): Promise<MarketBookAsOf> {
    return this.books.bookAt(p.address, q.asOfBlock);
  }
}
