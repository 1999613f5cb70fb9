// Stream revisions and expected-revision arithmetic, shared by every adapter so that
// "does this append conflict?" has one answer. Revisions are 0-based (the first event of
// a stream is revision 0), as in KurrentDB; a stream with no events is NO_STREAM.

export const ANY = 'any' as const;
export const NO_STREAM = 'no_stream' as const;
export const STREAM_EXISTS = 'stream_exists' as const;

/** What a writer asserts about the stream before its append. */
export type ExpectedRevision = typeof ANY | typeof NO_STREAM | typeof STREAM_EXISTS | bigint;

/** What a stream actually is: the revision of its last event, or NO_STREAM. */
export type StreamState = bigint | typeof NO_STREAM;

/** Global positions are > 0; START_POSITION means "before the first event". */
export const START_POSITION = 0n;

export function satisfies(expected: ExpectedRevision, actual: StreamState): boolean {
  switch (expected) {
    case ANY:
      return true;
    case NO_STREAM:
      return actual === NO_STREAM;
    case STREAM_EXISTS:
      return actual !== NO_STREAM;
    default:
      return actual === expected;
  }
}

/** The revision of the first event an append of any size lands at. */
export const firstRevisionAfter = (actual: StreamState): bigint =>
  actual === NO_STREAM ? 0n : actual + 1n;

/** The stream's state after appending `count` events to a stream in state `actual`. */
export function revisionAfterAppend(actual: StreamState, count: number): StreamState {
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`count must be a non-negative integer, got ${count}`);
  if (count === 0) return actual;
  return firstRevisionAfter(actual) + BigInt(count) - 1n;
}

export function isValidExpectedRevision(e: unknown): e is ExpectedRevision {
  return e === ANY || e === NO_STREAM || e === STREAM_EXISTS || (typeof e === 'bigint' && e >= 0n);
}

export const describeRevision = (r: ExpectedRevision | StreamState): string =>
  typeof r === 'bigint' ? r.toString() : r;
