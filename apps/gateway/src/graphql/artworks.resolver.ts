// Artworks over GraphQL: `artworks` (the REST listing's filters, sort, cursor and page size),
// `artwork` (one work) and `lineage` (every ancestor and descendant), each with the block the
// model reflects; and an artwork's links (parents, children, contributors, trades), each read
// through the request's DataLoaders so a page of works costs one statement per link.
import { Inject } from '@nestjs/common';
import { Args, Context, Int, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { z } from 'zod';
import type { ArtworksReader, ArtworkView, ChainTradeView } from '@atelier/market-projections';
import { ReadPositions } from '../read/read-positions';
import { chainReadQuery, listArtworksReadQuery } from '../read/read-market.query';
import { artworkParams } from '../read/read.query';
import { ARTWORKS_READER } from '../read/read.tokens';
import { parseArgs } from './graphql.args';
import { perItem } from './query-limits';
import { ReadLoaders, workKey } from './read.loaders';
import {
  Artwork,
  ARTWORK_TRADES_COMPLEXITY,
  ArtworkAnswer,
  ArtworkPage,
  ArtworkSort,
  CHILDREN_COMPLEXITY,
  Contributor,
  DEFAULT_PAGE,
  Lineage,
  LineageAnswer,
  Trade,
} from './read.types';

/** Page size of an artwork's nested lists (children, trades). */
export const NESTED_PAGE = { default: 20, max: 100 } as const;
const nestedLimit = z.object({
  limit: z
    .string()
    .regex(/^[1-9][0-9]{0,2}$/, `an integer from 1 to ${NESTED_PAGE.max}`)
    .transform(Number)
    .pipe(z.number().max(NESTED_PAGE.max, `an integer from 1 to ${NESTED_PAGE.max}`))
    .optional(),
});

const optional = { type: () => String, nullable: true } as const;
const MIN_POSITION = {
  ...optional,
  description:
    'wait (bounded) until the model applied the chain up to this block, else READ_MODEL.BEHIND',
} as const;

@Resolver(() => Artwork)
export class ArtworksResolver {
  constructor(
    @Inject(ARTWORKS_READER) private readonly reader: ArtworksReader,
    private readonly positions: ReadPositions,
    private readonly loaders: ReadLoaders,
  ) {}

  @Query(() => ArtworkPage, {
    description:
      'Artworks, newest mint first (or oldest), filtered by creator, owner, model or collection (REST GET /v1/artworks)',
    complexity: perItem(DEFAULT_PAGE),
  })
  async artworks(
    @Args('creator', optional) creator?: string,
    @Args('owner', optional) owner?: string,
    @Args('model', optional) model?: string,
    @Args('collection', optional) collection?: string,
    @Args('sort', { type: () => ArtworkSort, nullable: true }) sort?: ArtworkSort,
    @Args('cursor', optional) cursor?: string,
    @Args('limit', {
      type: () => Int,
      nullable: true,
      description: 'page size, 1..500 (default 50)',
    })
    limit?: number,
    @Args('minPosition', MIN_POSITION) minPosition?: string,
  ): Promise<ArtworkPage> {
    const q = parseArgs(listArtworksReadQuery, {
      creator,
      owner,
      model,
      collection,
      sort,
      cursor,
      limit,
      minPosition,
    });
    await this.positions.chain(q.minPosition, () => this.reader.position());
    const position = await this.reader.position();
    const page = await this.reader.list({
      ...(q.creator ? { creator: q.creator } : {}),
      ...(q.owner ? { owner: q.owner } : {}),
      ...(q.model ? { model: q.model } : {}),
      ...(q.collection ? { collection: q.collection } : {}),
      ...(q.sort ? { sort: q.sort } : {}),
      ...(q.cursor ? { cursor: q.cursor } : {}),
      ...(q.limit ? { limit: q.limit } : {}),
    });
    return {
      items: page.items as Artwork[],
      nextCursor: page.nextCursor,
      position: { block: position },
    };
  }

  @Query(() => ArtworkAnswer, {
    description:
      'One artwork (REST GET /v1/artworks/:collection/:tokenId); `artwork` is null when the model holds no such work',
  })
  async artwork(
    @Args('collection', { type: () => String }) collection: string,
    @Args('tokenId', { type: () => String }) tokenId: string,
    @Context() ctx: object,
    @Args('minPosition', MIN_POSITION) minPosition?: string,
  ): Promise<ArtworkAnswer> {
    const p = parseArgs(artworkParams, { collection, tokenId });
    const q = parseArgs(chainReadQuery, { minPosition });
    await this.positions.chain(q.minPosition, () => this.reader.position());
    const position = await this.reader.position();
    const artwork = await this.loaders.of(ctx).artwork.load(workKey(p.collection, p.tokenId));
    return { artwork: artwork as Artwork | null, position: { block: position } };
  }

  @Query(() => LineageAnswer, {
    description:
      'Every ancestor and descendant of a work, nearest first (REST GET /v1/artworks/:collection/:tokenId/lineage); `lineage` is null for an unknown work',
  })
  async lineage(
    @Args('collection', { type: () => String }) collection: string,
    @Args('tokenId', { type: () => String }) tokenId: string,
    @Args('minPosition', MIN_POSITION) minPosition?: string,
  ): Promise<LineageAnswer> {
    const p = parseArgs(artworkParams, { collection, tokenId });
    const q = parseArgs(chainReadQuery, { minPosition });
    await this.positions.chain(q.minPosition, () => this.reader.position());
    const position = await this.reader.position();
    const lineage = await this.reader.lineage(p.collection, p.tokenId);
    return {
      lineage: lineage && {
        collection: p.collection,
        tokenId: p.tokenId,
        ancestors: lineage.ancestors as Lineage['ancestors'],
        descendants: lineage.descendants as Lineage['descendants'],
        truncated: lineage.truncated,
      },
      position: { block: position },
    };
  }

  @ResolveField('parentTokenIds', () => [String])
  parentTokenIds(@Parent() work: ArtworkView, @Context() ctx: object): Promise<string[]> {
    return this.loaders.of(ctx).parentIds.load(workKey(work.collection, work.tokenId));
  }

  @ResolveField('parents', () => [Artwork])
  async parents(@Parent() work: ArtworkView, @Context() ctx: object): Promise<ArtworkView[]> {
    const loaders = this.loaders.of(ctx);
    const ids = await loaders.parentIds.load(workKey(work.collection, work.tokenId));
    return this.worksOf(ctx, work.collection, ids);
  }

  @ResolveField('children', () => [Artwork], {
    description: 'direct children, lowest token id first',
    complexity: CHILDREN_COMPLEXITY,
  })
  async children(
    @Parent() work: ArtworkView,
    @Context() ctx: object,
    @Args('limit', {
      type: () => Int,
      nullable: true,
      description: `at most this many, 1..${NESTED_PAGE.max} (default ${NESTED_PAGE.default})`,
    })
    limit?: number,
  ): Promise<ArtworkView[]> {
    const n = parseArgs(nestedLimit, { limit }).limit ?? NESTED_PAGE.default;
    const ids = await this.loaders
      .of(ctx)
      .childIds.load(`${n}|${workKey(work.collection, work.tokenId)}`);
    return this.worksOf(ctx, work.collection, ids);
  }

  @ResolveField('contributors', () => [Contributor])
  contributors(
    @Parent() work: ArtworkView,
    @Context() ctx: object,
  ): Promise<{ account: string; bps: number }[]> {
    return this.loaders.of(ctx).contributors.load(workKey(work.collection, work.tokenId));
  }

  @ResolveField('trades', () => [Trade], {
    description: 'its settled trades, newest first',
    complexity: ARTWORK_TRADES_COMPLEXITY,
  })
  trades(
    @Parent() work: ArtworkView,
    @Context() ctx: object,
    @Args('limit', {
      type: () => Int,
      nullable: true,
      description: `at most this many, 1..${NESTED_PAGE.max} (default ${NESTED_PAGE.default})`,
    })
    limit?: number,
  ): Promise<ChainTradeView[]> {
    const n = parseArgs(nestedLimit, { limit }).limit ?? NESTED_PAGE.default;
    return this.loaders.of(ctx).trades.load(`${n}|${workKey(work.collection, work.tokenId)}`);
  }

  /** The works of `collection` with these ids that the model holds, in the order given. */
  private async worksOf(
    ctx: object,
    collection: string,
    ids: readonly string[],
  ): Promise<ArtworkView[]> {
    const loader = this.loaders.of(ctx).artwork;
    // load, not loadMany: a failed batch must fail the field, not drop works from the list.
    const works = await Promise.all(ids.map((id) => loader.load(workKey(collection, id))));
    return works.filter((w): w is ArtworkView => w !== null);
  }
}
