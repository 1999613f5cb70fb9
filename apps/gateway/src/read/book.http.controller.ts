// GET /v1/collections/:address/book and GET /v1/artworks/:collection/:tokenId/book: the order
// books of the orders read model (OrderBooksReader): per currency, price levels of the orders
// fillable and active now, the best order of each side, the floor and the spread. The answer
// says the market position it reflects; `?minMarketPosition=` waits for a write first.
import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import type { z } from 'zod';
import { DEFAULT_BOOK_LEVELS, type OrderBooksReader } from '@atelier/market-projections';
import { ZodValidationPipe } from '@atelier/platform';
import { ApiRead } from './openapi';
import { ReadPositions } from './read-positions';
import {
  bookQuery,
  collectionBookParams,
  tokenBookParams,
  type BookQuery,
} from './read-market.query';
import { bookJson } from './read-market.views';
import { ORDER_BOOKS_READER } from './read.tokens';

type Answer = z.input<typeof bookJson>;

@Controller('v1')
export class BookHttpController {
  constructor(
    @Inject(ORDER_BOOKS_READER) private readonly reader: OrderBooksReader,
    private readonly positions: ReadPositions,
  ) {}

  @Get('collections/:address/book')
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
  ): Promise<Answer> {
    return this.answer(q, (options) => this.reader.collectionBook(p.address, options), p.address);
  }

  @Get('artworks/:collection/:tokenId/book')
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
  ): Promise<Answer> {
    return this.answer(
      q,
      (options) => this.reader.tokenBook(p.collection, p.tokenId, options),
      p.collection,
    );
  }

  private async answer(
    q: BookQuery,
    read: (
      options: Parameters<OrderBooksReader['collectionBook']>[1],
    ) => ReturnType<OrderBooksReader['collectionBook']>,
    collection: string,
  ): Promise<Answer> {
    await this.positions.orders(q.minMarketPosition);
    const position = await this.reader.position(collection);
    const levels = q.levels ?? DEFAULT_BOOK_LEVELS;
    const at = BigInt(Math.floor(Date.now() / 1000));
    const book = await read({
      levels,
      now: at,
      ...(q.currency ? { currency: q.currency } : {}),
    });
    return {
      collection: book.collection,
      tokenId: book.tokenId,
      at: at.toString(),
      levels,
      currencies: book.currencies.map(({ tokenBids, ...c }) => ({
        ...c,
        asks: { ...c.asks, levels: [...c.asks.levels] },
        bids: { ...c.bids, levels: [...c.bids.levels] },
        ...(tokenBids ? { tokenBids: { ...tokenBids, levels: [...tokenBids.levels] } } : {}),
      })),
      position: { market: position },
    };
  }
}
