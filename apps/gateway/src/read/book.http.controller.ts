// GET /v1/collections/:address/book and GET /v1/artworks/:collection/:tokenId/book: the order
// books of the orders read model: per currency, price levels of the orders fillable and active
// now, the best order of each side, the floor and the spread. The answer says the market
// position it reflects; `?minMarketPosition=` waits for a write first. Served from the
// process's in-memory books (BookAnswers, OrderBookCache): the JSON of a book is made and
// encoded once per change and second, and its bytes sent as they are. The usual read (no key,
// the book in memory, no wait) does not reach these methods: book-fast-path.ts answers it the
// same way before Nest's pipeline; these answer everything else and declare the routes.
import { Controller, Get, Header, Param, Query } from '@nestjs/common';
import type { z } from 'zod';
import { ZodValidationPipe } from '@atelier/platform';
import { BookAnswers } from './book-answer';
import { ApiRead } from './openapi';
import {
  bookQuery,
  collectionBookParams,
  tokenBookParams,
  type BookQuery,
} from './read-market.query';
import { bookJson } from './read-market.views';

const JSON_TYPE = 'application/json; charset=utf-8';

@Controller('v1')
export class BookHttpController {
  constructor(private readonly books: BookAnswers) {}

  @Get('collections/:address/book')
  @Header('content-type', JSON_TYPE)
  @ApiRead({
    tag: 'books',
    summary:
      "A collection's order book: asks of every token, collection bids, token bids apart, floor",
    params: collectionBookParams,
    query: bookQuery,
    ok: bookJson,
    behind: true,
  })
  async collection(
    @Param(new ZodValidationPipe(collectionBookParams))
    p: z.output<typeof collectionBookParams>,
    @Query(new ZodValidationPipe(bookQuery)) q: BookQuery,
  ): Promise<Buffer> {
    return (await this.books.get({ collection: p.address, ...q })).bytes();
  }

  @Get('artworks/:collection/:tokenId/book')
  @Header('content-type', JSON_TYPE)
  @ApiRead({
    tag: 'books',
    summary: "A token's order book: its asks; its token bids and every collection bid",
    params: tokenBookParams,
    query: bookQuery,
    ok: bookJson,
    behind: true,
  })
  async token(
    @Param(new ZodValidationPipe(tokenBookParams)) p: z.output<typeof tokenBookParams>,
    @Query(new ZodValidationPipe(bookQuery)) q: BookQuery,
  ): Promise<Buffer> {
    return (await this.books.get({ collection: p.collection, tokenId: p.tokenId, ...q })).bytes();
  }
}
