// GET /v1/artworks (filters creator, owner, model, collection; sort; cursor),
// GET /v1/artworks/:collection/:tokenId (provenance, contributors, parents) and
// GET /v1/artworks/:collection/:tokenId/lineage (every ancestor and descendant), from the
// artworks read model; each answer says the block it reflects.
import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import type { z } from 'zod';
import { ChainReadError, type ArtworksReader } from '@atelier/market-projections';
import { ZodValidationPipe } from '@atelier/platform';
import { ApiRead } from './openapi';
import { ReadPositions } from './read-positions';
import {
  chainReadQuery,
  listArtworksReadQuery,
  type ChainReadQuery,
  type ListArtworksReadQuery,
} from './read-market.query';
import { artworkParams, type ArtworkParams } from './read.query';
import { ARTWORKS_READER } from './read.tokens';
import { artworkAnswerJson, artworkPageJson, lineageJson } from './read.views';

const notFound = (p: ArtworkParams) =>
  new ChainReadError('ARTWORK.NOT_FOUND', 'no artwork with this collection and token id', {
    collection: p.collection,
    tokenId: p.tokenId,
  });

@Controller('v1/artworks')
export class ArtworksHttpController {
  constructor(
    @Inject(ARTWORKS_READER) private readonly reader: ArtworksReader,
    private readonly positions: ReadPositions,
  ) {}

  @Get()
  @ApiRead({
    tag: 'artworks',
    summary: 'Artworks, newest mint first (or oldest), filtered by creator, owner or model',
    query: listArtworksReadQuery,
    ok: artworkPageJson,
    behind: true,
  })
  async list(
    @Query(new ZodValidationPipe(listArtworksReadQuery)) q: ListArtworksReadQuery,
  ): Promise<z.input<typeof artworkPageJson>> {
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
    return { items: [...page.items], nextCursor: page.nextCursor, position: { block: position } };
  }

  @Get(':collection/:tokenId')
  @ApiRead({
    tag: 'artworks',
    summary: 'One artwork: provenance, royalty, contributors, parents, current owner',
    params: artworkParams,
    ok: artworkAnswerJson,
    query: chainReadQuery,
    notFound: 'ARTWORK.NOT_FOUND',
    behind: true,
  })
  async get(
    @Param(new ZodValidationPipe(artworkParams)) p: ArtworkParams,
    @Query(new ZodValidationPipe(chainReadQuery)) q: ChainReadQuery,
  ): Promise<z.input<typeof artworkAnswerJson>> {
    await this.positions.chain(q.minPosition, () => this.reader.position());
    const { position, artwork } = await this.reader.detail(p.collection, p.tokenId);
    if (!artwork) throw notFound(p);
    return {
      artwork: {
        ...artwork,
        parents: [...artwork.parents],
        contributors: [...artwork.contributors],
      },
      position: { block: position },
    };
  }

  @Get(':collection/:tokenId/lineage')
  @ApiRead({
    tag: 'artworks',
    summary: 'Lineage: every ancestor and every descendant, nearest first',
    params: artworkParams,
    ok: lineageJson,
    query: chainReadQuery,
    notFound: 'ARTWORK.NOT_FOUND',
    behind: true,
  })
  async lineage(
    @Param(new ZodValidationPipe(artworkParams)) p: ArtworkParams,
    @Query(new ZodValidationPipe(chainReadQuery)) q: ChainReadQuery,
  ): Promise<z.input<typeof lineageJson>> {
    await this.positions.chain(q.minPosition, () => this.reader.position());
    const position = await this.reader.position();
    const lineage = await this.reader.lineage(p.collection, p.tokenId);
    if (!lineage) throw notFound(p);
    return {
      collection: p.collection,
      tokenId: p.tokenId,
      ancestors: [...lineage.ancestors],
      descendants: [...lineage.descendants],
      truncated: lineage.truncated,
      position: { block: position },
    };
  }
}
