// GET /v1/trades: trades settled on chain, newest first (filters collection, account as seller
// or buyer, block range; keyset cursor), from the settled-trades read model.
import { Controller, Get, Inject, Query } from '@nestjs/common';
import type { z } from 'zod';
import type { ChainTradesReader } from '@atelier/market-projections';
import { ZodValidationPipe } from '@atelier/platform';
import { ApiRead } from './openapi';
import { listTradesQuery, type ListTradesQuery } from './read.query';
import { CHAIN_TRADES_READER } from './read.tokens';
import { tradePageJson } from './read.views';

@Controller('v1/trades')
export class TradesHttpController {
  constructor(@Inject(CHAIN_TRADES_READER) private readonly reader: ChainTradesReader) {}

  @Get()
  @ApiRead({
    tag: 'trades',
    summary: 'Settled trades with their split, newest first',
    query: listTradesQuery,
    ok: tradePageJson,
  })
  async list(
    @Query(new ZodValidationPipe(listTradesQuery)) q: ListTradesQuery,
  ): Promise<z.input<typeof tradePageJson>> {
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
}
