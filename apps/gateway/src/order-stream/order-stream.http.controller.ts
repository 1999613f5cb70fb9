// GET /v1/orders/events: the caller's order-status stream as server-sent events (an API key is
// required; access-policy.ts). Every OrderAccepted, OrderStatusChanged and TradeMatched/
// Settled/Released/Unsettled of the key's makers, `id:` being the event's global position.
// Resume with the `Last-Event-ID` header (or `?lastEventId=`, for clients that cannot set
// headers): the stream continues right after it, with no gap and no duplicate.
import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseRequest } from '@atelier/platform';
import { AccessError } from '../access/access.errors';
import { callerOf } from '../access/caller';
import { OrderStreams } from './order-streams';

const position = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,18})$/, 'a global position: a decimal integer')
  .transform((s) => BigInt(s));
const resume = z.object({
  'last-event-id': position.optional(),
  lastEventId: position.optional(),
});

@Controller('v1/orders')
export class OrderStreamHttpController {
  constructor(@Inject(OrderStreams) private readonly streams: OrderStreams) {}

  @Get('events')
  events(@Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    const key = callerOf(request)?.key;
    if (!key) throw new AccessError('AUTH.KEY_REQUIRED', 'the order stream needs an API key');
    const query = (request.query ?? {}) as Record<string, unknown>;
    const from = parseRequest(
      resume,
      { 'last-event-id': request.headers['last-event-id'], lastEventId: query['lastEventId'] },
      'headers',
    );
    const after = from['last-event-id'] ?? from.lastEventId ?? 0n;
    reply.hijack(); // the stream writes the raw response from here on
    this.streams.start({ keyId: key.id, makers: key.makers, after, response: reply.raw });
  }
}
