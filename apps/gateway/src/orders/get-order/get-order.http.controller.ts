// GET /v1/orders/:hash: one order from the read model (404 ORDER.NOT_FOUND), after waiting for
// `?minPosition=` when given, with the read model's position for its market.
import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import type { OrdersReader } from '@atelier/market-projections';
import { ZodValidationPipe } from '@atelier/platform';
import { ORDERS_READER } from '../../market/market.tokens';
import { orderJson, orderViewJson, positionJson, type OrderJson } from '../order.view';
import { ApiOrders } from '../orders.openapi';
import { OrdersApiError } from '../orders.errors';
import { minPositionQuery, orderHashParams, type MinPositionQuery } from '../orders.query';
import { ReadYourWrites } from '../read-your-writes';
import { z } from 'zod';

@Controller('v1/orders')
export class GetOrderHttpController {
  constructor(
    @Inject(ORDERS_READER) private readonly reader: OrdersReader,
    private readonly reads: ReadYourWrites,
  ) {}

  @Get(':hash')
  @ApiOrders({
    summary: 'One order by hash',
    description: '?minPosition= first waits (bounded) for the read model to reach that position.',
    params: orderHashParams,
    query: minPositionQuery,
    ok: [
      {
        status: 200,
        description: 'the order and the position of its market the read reflects',
        schema: z.object({ order: orderViewJson, position: positionJson }),
      },
    ],
    problems: [400, 404, 409, 429],
  })
  async get(
    @Param(new ZodValidationPipe(orderHashParams)) params: z.output<typeof orderHashParams>,
    @Query(new ZodValidationPipe(minPositionQuery)) query: MinPositionQuery,
  ): Promise<{ order: OrderJson; position: string | null }> {
    await this.reads.reach(query.minPosition);
    const order = await this.reader.get(params.hash);
    if (!order)
      throw new OrdersApiError('ORDER.NOT_FOUND', 'no order with this hash', {
        hash: params.hash,
      });
    return { order: orderJson(order), position: await this.reads.position(order.collection) };
  }
}
