// The activity feed over GraphQL (REST GET /v1/activity): mints, transfers, sales, listings,
// bids, cancels and matches, newest first, by collection, token or account and by kind, with
// both positions and the same waits; each item's artwork through the request's loader.
import { Inject } from '@nestjs/common';
import { Args, Context, Int, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type {
  ActivityItem as ActivityItemView,
  ActivityReader,
  ArtworkView,
} from '@atelier/market-projections';
import { ReadPositions } from '../read/read-positions';
import { activityQuery } from '../read/read-market.query';
import { ACTIVITY_READER } from '../read/read.tokens';
import { ActivityItem, ActivityPage } from './activity.types';
import { parseArgs } from './graphql.args';
import { perItem } from './query-limits';
import { ReadLoaders, workKey } from './read.loaders';
import { Artwork, DEFAULT_PAGE } from './read.types';

const optional = { type: () => String, nullable: true } as const;

@Resolver(() => ActivityItem)
export class ActivityResolver {
  constructor(
    @Inject(ACTIVITY_READER) private readonly reader: ActivityReader,
    private readonly positions: ReadPositions,
    private readonly loaders: ReadLoaders,
  ) {}

  @Query(() => ActivityPage, {
    description:
      'Activity, newest first: mints, transfers, sales, listings, bids, cancels, matches (REST GET /v1/activity)',
    complexity: perItem(DEFAULT_PAGE),
  })
  async activity(
    @Args('collection', optional) collection?: string,
    @Args('tokenId', { ...optional, description: 'one token (needs collection)' })
    tokenId?: string,
    @Args('account', {
      ...optional,
      description: 'minted by or to it, moved from or to it, its orders',
    })
    account?: string,
    @Args('kinds', {
      type: () => [String],
      nullable: true,
      description:
        'mint, transfer, sale, listing, bid, collection-bid, cancel, match (default all)',
    })
    kinds?: string[],
    @Args('cursor', optional) cursor?: string,
    @Args('limit', {
      type: () => Int,
      nullable: true,
      description: 'page size, 1..500 (default 50)',
    })
    limit?: number,
    @Args('minPosition', {
      ...optional,
      description: 'wait for the chain models to reach this block',
    })
    minPosition?: string,
    @Args('minMarketPosition', {
      ...optional,
      description: 'wait for the orders model to apply the market event at this global position',
    })
    minMarketPosition?: string,
  ): Promise<ActivityPage> {
    const q = parseArgs(activityQuery, {
      collection,
      tokenId,
      account,
      // The REST parameter is a comma list; the schema checks each kind.
      kinds: kinds?.join(','),
      cursor,
      limit,
      minPosition,
      minMarketPosition,
    });
    await Promise.all([
      this.positions.chain(q.minPosition, async () => (await this.reader.position()).block),
      this.positions.orders(q.minMarketPosition),
    ]);
    const position = await this.reader.position();
    const page = await this.reader.list({
      ...(q.collection ? { collection: q.collection } : {}),
      ...(q.tokenId !== undefined ? { tokenId: q.tokenId } : {}),
      ...(q.account ? { account: q.account } : {}),
      ...(q.kinds ? { kinds: q.kinds } : {}),
      ...(q.cursor ? { cursor: q.cursor } : {}),
      ...(q.limit ? { limit: q.limit } : {}),
    });
    return { items: page.items as ActivityItem[], nextCursor: page.nextCursor, position };
  }

  @ResolveField('artwork', () => Artwork, { nullable: true })
  artwork(@Parent() item: ActivityItemView, @Context() ctx: object): Promise<ArtworkView | null> {
    if (item.tokenId === null) return Promise.resolve(null);
    return this.loaders.of(ctx).artwork.load(workKey(item.collection, item.tokenId));
  }
}
