// The event store's typed failures. Every adapter throws these and only these for the
// conditions they name, so callers (the repository, the HTTP edge) switch on `code` and
// never on a driver's message. Codes are stable API.
import { CodedError } from '@atelier/kernel';
import { describeRevision, type ExpectedRevision, type StreamState } from './revision';

export type EventStoreErrorCode =
  | 'EVENT_STORE.WRONG_EXPECTED_VERSION'
  | 'EVENT_STORE.IDEMPOTENCY_CONFLICT'
  | 'EVENT_STORE.CONCURRENCY_RETRIES_EXHAUSTED'
  | 'EVENT_STORE.INVALID_APPEND'
  | 'EVENT_STORE.UPCAST_FAILED'
  | 'EVENT_STORE.UNKNOWN_EVENT_TYPE'
  | 'EVENT_STORE.EVENT_DECODE_FAILED'
  | 'EVENT_STORE.APPEND_NOT_FIRST_WRITE'
  | 'EVENT_STORE.UNAVAILABLE';

export abstract class EventStoreError<
  C extends EventStoreErrorCode = EventStoreErrorCode,
> extends CodedError<C> {}

/** The stream was not where the writer expected it: someone else appended first. */
export class WrongExpectedVersionError extends EventStoreError<'EVENT_STORE.WRONG_EXPECTED_VERSION'> {
  override readonly name = 'WrongExpectedVersionError';
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    readonly actual: StreamState,
    options?: { cause?: unknown },
  ) {
    super(
      'EVENT_STORE.WRONG_EXPECTED_VERSION',
      `stream ${streamName}: expected revision ${describeRevision(expected)}, actual ${describeRevision(actual)}`,
      { streamName, expected: describeRevision(expected), actual: describeRevision(actual) },
      options,
    );
  }
}

/**
 * Some of the appended event ids are already stored, but not as exactly this append
 * (another stream, other positions, or only part of the batch): not a safe retry.
 */
export class IdempotencyConflictError extends EventStoreError<'EVENT_STORE.IDEMPOTENCY_CONFLICT'> {
  override readonly name = 'IdempotencyConflictError';
  constructor(
    readonly streamName: string,
    readonly existingIds: readonly string[],
    readonly reason: string,
  ) {
    super(
      'EVENT_STORE.IDEMPOTENCY_CONFLICT',
      `stream ${streamName}: event ids already stored (${reason}): ${existingIds.slice(0, 5).join(', ')}`,
      {
        streamName,
        existingIds,
        reason,
      },
    );
  }
}

/** A repository gave up after its bounded number of optimistic-concurrency retries. */
export class ConcurrencyRetriesExhaustedError extends EventStoreError<'EVENT_STORE.CONCURRENCY_RETRIES_EXHAUSTED'> {
  override readonly name = 'ConcurrencyRetriesExhaustedError';
  constructor(
    readonly streamName: string,
    readonly attempts: number,
    cause: WrongExpectedVersionError,
  ) {
    super(
      'EVENT_STORE.CONCURRENCY_RETRIES_EXHAUSTED',
      `stream ${streamName}: still conflicting after ${attempts} attempts`,
      { streamName, attempts },
      { cause },
    );
  }
}

export class InvalidAppendError extends EventStoreError<'EVENT_STORE.INVALID_APPEND'> {
  override readonly name = 'InvalidAppendError';
  constructor(
    readonly streamName: string,
    readonly problem: string,
  ) {
    super('EVENT_STORE.INVALID_APPEND', `stream ${streamName}: invalid append: ${problem}`, {
      streamName,
      problem,
    });
  }
}

export class UpcastError extends EventStoreError<'EVENT_STORE.UPCAST_FAILED'> {
  override readonly name = 'UpcastError';
  constructor(message: string, details: Record<string, unknown>, options?: { cause?: unknown }) {
    super('EVENT_STORE.UPCAST_FAILED', message, details, options);
  }
}

export class EventDecodeError extends EventStoreError<
  'EVENT_STORE.UNKNOWN_EVENT_TYPE' | 'EVENT_STORE.EVENT_DECODE_FAILED'
> {
  override readonly name = 'EventDecodeError';
  constructor(
    code: 'EVENT_STORE.UNKNOWN_EVENT_TYPE' | 'EVENT_STORE.EVENT_DECODE_FAILED',
    message: string,
    details: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(code, message, details, options);
  }
}

/** PostgreSQL adapter: an append must be its transaction's first write (docs/event-store.md). */
export class AppendNotFirstWriteError extends EventStoreError<'EVENT_STORE.APPEND_NOT_FIRST_WRITE'> {
  override readonly name = 'AppendNotFirstWriteError';
  constructor(readonly streamName: string) {
    super(
      'EVENT_STORE.APPEND_NOT_FIRST_WRITE',
      `stream ${streamName}: an append must be the first write of its transaction (the global order relies on it)`,
      { streamName },
    );
  }
}

export class EventStoreUnavailableError extends EventStoreError<'EVENT_STORE.UNAVAILABLE'> {
  override readonly name = 'EventStoreUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('EVENT_STORE.UNAVAILABLE', message, {}, options);
  }
}

export const isEventStoreError = (e: unknown): e is EventStoreError => e instanceof EventStoreError;
