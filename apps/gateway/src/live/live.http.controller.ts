// GET /v1/live/books, /v1/live/trades, /v1/live/ledgers/:account: the live feeds as server-sent
// events, for clients without GraphQL. Resume with the `Last-Event-ID` header (or
// `?lastEventId=` for clients that cannot set headers): the feed continues right after it.
// Filters are validated before the response starts (400 problem+json naming the field);
// from then on the feed is the stream's, and it ends with an `end` frame when the gateway ends it.
import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { parseRequest } from '@atelier/platform';
import { changeId, type ChangeCursor, type LiveFilter } from './live-changes';
import { LIVE_OPTIONS, LiveFeed } from './live-feed';
import type { LiveOptions } from './live.config';
import {
  bookFilter,
  bookQuery,
  ledgerFilter,
  ledgerParams,
  ledgerQuery,
  liveId,
  tradeFilter,
  tradeQuery,
} from './live.query';
import { SseSink } from './live-sse';

@Controller('v1/live')
export class LiveHttpController {
  constructor(
    @Inject(LiveFeed) private readonly feed: LiveFeed,
    @Inject(LIVE_OPTIONS) private readonly options: LiveOptions,
  ) {}

  @Get('books')
  async books(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const q = parseRequest(bookQuery, request.query ?? {}, 'query');
    await this.serve(request, reply, bookFilter(q), q.lastEventId);
  }

  @Get('trades')
  async trades(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const q = parseRequest(tradeQuery, request.query ?? {}, 'query');
    await this.serve(request, reply, tradeFilter(q), q.lastEventId);
  }

  @Get('ledgers/:account')
  async ledgers(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const p = parseRequest(ledgerParams, request.params, 'path');
    const q = parseRequest(ledgerQuery, request.query ?? {}, 'query');
    await this.serve(request, reply, ledgerFilter(p.account), q.lastEventId);
  }

  private async serve(
    request: FastifyRequest,
    reply: FastifyReply,
    filter: LiveFilter,
    fromQuery: ChangeCursor | undefined,
  ): Promise<void> {
    const header = request.headers['last-event-id'];
    const fromHeader =
      header === undefined
        ? undefined
        : (parseRequest(
            liveId,
            Array.isArray(header) ? header.join(',') : header,
            'last-event-id header',
          ) as z.output<typeof liveId>);
    const after = fromHeader ?? fromQuery ?? null;
    const sink = new SseSink(reply.raw, {
      keepAliveMs: this.options.keepAliveMs,
      limitBytes: this.options.clientBufferBytes,
    });
    // Refused (too many feeds) before anything is written: the error filter answers it.
    this.feed.admit();
    reply.hijack(); // the feed writes the raw response from here on
    try {
      await this.feed.subscribe(filter, after, sink);
    } catch (err) {
      // Lost a race for the last place (or the feed failed to start): answered by hand as the
      // error filter would, since the reply is hijacked.
      const code = (err as { code?: unknown }).code;
      if (!reply.raw.headersSent)
        reply.raw.writeHead(503, {
          'content-type': 'application/problem+json; charset=utf-8',
          'retry-after': '1',
        });
      reply.raw.end(
        JSON.stringify({
          type: 'about:blank',
          title: 'Service Unavailable',
          status: 503,
          detail: (err as Error).message,
          code: typeof code === 'string' ? code : 'LIVE.TOO_MANY_SUBSCRIBERS',
        }),
      );
      return;
    }
    if (!sink.closed)
      sink.open(`live ${filter.feed}${after === null ? '' : ` after ${changeId(after)}`}`);
  }
}
