// Order books over GraphQL: a collection's book (every ask, collection bids, token bids apart)
// or one token's (its asks; its token bids and every collection bid), per currency, from the
// orders read model, with the market position it reflects; `minMarketPosition` waits (bounded)
// for a write first, as the orders reads do. The same answers as REST's (BookAnswers: the
// process's in-memory books).
import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import { z } from 'zod';
import { DEFAULT_BOOK_LEVELS, MAX_BOOK_LEVELS } from '@atelier/market-projections';
import { BookAnswers } from '../read/book-answer';
import { bookQuery, minMarketPosition as minMarketPositionArg } from '../read/read-market.query';
import { accountParams, artworkParams } from '../read/read.query';
import { parseArgs } from './graphql.args';
import { OrderBook } from './book.types';

const bookArgs = z.object({
  collection: artworkParams.shape.collection,
  tokenId: artworkParams.shape.tokenId.optional(),
  currency: accountParams.shape.account.optional(),
  // The REST book's own parameters (levels 1..200, the wait).
  levels: bookQuery.shape.levels,
  minMarketPosition: minMarketPositionArg,
});

@Resolver(() => OrderBook)
export class BookResolver {
  constructor(private readonly books: BookAnswers) {}

  @Query(() => OrderBook, {
    description:
      "An order book: a collection's (without tokenId) or one token's, per currency, orders fillable and active now",
  })
  async orderBook(
    @Args('collection', { type: () => String }) collection: string,
    @Args('tokenId', { type: () => String, nullable: true }) tokenId?: string,
    @Args('currency', { type: () => String, nullable: true, description: 'one currency only' })
    currency?: string,
    @Args('levels', {
      type: () => Int,
      nullable: true,
      description: `price levels per side, 1..${MAX_BOOK_LEVELS} (default ${DEFAULT_BOOK_LEVELS})`,
    })
    levels?: number,
    @Args('minMarketPosition', {
      type: () => String,
      nullable: true,
      description: 'wait (bounded) until the orders read model applied this event-store position',
    })
    minMarketPosition?: string,
  ): Promise<OrderBook> {
    const q = parseArgs(bookArgs, { collection, tokenId, currency, levels, minMarketPosition });
    const { answer } = await this.books.get(q);
    return {
      ...answer,
      currencies: answer.currencies.map((c) => ({ ...c, tokenBids: c.tokenBids ?? null })),
    };
  }
}
