// The GraphQL object types of the order books (OrderBooksReader of @atelier/market-projections):
// per currency, the price levels of the orders fillable and active now, the best order of each
// side in price-time priority, the collection's floor and the spread. Prices and totals are
// decimal strings in the currency's smallest unit. The answer says the orders read model's
// position for the market (`position.market`, the event store's global position).
import { Field, Int, ObjectType } from '@nestjs/graphql';
import { MAX_BOOK_LEVELS } from '@atelier/market-projections';
import { upTo } from './query-limits';

@ObjectType('BookLevel')
export class BookLevel {
  @Field(() => String) price!: string;
  @Field(() => Int, { description: 'fillable orders at this price (each trades one token)' })
  count!: number;
  @Field(() => String, { description: 'price × count' }) total!: string;
}

@ObjectType('BestOrder', { description: 'The order a taker meets first on a side' })
export class BestOrder {
  @Field(() => String) hash!: string;
  @Field(() => String) maker!: string;
  @Field(() => String, { description: 'ask, token-bid or collection-bid' }) kind!: string;
  @Field(() => String) tokenId!: string;
  @Field(() => String) price!: string;
}

@ObjectType('BookSide')
export class BookSide {
  @Field(() => [BookLevel], {
    description: 'best first (asks lowest, bids highest), at most `levels`',
    // The worst case (MAX_BOOK_LEVELS): the page size is the root field's argument.
    complexity: upTo(MAX_BOOK_LEVELS),
  })
  levels!: BookLevel[];
  @Field(() => Int, { description: 'fillable orders on the side, all levels' }) orders!: number;
  @Field(() => Int, { description: 'distinct prices on the side, all levels' })
  priceLevels!: number;
  @Field(() => BestOrder, { nullable: true }) best!: BestOrder | null;
}

@ObjectType('CurrencyBook')
export class CurrencyBook {
  @Field(() => String) currency!: string;
  @Field(() => BookSide) asks!: BookSide;
  @Field(() => BookSide, {
    description:
      "a token's book: its token bids and every collection bid; a collection's: the collection bids",
  })
  bids!: BookSide;
  @Field(() => BookSide, {
    nullable: true,
    description: "a collection's book only: the bids on single tokens",
  })
  tokenBids!: BookSide | null;
  @Field(() => String, { nullable: true, description: 'lowest fillable ask of the collection' })
  floor!: string | null;
  @Field(() => String, { nullable: true, description: 'best ask − best bid' })
  spread!: string | null;
}

@ObjectType('MarketPosition')
export class MarketPosition {
  @Field(() => String, {
    nullable: true,
    description: "the event store's global position the orders read model applied for this market",
  })
  market!: string | null;
}

@ObjectType('OrderBook')
export class OrderBook {
  @Field(() => String) collection!: string;
  @Field(() => String, { nullable: true, description: "null for a collection's book" })
  tokenId!: string | null;
  @Field(() => String, { description: 'the unix time (s) the book was taken at' }) at!: string;
  @Field(() => Int, { description: 'price levels per side asked for' }) levels!: number;
  @Field(() => [CurrencyBook], { complexity: upTo(16) }) currencies!: CurrencyBook[];
  @Field(() => MarketPosition) position!: MarketPosition;
}
