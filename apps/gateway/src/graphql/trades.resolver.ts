// Trades over GraphQL (REST GET /v1/trades): settled on chain (the default), matched by the market
// and not settled yet, or both under one cursor, newest first, each item naming its status; the
// block range selects settled trades only. `minPosition` waits for the chain model,
// `minMarketPosition` for the orders model; the answer names both positions. A trade's artwork
// comes through the request's loader (a page of trades asking for their works costs one statement).
import { Inject } from '@nestjs/common';
import { Args, Context, Int, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type {
  ArtworkView,
  ChainTradesReader,
  ChainTradeView,
  MatchedTradesReader,
  MatchedTradeView,
} from '@atelier/market-projections';
import { ReadPositions } from '../read/read-positions';
import { tradesQuery } from '../read/read-market.query';
import { CHAIN_TRADES_READER, MATCHED_TRADES_READER } from '../read/read.tokens';
import { parseArgs } from './graphql.args';
import { perItem } from './query-limits';
import { ReadLoaders, workKey } from './read.loaders';
import { Artwork, DEFAULT_PAGE, MatchedTrade, Trade, TradeListing, TradePage } from './read.types';

const optional = { type: () => String, nullable: true } as const;

@Resolver(() => Trade)
export class TradesResolver {
  constructor(
    @Inject(CHAIN_TRADES_READER) private readonly reader: ChainTradesReader,
    @Inject(MATCHED_TRADES_READER) private readonly matched: MatchedTradesReader,
    private readonly positions: ReadPositions,
    private readonly loaders: ReadLoaders,
  ) {}

  @Query(() => TradePage, {
    description:
      'Trades with their split, newest first: settled on chain (default), matched and pending, or both (REST GET /v1/trades)',
    complexity: perItem(DEFAULT_PAGE),
  })
  async trades(
    @Args('status', { type: () => TradeListing, nullable: true }) status?: TradeListing,
    @Args('collection', optional) collection?: string,
    @Args('account', { ...optional, description: 'trades where this account sold or bought' })
    account?: string,
    @Args('fromBlock', { ...optional, description: 'first block, inclusive (settled only)' })
    fromBlock?: string,
    @Args('toBlock', { ...optional, description: 'last block, inclusive (settled only)' })
    toBlock?: string,
    @Args('cursor', optional) cursor?: string,
    @Args('limit', {
      type: () => Int,
      nullable: true,
      description: 'page size, 1..500 (default 50)',
    })
    limit?: number,
    @Args('minPosition', {
      ...optional,
      description: 'wait for the chain model to reach this block',
    })
    minPosition?: string,
    @Args('minMarketPosition', {
      ...optional,
      description: 'wait for the orders model to apply the market event at this global position',
    })
    minMarketPosition?: string,
  ): Promise<TradePage> {
    const q = parseArgs(tradesQuery, {
      status,
      collection,
      account,
      fromBlock,
      toBlock,
      cursor,
      limit,
      minPosition,
      minMarketPosition,
    });
    await Promise.all([
      this.positions.chain(q.minPosition, () => this.reader.position()),
      this.positions.orders(q.minMarketPosition),
    ]);
    const [block, market] = await Promise.all([
      this.reader.position(),
      this.matched.position(q.collection),
    ]);
    const position = { block, market };
    const filters = {
      ...(q.collection ? { collection: q.collection } : {}),
      ...(q.account ? { account: q.account } : {}),
      ...(q.cursor ? { cursor: q.cursor } : {}),
      ...(q.limit ? { limit: q.limit } : {}),
    };
    const listing = q.status ?? 'settled';
    if (listing !== 'settled') {
      const page = await this.matched.list({ status: listing, ...filters });
      return {
        items: page.items as (Trade | MatchedTrade)[],
        nextCursor: page.nextCursor,
        position,
      };
    }
    const page = await this.reader.list({
      ...filters,
      ...(q.fromBlock !== undefined ? { fromBlock: q.fromBlock } : {}),
      ...(q.toBlock !== undefined ? { toBlock: q.toBlock } : {}),
    });
    return {
      items: page.items.map((t) => ({ ...t, status: 'settled' as const })),
      nextCursor: page.nextCursor,
      position,
    };
  }

  /** Settled trades reached through an artwork carry no status of their own. */
  @ResolveField('status', () => String)
  status(): 'settled' {
    return 'settled';
  }

  @ResolveField('artwork', () => Artwork, {
    nullable: true,
    description: 'the work traded (null if its mint is not in the model)',
  })
  artwork(@Parent() trade: ChainTradeView, @Context() ctx: object): Promise<ArtworkView | null> {
    return this.loaders.of(ctx).artwork.load(workKey(trade.collection, trade.tokenId));
  }
}

@Resolver(() => MatchedTrade)
export class MatchedTradesResolver {
  constructor(private readonly loaders: ReadLoaders) {}

  @ResolveField('artwork', () => Artwork, {
    nullable: true,
    description: 'the work traded (null if its mint is not in the model)',
  })
  artwork(@Parent() trade: MatchedTradeView, @Context() ctx: object): Promise<ArtworkView | null> {
    return this.loaders.of(ctx).artwork.load(workKey(trade.collection, trade.tokenId));
  }
}
