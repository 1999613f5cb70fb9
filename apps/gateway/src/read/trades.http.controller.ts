// GET /v1/trades: trades newest first, by `status`: `settled` (default) from the settled-trades
// read model (filters collection, account as seller or buyer, block range; keyset cursor);
// `matched`, trades the market matched and the chain has not settled yet (orders model), so a
// frontend sees them beside the chain's; `all`, both under one cursor. Every item names its
// status. `?minPosition=` waits for the chain model, `?minMarketPosition=` for the orders model.
import { Controller, Get, Inject, Query } from '@nestjs/common';
import type { z } from 'zod';
import type { ChainTradesReader, MatchedTradesReader } from '@atelier/market-projections';
import { ZodValidationPipe } from '@atelier/platform';
import { ApiRead } from './openapi';
import { ReadPositions } from './read-positions';
import { tradesQuery, type TradesQuery } from './read-market.query';
import { tradeFeedJson } from './read-market.views';
import { CHAIN_TRADES_READER, MATCHED_TRADES_READER } from './read.tokens';

@Controller('v1/trades')
export class TradesHttpController {
  constructor(
    @Inject(CHAIN_TRADES_READER) private readonly reader: ChainTradesReader,
    @Inject(MATCHED_TRADES_READER) private readonly matched: MatchedTradesReader,
    private readonly positions: ReadPositions,
  ) {}

  @Get()
  @ApiRead({
    tag: 'trades',
    summary:
      'Trades with their split, newest first: settled on chain, matched and pending, or both',
    query: tradesQuery,
    ok: tradeFeedJson,
    behind: true,
  })
  async list(
    @Query(new ZodValidationPipe(tradesQuery)) q: TradesQuery,
  ): Promise<z.input<typeof tradeFeedJson>> {
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
    const status = q.status ?? 'settled';
    if (status !== 'settled') {
      const page = await this.matched.list({ status, ...filters });
      const items = page.items.map((t) =>
        t.status === 'matched' ? { ...t, contributors: [...t.contributors] } : t,
      );
      return { items, nextCursor: page.nextCursor, position };
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
}
