// When to try a request again. The gateway answers 429 (rate limit, daily quota) and 503
// (overloaded, a dependency down) with Retry-After; the client waits that long and tries again,
// or backs off exponentially with full jitter when the header is absent, a bounded number of
// times. A Retry-After longer than `maxDelayMs` (a daily quota resetting in hours) is not waited
// for: the caller gets the error with `retryAfterMs` and decides. A 409 READ_MODEL.BEHIND (a read
// or cancel given ?minPosition= that the read model had not reached in the server's wait) is
// retried the same way: the gateway says "retry", and nothing was decided. Retrying writes is
// safe: the client sends each write with an Idempotency-Key, reused on every attempt.
// Pure functions (time and randomness passed in), so they are unit-tested.

export interface RetryPolicy {
  /** Attempts after the first one. */
  readonly retries: number;
  /** First backoff without Retry-After; doubles per attempt (full jitter). */
  readonly baseDelayMs: number;
  /** Longest single wait, Retry-After included; a longer Retry-After ends the retries. */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 4, baseDelayMs: 250, maxDelayMs: 30_000 };
export const NO_RETRY: RetryPolicy = { retries: 0, baseDelayMs: 0, maxDelayMs: 0 };

/** The statuses that mean "not now" rather than "no". */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 503]);
/** Problem codes that mean "not yet", under a status that otherwise means "no" (409). */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set(['READ_MODEL.BEHIND']);

/** A Retry-After header (delta-seconds or an HTTP-date, RFC 9110 10.2.3) in ms from `now`. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP-date names its day and month; Date.parse would take '-5' as a year.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/**
 * How long to wait before attempt `attempt + 1` (attempt 0 is the first try), or undefined to
 * stop: out of retries, or the server asks for longer than the policy waits.
 */
export function retryDelay(
  policy: RetryPolicy,
  attempt: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number | undefined {
  if (attempt >= policy.retries) return undefined;
  if (retryAfterMs !== undefined)
    return retryAfterMs <= policy.maxDelayMs ? retryAfterMs : undefined;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}
