// POST /v1/orders/cancel: an off-chain cancel signed by the maker. 200 with one answer per
// named order (cancelled, or why not: ORDER.NOT_FOUND, ORDER.NOT_MAKER, ORDER.NOT_CANCELLABLE)
// and the note that the signatures stay valid on chain. The whole cancel is refused as a
// problem when its signature is wrong (422 CANCEL.BAD_SIGNATURE), it is stale (422
// CANCEL.EXPIRED) or it was taken before (409 CANCEL.REPLAYED). `?minPosition=` first waits
// for the read model to know orders just submitted (cancels name orders by hash only).
import { Body, Controller, HttpCode, Post, Query, Req, UseInterceptors } from '@nestjs/common';
import { AdmissionInterceptor } from '../../access/admission.interceptor';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyRequest } from 'fastify';
import { ZodValidationPipe } from '@atelier/platform';
import { ApiOrders, bodySchema } from '../orders.openapi';
import { commandContext, type RequestLike } from '../command-context';
import { ReadYourWrites } from '../read-your-writes';
import { minPositionQuery, type MinPositionQuery } from '../orders.query';
import {
  cancelOrdersAnswer,
  cancelOrdersDto,
  cancelOrdersJson,
  type CancelOrdersBody,
  type CancelOrdersJson,
} from './cancel-orders.dto';
import { CancelOrdersCommand } from './cancel-orders.command';

@Controller('v1/orders')
export class CancelOrdersHttpController {
  constructor(
    private readonly commands: CommandBus,
    private readonly reads: ReadYourWrites,
  ) {}

  @Post('cancel')
  @UseInterceptors(AdmissionInterceptor)
  @HttpCode(200)
  @ApiOrders({
    summary: "Cancel some of a maker's orders off-chain (signed EIP-712 CancelOrders)",
    description:
      'Needs an API key. One result per named order; the signatures stay valid on chain. ' +
      '?minPosition= first waits for the read model to know orders just submitted.',
    query: minPositionQuery,
    body: bodySchema(cancelOrdersDto),
    write: true,
    ok: [{ status: 200, description: 'one result per named order', schema: cancelOrdersAnswer }],
    problems: [400, 401, 403, 409, 422, 429, 503],
  })
  async cancel(
    @Body(new ZodValidationPipe(cancelOrdersDto)) body: CancelOrdersBody,
    @Query(new ZodValidationPipe(minPositionQuery)) query: MinPositionQuery,
    @Req() request: FastifyRequest,
  ): Promise<CancelOrdersJson> {
    await this.reads.reach(query.minPosition);
    const result = await this.commands.execute(
      new CancelOrdersCommand(
        body.cancel,
        body.signature,
        commandContext(request as unknown as RequestLike),
      ),
    );
    return cancelOrdersJson(result);
  }
}
