// The open order-status streams of this gateway instance: each follows the event store's
// `market` category from the start of the log (so it knows every hash and trade id of its
// makers), and writes what concerns them after the client's Last-Event-ID. Resuming is exact:
// the `id:` of each message is the event's global position, which the store delivers in
// strictly increasing order, so "after the last id seen" has no gap and no duplicate.
// Keep-alive comments hold idle connections open through proxies; at shutdown every stream
// ends cleanly (the client reconnects elsewhere with its Last-Event-ID).
import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { EVENT_STORE } from '@atelier/cqrs';
import type { EventStore } from '@atelier/eventsourcing';
import type { Logger } from '@atelier/observability';
import { OrderEventFilter, sseFrame } from './order-events';

export const ORDER_STREAM_OPTIONS = Symbol('atelier.gateway.ORDER_STREAM_OPTIONS');

export interface OrderStreamOptions {
  readonly keepAliveMs: number;
  readonly logger: Logger;
}

export interface OpenStream {
  readonly keyId: string;
  readonly makers: readonly string[] | null;
  /** Exclusive: the last position the client has (its Last-Event-ID), 0 for all. */
  readonly after: bigint;
  readonly response: ServerResponse;
}

@Injectable()
export class OrderStreams implements BeforeApplicationShutdown {
  private readonly open = new Map<AbortController, Promise<void>>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ORDER_STREAM_OPTIONS) private readonly options: OrderStreamOptions,
  ) {}

  get size(): number {
    return this.open.size;
  }

  /** Serves one stream until the client leaves or the app shuts down. */
  start(stream: OpenStream): void {
    const abort = new AbortController();
    const done = this.serve(stream, abort.signal).finally(() => this.open.delete(abort));
    this.open.set(abort, done);
    stream.response.on('close', () => abort.abort());
  }

  private async serve(
    { keyId, makers, after, response }: OpenStream,
    signal: AbortSignal,
  ): Promise<void> {
    const log = this.options.logger.child({ keyId });
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no', // nginx: do not buffer the stream
    });
    // The reconnection delay an EventSource uses, and a first byte so clients see the open.
    response.write(`retry: 2000\n: stream of key ${keyId} after ${after}\n\n`);
    const keepAlive = setInterval(
      () => response.write(': keep-alive\n\n'),
      this.options.keepAliveMs,
    );
    const filter = new OrderEventFilter(makers);
    try {
      for await (const event of this.store.subscribe({ category: 'market', signal })) {
        const message = filter.accept(event);
        if (!message || event.position <= after) continue;
        if (!response.write(sseFrame(message)))
          await new Promise<void>((resolve) => {
            const go = () => {
              response.off('drain', go);
              signal.removeEventListener('abort', go);
              resolve();
            };
            response.on('drain', go);
            signal.addEventListener('abort', go, { once: true });
          });
      }
    } catch (err) {
      if (!signal.aborted) log.error({ err }, 'order stream failed; closing it');
    } finally {
      clearInterval(keepAlive);
      if (!response.writableEnded) response.end();
    }
  }

  /** Ends every stream before the server closes (it would wait for them otherwise). */
  async beforeApplicationShutdown(): Promise<void> {
    for (const abort of this.open.keys()) abort.abort();
    await Promise.allSettled([...this.open.values()]);
  }
}
