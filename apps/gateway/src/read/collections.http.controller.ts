// GET /v1/collections/:address/stats: volume and sales per currency, unique buyers and last
// sale from the settled trades; the floor from the orders read model's fillable asks.
import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import type { z } from 'zod';
import type { ChainTradesReader } from '@atelier/market-projections';
import { ZodValidationPipe } from '@atelier/platform';
import { ApiRead } from './openapi';
import { collectionParams, noQuery } from './read.query';
import { CHAIN_TRADES_READER } from './read.tokens';
import { collectionStatsJson } from './read.views';

@Controller('v1/collections')
export class CollectionsHttpController {
  constructor(@Inject(CHAIN_TRADES_READER) private readonly reader: ChainTradesReader) {}

  @Get(':address/stats')
  @ApiRead({
    tag: 'collections',
    summary: 'Collection stats: volume, floor, sales, unique buyers',
    params: collectionParams,
    ok: collectionStatsJson,
  })
  async stats(
    @Param(new ZodValidationPipe(collectionParams)) p: z.output<typeof collectionParams>,
    @Query(new ZodValidationPipe(noQuery)) _q: z.output<typeof noQuery>,
  ): Promise<z.input<typeof collectionStatsJson>> {
    const position = await this.reader.position();
    const stats = await this.reader.stats(p.address);
    return { ...stats, currencies: [...stats.currencies], position: { block: position } };
  }
}
