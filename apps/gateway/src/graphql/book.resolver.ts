// Order books over GraphQL: a collection's book (every ask, collection bids, token bids apart)
// or one token's (its asks; its token bids and every collection bid), per currency, from the
// orders read model, with the market position it reflects; `minMarketPosition` waits (bounded)
// for a write first, as the orders reads do.
import { Inject } from '@nestjs/common';
import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import { z } from 'zod';
import {
  DEFAULT_BOOK_LEVELS,
  MAX_BOOK_LEVELS,
  type OrderBooksReader,
} from '@atelier/market-projections';
import { ReadPositions } from '../read/read-positions';
import { bookQuery, minMarketPosition as minMarketPositionArg } from '../read/read-market.query';
import { accountParams, artworkParams } from '../read/read.query';
import { ORDER_BOOKS_READER } from '../read/read.tokens';
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
  constructor(
    @Inject(ORDER_BOOKS_READER) private readonly reader: OrderBooksReader,
    private readonly positions: ReadPositions,
  ) {}

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
    await this.positions.orders(q.minMarketPosition);
    const position = await this.reader.position(q.collection);
    const at = BigInt(Math.floor(Date.now() / 1000));
    const options = {
      levels: q.levels ?? DEFAULT_BOOK_LEVELS,
      now: at,
      ...(q.currency ? { currency: q.currency } : {}),
    };
    const book =
      q.tokenId === undefined
        ? await this.reader.collectionBook(q.collection, options)
        : await this.reader.tokenBook(q.collection, q.tokenId, options);
    return {
      collection: book.collection,
      tokenId: book.tokenId,
      at: at.toString(),
      levels: options.levels,
      currencies: book.currencies.map((c) => ({
        currency: c.currency,
        asks: { ...c.asks, levels: [...c.asks.levels] },
        bids: { ...c.bids, levels: [...c.bids.levels] },
        tokenBids: c.tokenBids ? { ...c.tokenBids, levels: [...c.tokenBids.levels] } : null,
        floor: c.floor,
        spread: c.spread,
      })),
      position: { market: position },
    };
  }
}
