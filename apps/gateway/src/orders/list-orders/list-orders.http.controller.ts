// GET /v1/orders?maker=&status=&collection=&cursor=&limit=: newest first, keyset-paginated
// (`nextCursor`; a cursor this API did not give is 400 ORDERS.BAD_CURSOR), after waiting for
// `?minPosition=` when given, with the read model's position (of `collection`, else its newest).
import { Controller, Get, Inject, Query } from '@nestjs/common';
import type { OrdersReader } from '@atelier/market-projections';
import { ZodValidationPipe } from '@atelier/platform';
import { ORDERS_READER } from '../../market/market.tokens';
import { z } from 'zod';
import { orderJson, orderViewJson, positionJson, type OrderJson } from '../order.view';
import { ApiOrders } from '../orders.openapi';
import { listOrdersQuery, type ListOrdersQuery } from '../orders.query';
import { ReadYourWrites } from '../read-your-writes';

@Controller('v1/orders')
export class ListOrdersHttpController {
  constructor(
    @Inject(ORDERS_READER) private readonly reader: OrdersReader,
    private readonly reads: ReadYourWrites,
  ) {}

  @Get()
  @ApiOrders({
    summary: 'Orders, newest first, keyset-paginated',
    description:
      'Filters by maker, collection and status; pass nextCursor as ?cursor= for the next page.',
    query: listOrdersQuery,
    ok: [
      {
        status: 200,
        description: 'a page of orders',
        schema: z.object({
          items: z.array(orderViewJson),
          nextCursor: z.string().nullable(),
          position: positionJson,
        }),
      },
    ],
    problems: [400, 409, 429],
  })
  async list(
    @Query(new ZodValidationPipe(listOrdersQuery)) query: ListOrdersQuery,
  ): Promise<{ items: OrderJson[]; nextCursor: string | null; position: string | null }> {
    await this.reads.reach(query.minPosition, query.collection);
    const page = await this.reader.list({
      ...(query.maker ? { maker: query.maker } : {}),
      ...(query.collection ? { collection: query.collection } : {}),
      ...(query.status ? { status: query.status } : {}),
      ...(query.cursor ? { cursor: query.cursor } : {}),
      ...(query.limit ? { limit: query.limit } : {}),
    });
    return {
      items: page.items.map(orderJson),
      nextCursor: page.nextCursor,
      position: await this.reads.position(query.collection),
    };
  }
}
