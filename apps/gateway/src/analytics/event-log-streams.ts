// The open GET /v1/events streams of this gateway instance. Each pages through the event store
// with its catch-up subscription (ANALYTICS_PAGE_SIZE events per read, below the store's safe
// bound, so nothing that commits late with a lower position is ever skipped), filters in
// process, and writes one NDJSON line per event (gathered into one write per event-loop turn),
// waiting for the socket to drain before it reads on: a slow client slows the read, the log is
// never buffered (at most a page and 64 KiB of lines per stream). Without `follow` the
// stream ends once it has caught up with the store (an `end` line, reason `head`); with it,
// it stays open and writes events as they commit, and ends (resumable) after
// ANALYTICS_FOLLOW_MAX_MS or at shutdown. Either way a `keepalive` line follows each idle
// ANALYTICS_KEEPALIVE_MS (a following stream's quiet log, a filtered scan with no match yet).
import type { BeforeApplicationShutdown } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { EventStore } from '@atelier/eventsourcing';
import { CodedError } from '@atelier/kernel';
import type { Logger } from '@atelier/observability';
import type { AnalyticsOptions } from './analytics.config';
import { EventStreamsFull } from './analytics.errors';
import {
  eventLine,
  EventSelection,
  ndjson,
  type ControlLine,
  type EndReason,
  type EventLine,
} from './event-lines';
import type { EventsQuery } from './events.query';

/** Lines gathered before a write to the socket. */
const FLUSH_BYTES = 64 * 1024;

/** A plain class (made by the module's factory, and by bench/events.ts without NestJS). */
export class EventLogStreams implements BeforeApplicationShutdown {
  private readonly open = new Map<AbortController, Promise<void>>();
  private readonly shutdown = new AbortController();

  constructor(
    private readonly store: EventStore,
    private readonly options: AnalyticsOptions,
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return this.open.size;
  }

  /** Refuses one more stream beyond `maxStreams` (before anything is written). */
  admit(): void {
    if (this.open.size >= this.options.maxStreams) throw new EventStreamsFull(this.open.size);
  }

  /** Serves one stream until it ends, the client leaves or the app shuts down. */
  start(query: EventsQuery, response: ServerResponse): void {
    const client = new AbortController();
    const done = this.serve(query, response, client.signal).finally(() => this.open.delete(client));
    this.open.set(client, done);
    response.on('close', () => client.abort());
  }

  private async serve(q: EventsQuery, response: ServerResponse, left: AbortSignal): Promise<void> {
    response.writeHead(200, {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no', // nginx: do not buffer the stream
    });
    const selection = new EventSelection(q);
    // Ends the subscription for any reason: caught up, limit, toPosition, max duration, shutdown.
    const finished = new AbortController();
    const signal = AbortSignal.any([left, finished.signal, this.shutdown.signal]);
    let reason: EndReason | null = null;
    const finish = (why: EndReason) => {
      reason ??= why;
      finished.abort();
    };
    const onShutdown = () => finish('shutdown');
    this.shutdown.signal.addEventListener('abort', onShutdown, { once: true });
    let started = q.start.kind === 'position';
    // The position a client resumes from (`fromPosition`, exclusive): the last event scanned,
    // once the stream has started (before it, a block or time start has not been found).
    let resume: bigint | null = started ? selection.after : null;
    let sent = 0;
    let lastWrite = Date.now();

    // Lines are gathered and written in one chunk per turn of the event loop (setImmediate runs
    // once the loop waits for I/O: the next page, the socket), or at FLUSH_BYTES: one write per
    // event cost a chunk header and a syscall each. Before adding to a full socket the stream
    // waits for `drain`, so at most FLUSH_BYTES plus the socket's buffer are held.
    let pending = '';
    let flushing = false;
    const flush = (): void => {
      if (pending && !left.aborted && !response.writableEnded) response.write(pending);
      pending = '';
    };
    const drained = (): Promise<void> =>
      new Promise<void>((resolve) => {
        const go = () => {
          response.off('drain', go);
          signal.removeEventListener('abort', go);
          resolve();
        };
        response.on('drain', go);
        signal.addEventListener('abort', go, { once: true });
      });
    const write = async (line: EventLine | ControlLine): Promise<void> => {
      if (response.writableNeedDrain && !signal.aborted) await drained();
      lastWrite = Date.now();
      pending += ndjson(line);
      if (pending.length >= FLUSH_BYTES) flush();
      else if (!flushing) {
        flushing = true;
        setImmediate(() => {
          flushing = false;
          flush();
        });
      }
    };
    // Also while a filtered or block/time-started read scans without a match: proxies and
    // clients see the connection alive, and the line says how far the scan got.
    const keepAlive = setInterval(
      () => {
        if (Date.now() - lastWrite < this.options.keepAliveMs || response.writableNeedDrain) return;
        void write({ kind: 'keepalive', position: resume?.toString() ?? null });
      },
      Math.max(50, Math.floor(this.options.keepAliveMs / 4)),
    );
    const maxDuration = q.follow
      ? setTimeout(() => finish('max-duration'), this.options.followMaxMs)
      : undefined;

    try {
      const events = this.store.subscribe({
        after: selection.after,
        category: selection.category,
        batchSize: this.options.pageSize,
        signal,
        onCaughtUp: () => {
          if (!q.follow) finish('head');
        },
      });
      for await (const e of events) {
        if (q.toPosition !== null && e.position > q.toPosition) {
          finish('to-position');
          break;
        }
        if (!started) started = selection.startsAt(e);
        if (started) {
          if (selection.matches(e)) {
            await write(eventLine(e));
            sent++;
          }
          resume = e.position;
        }
        if (q.toPosition !== null && e.position >= q.toPosition) finish('to-position');
        else if (q.limit !== null && sent >= q.limit) finish('limit');
        if (reason) break;
      }
      if (left.aborted) return;
      await write({ kind: 'end', reason: reason ?? 'head', position: resume?.toString() ?? null });
      flush();
    } catch (err) {
      if (left.aborted) return;
      this.logger.error({ err }, 'event stream failed; ending it');
      const code = err instanceof CodedError ? err.code : 'INTERNAL.UNEXPECTED';
      await write({
        kind: 'error',
        code,
        message: err instanceof CodedError ? err.message : 'the event stream failed',
        position: resume?.toString() ?? null,
      }).catch(() => undefined);
      flush();
    } finally {
      clearInterval(keepAlive);
      clearTimeout(maxDuration);
      this.shutdown.signal.removeEventListener('abort', onShutdown);
      if (!response.writableEnded) response.end();
    }
  }

  /** Ends every stream (an `end` line, reason `shutdown`) before the server closes. */
  async beforeApplicationShutdown(): Promise<void> {
    this.shutdown.abort();
    await Promise.allSettled([...this.open.values()]);
  }
}
