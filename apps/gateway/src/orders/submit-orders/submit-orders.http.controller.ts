// POST /v1/orders. One order (`{ order, signature, … }`): 201 with its answer, or the refusal as
// a problem (422 mostly; 409 ORDER.DUPLICATE) so a plain client needs no result array. Many
// (`{ orders: [...] }`, up to 1,000): 200 with one answer per order in request order, accepted or
// refused, since some of a batch may pass and some not. Malformed input refuses the whole request
// (400 REQUEST.INVALID, each field with its code) before anything is read or written.
import {
  Body,
  Controller,
  Post,
  Req,
  Res,
  type PipeTransform,
  UseInterceptors,
} from '@nestjs/common';
import { AdmissionInterceptor } from '../../access/admission.interceptor';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseRequest } from '@atelier/platform';
import { GATEWAY_ERROR_STATUS } from '../../http-errors';
import { commandContext, type RequestLike } from '../command-context';
import { ApiOrders, bodySchema } from '../orders.openapi';
import { OrderRefused, OrdersApiError } from '../orders.errors';
import {
  bulkSubmitDto,
  MAX_ORDERS_PER_SUBMIT,
  singleSubmitDto,
  submitOrdersAnswer,
  submitOrdersJson,
  type SubmitOrdersBody,
  type SubmitOrdersJson,
} from './submit-orders.dto';
import { SubmitOrdersCommand } from './submit-orders.command';

/** Counts before parsing (a 1,001-order body is refused without validating a thousand orders),
 *  then picks the single or the bulk shape by the presence of `orders`. */
export class SubmitOrdersBodyPipe implements PipeTransform<unknown, SubmitOrdersBody> {
  transform(value: unknown): SubmitOrdersBody {
    const bulk = typeof value === 'object' && value !== null && 'orders' in value;
    const orders = bulk ? (value as { orders: unknown }).orders : undefined;
    if (Array.isArray(orders) && orders.length > MAX_ORDERS_PER_SUBMIT)
      throw new OrdersApiError(
        'ORDERS.TOO_MANY',
        `at most ${MAX_ORDERS_PER_SUBMIT} orders per request, not ${orders.length}`,
        { max: MAX_ORDERS_PER_SUBMIT, count: orders.length },
      );
    return bulk
      ? parseRequest(bulkSubmitDto, value, 'body')
      : parseRequest(singleSubmitDto, value, 'body');
  }
}

const knownCode = (code: string): boolean => code in GATEWAY_ERROR_STATUS;

@Controller('v1/orders')
export class SubmitOrdersHttpController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @UseInterceptors(AdmissionInterceptor)
  @ApiOrders({
    summary: 'Submit one signed order, or up to 1,000 with an API key',
    description:
      'One order ({ order, signature, chainId?, verifyingContract? }) needs no key and answers 201, ' +
      'or its refusal as a problem. Many ({ orders: [...] }, 1 to 1,000, with an API key) answer ' +
      '200 with one result per order in request order, accepted or refused.',
    body: {
      oneOf: [
        bodySchema(singleSubmitDto),
        (({ properties, ...rest }) => ({
          ...rest,
          properties: {
            orders: {
              ...(properties as { orders: object }).orders,
              maxItems: MAX_ORDERS_PER_SUBMIT,
            },
          },
        }))(bodySchema(bulkSubmitDto)),
      ],
    },
    write: true,
    ok: [
      { status: 201, description: 'the single order, accepted', schema: submitOrdersAnswer },
      { status: 200, description: 'a bulk: one result per order', schema: submitOrdersAnswer },
    ],
    problems: [400, 401, 403, 409, 413, 422, 429, 503],
  })
  async submit(
    @Body(new SubmitOrdersBodyPipe()) body: SubmitOrdersBody,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SubmitOrdersJson> {
    const result = await this.commands.execute(
      new SubmitOrdersCommand(body.submissions, commandContext(request as unknown as RequestLike)),
    );
    const json = submitOrdersJson(result);
    if (body.bulk) {
      void reply.status(200);
      return json;
    }
    const [only] = json.results;
    if (only && !only.accepted)
      throw OrderRefused.of(
        only.code,
        only.message,
        { index: 0, hash: only.hash, ...(only.details ?? {}) },
        knownCode,
      );
    void reply.status(201);
    return json;
  }
}
