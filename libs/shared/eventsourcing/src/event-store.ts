// The event store port: what the domain's repositories and the projections need from an
// event store, and nothing an adapter happens to offer on top. Two adapters implement it
// (@atelier/event-store: PostgreSQL, the default, and KurrentDB) and one conformance suite
// holds both to it; an in-memory one serves unit tests.
import type { AppendResult, NewEvent, RecordedEvent } from './event';
import type { ExpectedRevision } from './revision';

export interface AppendOptions {
  /** Required: every append states what it expects (ANY only where order truly does not matter). */
  readonly expectedRevision: ExpectedRevision;
}

export interface ReadStreamOptions {
  /** Default 'forwards'. */
  readonly direction?: 'forwards' | 'backwards';
  /** Inclusive. Default: 'start' forwards, 'end' backwards. */
  readonly fromRevision?: bigint | 'start' | 'end';
  /** Default: unbounded. */
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive checkpoint: the position of the last event already processed. Default START_POSITION. */
  readonly after?: bigint;
  /** Default 1000. */
  readonly maxCount?: number;
  /** Only streams of this category (the stream name's part before the first '-'). */
  readonly category?: string;
}

export interface SubscribeOptions {
  /** Exclusive checkpoint, as for readAll. Default START_POSITION (everything). */
  readonly after?: bigint;
  readonly category?: string;
  /** Stops the subscription: the iteration then ends normally. */
  readonly signal?: AbortSignal;
  /** Events per read while catching up. */
  readonly batchSize?: number;
  /** Called each time the subscription has delivered everything visible and turns live. */
  readonly onCaughtUp?: (position: bigint) => void;
}

export interface EventStore {
  /**
   * Appends atomically, at the end of the stream, if the stream is as expected.
   * @throws WrongExpectedVersionError when it is not.
   * @throws IdempotencyConflictError when some ids are stored but this is not an exact retry;
   *   an exact retry (same ids, same stream, same order) returns the original result.
   * @throws InvalidAppendError for an empty batch, duplicate or malformed ids, bad metadata.
   */
  append(
    streamName: string,
    events: readonly NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult>;

  /** A stream's events (upcast to their current versions); [] when the stream does not exist. */
  readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;

  /**
   * Events of all streams (or one category) after a position, in global order, up to the
   * point where no event can still appear before them (see docs/event-store.md).
   */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;

  /**
   * A catch-up subscription: every event after `after`, in global order, exactly once, then
   * live ones as they commit, without a gap between the two phases.
   */
  subscribe(options?: SubscribeOptions): AsyncIterable<RecordedEvent>;

  /** Releases connections and stops subscriptions this store opened. */
  close(): Promise<void>;
}
