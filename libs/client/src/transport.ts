// The fetch every client call goes through: the API key on each request, 429/503 retried as
// retry.ts decides, and a request that got no answer turned into an AtelierNetworkError (retried
// first when repeating it is safe: a GET, or a write carrying an Idempotency-Key).
import { AtelierNetworkError } from './errors';
import {
  RETRYABLE_CODES,
  RETRYABLE_STATUSES,
  parseRetryAfter,
  retryDelay,
  type RetryPolicy,
} from './retry';

export type FetchLike = (input: Request) => Promise<Response>;

export interface TransportOptions {
  readonly fetch: (input: Request) => Promise<Response>;
  readonly apiKey?: string;
  readonly retry: RetryPolicy;
  /** Waits `ms` (tests pass a fake clock); rejects when `signal` aborts. */
  readonly sleep?: (ms: number, signal?: AbortSignal | null) => Promise<void>;
  readonly random?: () => number;
  readonly now?: () => number;
}

export function abortableSleep(ms: number, signal?: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A 409 whose problem code says "retry" (read from a copy: the caller still reads the body). */
async function notYet(response: Response): Promise<boolean> {
  if (response.status !== 409) return false;
  try {
    const problem = (await response.clone().json()) as { code?: unknown };
    return typeof problem.code === 'string' && RETRYABLE_CODES.has(problem.code);
  } catch {
    return false;
  }
}

/** Repeating the request cannot decide anything twice. */
const replayable = (request: Request): boolean =>
  request.method === 'GET' || request.method === 'HEAD' || request.headers.has('idempotency-key');

export function createTransport(options: TransportOptions): FetchLike {
  const sleep = options.sleep ?? abortableSleep;
  const now = options.now ?? Date.now;
  return async (original: Request): Promise<Response> => {
    const request = new Request(original);
    if (options.apiKey && !request.headers.has('authorization'))
      request.headers.set('authorization', `Bearer ${options.apiKey}`);
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        // A clone per attempt: the body of a Request can be read once.
        response = await options.fetch(request.clone());
      } catch (cause) {
        if (request.signal.aborted) throw cause;
        const delay = replayable(request)
          ? retryDelay(options.retry, attempt, undefined, options.random)
          : undefined;
        if (delay === undefined)
          throw new AtelierNetworkError(
            'CLIENT.NETWORK',
            `${request.method} ${request.url} got no answer: ${(cause as Error).message}`,
            { method: request.method, url: request.url, attempts: attempt + 1 },
            { cause },
          );
        await sleep(delay, request.signal);
        continue;
      }
      if (!RETRYABLE_STATUSES.has(response.status) && !(await notYet(response))) return response;
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'), now());
      const delay = retryDelay(options.retry, attempt, retryAfter, options.random);
      if (delay === undefined) return response;
      // Not awaited: cancelling a tee'd body (a cloned Response) settles only with its twin.
      void response.body?.cancel().catch(() => undefined);
      await sleep(delay, request.signal);
    }
  };
}
