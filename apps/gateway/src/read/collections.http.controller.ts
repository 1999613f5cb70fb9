// GET /v1/collections/:address/stats: volume and sales per currency, unique buyers and last
// sale from the settled trades; the floor from the orders read model's fillable asks.
// `?minPosition=<block>` waits (bounded) for the settled-trades model to reach that block.
import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import type { z } from 'zod';
import type { ChainTradesReader } from '@atelier/market-projections';
import { ZodValidationPipe } from '@atelier/platform';
import { ApiRead } from './openapi';
import { ReadPositions } from './read-positions';
import { chainReadQuery, type ChainReadQuery } from './read-market.query';
import { collectionParams } from './read.query';
import { CHAIN_TRADES_READER } from './read.tokens';
import { collectionStatsJson } from './read.views';

@Controller('v1/collections')
export class CollectionsHttpController {
  constructor(
    @Inject(CHAIN_TRADES_READER) private readonly reader: ChainTradesReader,
    private readonly positions: ReadPositions,
  ) {}

  @Get(':address/stats')
  @ApiRead({
    tag: 'collections',
    summary: 'Collection stats: volume, floor, sales, unique buyers',
    params: collectionParams,
    query: chainReadQuery,
    ok: collectionStatsJson,
    behind: true,
  })
  async stats(
    @Param(new ZodValidationPipe(collectionParams)) p: z.output<typeof collectionParams>,
    @Query(new ZodValidationPipe(chainReadQuery)) q: ChainReadQuery,
  ): Promise<z.input<typeof collectionStatsJson>> {
    await this.positions.chain(q.minPosition, () => this.reader.position());
    const position = await this.reader.position();
    const stats = await this.reader.stats(p.address);
    return { ...stats, currencies: [...stats.currencies], position: { block: position } };
  }
}
