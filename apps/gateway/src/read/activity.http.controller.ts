// GET /v1/activity: what happened to works and orders, newest first (ActivityReader: mints,
// transfers, sales from the chain models; listings, bids, cancels, matches from the orders
// model), filtered by collection, token, account and kinds, keyset-paginated. The answer says
// both positions; `?minPosition=` waits for the chain models (the lower of their heads),
// `?minMarketPosition=` for the orders model.
import { Controller, Get, Inject, Query } from '@nestjs/common';
import type { z } from 'zod';
import type { ActivityReader } from '@atelier/market-projections';
import { ZodValidationPipe } from '@atelier/platform';
import { ApiRead } from './openapi';
import { ReadPositions } from './read-positions';
import { activityQuery, type ActivityQuery } from './read-market.query';
import { activityPageJson } from './read-market.views';
import { ACTIVITY_READER } from './read.tokens';

@Controller('v1/activity')
export class ActivityHttpController {
  constructor(
    @Inject(ACTIVITY_READER) private readonly reader: ActivityReader,
    private readonly positions: ReadPositions,
  ) {}

  @Get()
  @ApiRead({
    tag: 'activity',
    summary: 'Activity, newest first: mints, transfers, sales, listings, bids, cancels, matches',
    query: activityQuery,
    ok: activityPageJson,
    behind: true,
  })
  async list(
    @Query(new ZodValidationPipe(activityQuery)) q: ActivityQuery,
  ): Promise<z.input<typeof activityPageJson>> {
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
    return { items: page.items, nextCursor: page.nextCursor, position };
  }
}
