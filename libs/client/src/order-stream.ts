// GET /v1/orders/events (the API key's order-status stream, server-sent events) as an async
// iterator that survives dropped connections: when the connection ends or fails it reconnects
// with `Last-Event-ID` set to the last event delivered, and the gateway resumes right after it
// (ids are global positions: no gap, no duplicate). The wait before reconnecting is the server's
// `retry:` (or the option), doubling up to a cap while connecting keeps failing. An answer that
// will not change by retrying (401 bad key, 400 malformed Last-Event-ID) ends the iteration with
// an AtelierApiError; 429/503 are waited out like a dropped connection.
import { AtelierApiError } from './errors';
import { parseRetryAfter } from './retry';
import { SseParser } from './sse';
import type { FetchLike } from './transport';
import { abortableSleep } from './transport';

export const ORDER_STREAM_EVENT_TYPES = [
  'OrderAccepted',
  'OrderStatusChanged',
  'TradeMatched',
  'TradeSettled',
  'TradeReleased',
  'TradeUnsettled',
] as const;
export type OrderStreamEventType = (typeof ORDER_STREAM_EVENT_TYPES)[number];

/** Every message's data: the stored event's JSON (bigints as decimal strings) and these. */
export interface OrderStreamData {
  readonly type: string;
  /** Equals the message id: the event's global position. */
  readonly position: string;
  readonly collection: string;
  /** The order's hash (OrderAccepted, OrderStatusChanged). */
  readonly hash?: string;
  /** The order's status after the event (OrderAccepted, OrderStatusChanged). */
  readonly status?: string;
  readonly tradeId?: string;
  readonly [field: string]: unknown;
}

export interface OrderStreamEvent {
  /** The SSE `id:`, the event's global position (what Last-Event-ID resumes after). */
  readonly id: string;
  readonly type: OrderStreamEventType;
  readonly data: OrderStreamData;
}

export interface OrderStreamOptions {
  /** Resume after this id (a previous stream's lastEventId); default: from the first event. */
  readonly lastEventId?: string;
  /** Ends the stream (the iteration returns). */
  readonly signal?: AbortSignal;
  /** Wait before reconnecting when the server sent no `retry:`; default 1,000 ms. */
  readonly reconnectDelayMs?: number;
  /** Longest wait between reconnection attempts; default 30,000 ms. */
  readonly maxReconnectDelayMs?: number;
  /** Told of every reconnection (after a drop or a failed attempt), with why. */
  readonly onReconnect?: (info: { attempt: number; delayMs: number; error?: unknown }) => void;
}

export interface OrderStream extends AsyncIterable<OrderStreamEvent> {
  /** The last id delivered (pass it as `lastEventId` to resume in another process). */
  readonly lastEventId: string | undefined;
  /** Connections opened so far (1 without any reconnect). */
  readonly connections: number;
  /** Keep-alive comments received so far. */
  readonly keepAlives: number;
  /** Ends the stream: a pending `next()` returns done. */
  close(): void;
}

const isEventType = (t: string): t is OrderStreamEventType =>
  (ORDER_STREAM_EVENT_TYPES as readonly string[]).includes(t);

export function openOrderStream(
  baseUrl: string,
  fetch: FetchLike,
  options: OrderStreamOptions = {},
): OrderStream {
  const abort = new AbortController();
  options.signal?.addEventListener('abort', () => abort.abort(options.signal?.reason), {
    once: true,
  });
  const state = {
    lastEventId: options.lastEventId,
    connections: 0,
    keepAlives: 0,
  };
  const baseDelay = options.reconnectDelayMs ?? 1_000;
  const maxDelay = options.maxReconnectDelayMs ?? 30_000;
  const url = `${baseUrl.replace(/\/+$/, '')}/v1/orders/events`;

  async function* events(): AsyncGenerator<OrderStreamEvent> {
    let serverRetryMs: number | undefined;
    let failures = 0;
    while (!abort.signal.aborted) {
      let error: unknown;
      let waitMs: number | undefined;
      try {
        const headers: Record<string, string> = { accept: 'text/event-stream' };
        if (state.lastEventId !== undefined) headers['last-event-id'] = state.lastEventId;
        const response = await fetch(new Request(url, { headers, signal: abort.signal }));
        if (response.status === 429 || response.status === 503) {
          waitMs = parseRetryAfter(response.headers.get('retry-after'), Date.now());
          const body = await response.text();
          throw new AtelierApiError(response.status, parseJson(body), {
            method: 'GET',
            url,
            ...(waitMs === undefined ? {} : { retryAfterMs: waitMs }),
          });
        }
        if (!response.ok) {
          const body = await response.text();
          // Retrying cannot change a 4xx: the key or the request is wrong.
          throw Object.assign(
            new AtelierApiError(response.status, parseJson(body), { method: 'GET', url }),
            { fatal: true },
          );
        }
        if (!response.body) throw new Error('the order stream answered without a body');
        state.connections++;
        const parser = new SseParser(state.lastEventId);
        const decoder = new TextDecoder();
        const reader = response.body.getReader();
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            const before = parser.comments;
            const parsed = parser.push(decoder.decode(value, { stream: true }));
            state.keepAlives += parser.comments - before;
            serverRetryMs = parser.retryMs ?? serverRetryMs;
            failures = 0; // the connection delivers: the next drop starts the backoff afresh
            for (const e of parsed) {
              if (e.id === undefined || !isEventType(e.event)) continue;
              state.lastEventId = e.id;
              yield { id: e.id, type: e.event, data: JSON.parse(e.data) as OrderStreamData };
            }
          }
        } finally {
          void reader.cancel().catch(() => undefined); // (awaiting a tee'd body's cancel can hang)
        }
      } catch (e) {
        if (abort.signal.aborted) return;
        if ((e as { fatal?: boolean }).fatal) throw e;
        error = e;
      }
      // The connection ended (the server closed it, a proxy dropped it) or could not be made.
      const delay = Math.min(
        maxDelay,
        waitMs ?? (serverRetryMs ?? baseDelay) * 2 ** Math.min(failures, 10),
      );
      failures++;
      options.onReconnect?.({ attempt: failures, delayMs: delay, ...(error ? { error } : {}) });
      try {
        await abortableSleep(delay, abort.signal);
      } catch {
        return;
      }
    }
  }

  const iterable = events();
  return {
    [Symbol.asyncIterator]: () => iterable,
    get lastEventId() {
      return state.lastEventId;
    },
    get connections() {
      return state.connections;
    },
    get keepAlives() {
      return state.keepAlives;
    },
    close: () => abort.abort(),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
