// GET /v1/orders/:hash: one order from the read model (404 ORDER.NOT_FOUND), after waiting for
// `?minPosition=` when given, with the read model's position for its market.
import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import type { OrdersReader } from '@atelier/market-projections';
import { ZodValidationPipe } from '@atelier/platform';
import { ORDERS_READER } from '../../market/market.tokens';
import { orderJson, type OrderJson } from '../order.view';
import { OrdersApiError } from '../orders.errors';
import { minPositionQuery, orderHashParams, type MinPositionQuery } from '../orders.query';
import { ReadYourWrites } from '../read-your-writes';
import type { z } from 'zod';

@Controller('v1/orders')
export class GetOrderHttpController {
  constructor(
    @Inject(ORDERS_READER) private readonly reader: OrdersReader,
    private readonly reads: ReadYourWrites,
  ) {}

  @Get(':hash')
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
