// GET /v1/events: the event store's log as NDJSON, for analysts (docs/analysts.md). The query is
// validated before anything is written (400 problem+json otherwise), a stream beyond
// ANALYTICS_MAX_STREAMS is 503 SERVICE.OVERLOADED; the stream then writes the raw response
// (EventLogStreams).
import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseRequest } from '@atelier/platform';
import { ApiEvents } from './analytics.openapi';
import { EventLogStreams } from './event-log-streams';
import { eventsQuery } from './events.query';

@Controller('v1/events')
export class EventsHttpController {
  constructor(@Inject(EventLogStreams) private readonly streams: EventLogStreams) {}

  @Get()
  @ApiEvents()
  events(@Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    const query = parseRequest(eventsQuery, request.query ?? {}, 'query');
    this.streams.admit(); // 503 SERVICE.OVERLOADED beyond ANALYTICS_MAX_STREAMS
    reply.hijack(); // the stream writes the raw response from here on
    this.streams.start(query, reply.raw);
  }
}
