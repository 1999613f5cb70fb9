// Settled trades over GraphQL: `trades` (the REST listing's filters, block range, cursor and page
// size, newest first) with the block the model reflects, and a trade's artwork through the
// request's loader (a page of trades asking for their works costs one statement).
import { Inject } from '@nestjs/common';
import { Args, Context, Int, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { ArtworkView, ChainTradeView, ChainTradesReader } from '@atelier/market-projections';
import { listTradesQuery } from '../read/read.query';
import { CHAIN_TRADES_READER } from '../read/read.tokens';
import { parseArgs } from './graphql.args';
import { perItem } from './query-limits';
import { ReadLoaders, workKey } from './read.loaders';
import { Artwork, DEFAULT_PAGE, Trade, TradePage } from './read.types';

const optional = { type: () => String, nullable: true } as const;

@Resolver(() => Trade)
export class TradesResolver {
  constructor(
    @Inject(CHAIN_TRADES_READER) private readonly reader: ChainTradesReader,
    private readonly loaders: ReadLoaders,
  ) {}

  @Query(() => TradePage, {
    description: 'Trades settled on chain with their split, newest first (REST GET /v1/trades)',
    complexity: perItem(DEFAULT_PAGE),
  })
  async trades(
    @Args('collection', optional) collection?: string,
    @Args('account', { ...optional, description: 'trades where this account sold or bought' })
    account?: string,
    @Args('fromBlock', { ...optional, description: 'first block, inclusive (decimal)' })
    fromBlock?: string,
    @Args('toBlock', { ...optional, description: 'last block, inclusive (decimal)' })
    toBlock?: string,
    @Args('cursor', optional) cursor?: string,
    @Args('limit', {
      type: () => Int,
      nullable: true,
      description: 'page size, 1..500 (default 50)',
    })
    limit?: number,
  ): Promise<TradePage> {
    const q = parseArgs(listTradesQuery, {
      collection,
      account,
      fromBlock,
      toBlock,
      cursor,
      limit,
    });
    const position = await this.reader.position();
    const page = await this.reader.list({
      ...(q.collection ? { collection: q.collection } : {}),
      ...(q.account ? { account: q.account } : {}),
      ...(q.fromBlock !== undefined ? { fromBlock: q.fromBlock } : {}),
      ...(q.toBlock !== undefined ? { toBlock: q.toBlock } : {}),
      ...(q.cursor ? { cursor: q.cursor } : {}),
      ...(q.limit ? { limit: q.limit } : {}),
    });
    return { items: page.items, nextCursor: page.nextCursor, position: { block: position } };
  }

  @ResolveField('artwork', () => Artwork, {
    nullable: true,
    description: 'the work traded (null if its mint is not in the model)',
  })
  artwork(@Parent() trade: ChainTradeView, @Context() ctx: object): Promise<ArtworkView | null> {
    return this.loaders.of(ctx).artwork.load(workKey(trade.collection, trade.tokenId));
  }
}
