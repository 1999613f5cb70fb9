// The event-sourced repository: load (snapshot + the events after it), decide, append with
// the expected revision, and on a conflict catch up with what the other writer appended and
// decide again, a bounded number of times. A refused command comes back as the decider's
// Result; running out of retries is an exception with a stable code (it is not the domain's
// answer but contention the caller may retry later or map to HTTP 409).
import {
  err,
  ok,
  streamName as makeStreamName,
  systemClock,
  uuidv7,
  type Clock,
  type DomainError,
  type Result,
} from '@atelier/kernel';
import type { DomainEvent, EventCodec } from './codec';
import type { Decider } from './decider';
import type { EventMetadata, NewEvent } from './event';
import { ConcurrencyRetriesExhaustedError, WrongExpectedVersionError } from './errors';
import type { EventStore } from './event-store';
import { noopLogger, type Logger } from './logger';
import { NO_STREAM, type StreamState } from './revision';
import type { SnapshotPolicy, SnapshotStore } from './snapshots';

/** Everything that makes an aggregate type: its stream category, decider, event codec. */
export interface AggregateDefinition<
  C,
  E extends DomainEvent,
  S,
  Err extends DomainError = DomainError,
> {
  /** For logs and DI tokens, e.g. 'Counter'. */
  readonly name: string;
  /** Streams are `<category>-<id>`. */
  readonly category: string;
  readonly decider: Decider<C, E, S, Err>;
  readonly codec: EventCodec<E>;
  readonly snapshots?: SnapshotPolicy<S>;
  /**
   * A copy of a state that folding into does not change the original. Needed by `handleAll`
   * only when `evolve` changes the state it is given (a large aggregate may, to stay linear);
   * the default (identity) is right for a decider whose evolve returns new values.
   */
  readonly cloneState?: (state: S) => S;
}

export const defineAggregate = <C, E extends DomainEvent, S, Err extends DomainError = DomainError>(
  definition: AggregateDefinition<C, E, S, Err>,
): AggregateDefinition<C, E, S, Err> => definition;

/** Who and why, stamped on every event a command produces. */
export interface CommandContext {
  readonly correlationId: string;
  /** Usually the command's id; defaults to the correlation id. */
  readonly causationId?: string | null;
  readonly actor: string;
  /** Extra metadata strings (e.g. requestId, apiKeyId). */
  readonly extra?: Readonly<Record<string, string>>;
}

export interface LoadedAggregate<S> {
  readonly streamName: string;
  readonly state: S;
  readonly revision: StreamState;
  /** Revision of the snapshot the load started from, if any. */
  readonly snapshotRevision: bigint | undefined;
  /** Events read from the store by this load (after the snapshot). */
  readonly eventsRead: number;
}

export interface HandleSuccess<E, S> {
  readonly streamName: string;
  readonly events: readonly E[];
  readonly state: S;
  readonly revision: StreamState;
  /** Global position of the last appended event; undefined when the decision was no events. */
  readonly position: bigint | undefined;
  readonly attempts: number;
}

export interface RepositoryOptions {
  readonly clock?: Clock;
  /** Event ids; default UUIDv7 from the clock (time-ordered: cheap for the store's id index). */
  readonly newId?: () => string;
  /** Total tries per command (first one included). Default 5. */
  readonly maxAttempts?: number;
  readonly snapshots?: SnapshotStore;
  /**
   * Keep the last state of up to this many streams in memory and run this process's commands
   * on one stream one at a time: a command then reads only the events appended since (by any
   * writer), instead of the whole stream. Other processes are still fenced by the expected
   * revision. Default 0 (off).
   */
  readonly cachedStreams?: number;
  readonly logger?: Logger;
  /** Observes each conflict that leads to a retry (metrics, tests). */
  readonly onConflict?: (info: {
    streamName: string;
    attempt: number;
    error: WrongExpectedVersionError;
  }) => void;
  /** Upper bound of the random pause before a retry, ms (spreads out a thundering herd). Default 5. */
  readonly retryJitterMs?: number;
  /**
   * Called after a successful append, in process. Best effort (a crash right after the
   * commit skips it): never the path for effects that must happen; those follow the store.
   */
  readonly onAppended?: (info: AppendedInfo) => void;
}

interface Waiting<C, E, S, Err> {
  readonly command: C;
  readonly context: CommandContext;
  readonly resolve: (answer: Result<HandleSuccess<E, S>, Err>) => void;
  readonly reject: (error: unknown) => void;
}

/** One command's outcome within `handleAll`. */
export type CommandOutcome<E, Err> =
  | { readonly ok: true; readonly events: readonly E[] }
  | { readonly ok: false; readonly error: Err };

export interface HandleAllSuccess<E, S, Err> {
  readonly streamName: string;
  /** In the order of the commands. */
  readonly outcomes: readonly CommandOutcome<E, Err>[];
  readonly state: S;
  readonly revision: StreamState;
  /** Global position of the last appended event; undefined when nothing was appended. */
  readonly position: bigint | undefined;
  readonly attempts: number;
}

export interface AppendedInfo {
  readonly aggregate: string;
  readonly streamName: string;
  readonly events: readonly DomainEvent[];
  readonly revision: bigint;
  readonly position: bigint;
  readonly metadata: EventMetadata;
}

export class EventSourcedRepository<
  C,
  E extends DomainEvent,
  S,
  Err extends DomainError = DomainError,
> {
  private readonly clock: Clock;
  private readonly newId: () => string;
  private readonly maxAttempts: number;
  private readonly logger: Logger;

  constructor(
    readonly definition: AggregateDefinition<C, E, S, Err>,
    private readonly store: EventStore,
    private readonly options: RepositoryOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.newId = options.newId ?? (() => uuidv7(this.clock.now().getTime()));
    this.maxAttempts = options.maxAttempts ?? 5;
    this.logger = options.logger ?? noopLogger;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1)
      throw new RangeError('maxAttempts must be >= 1');
  }

  streamName(id: string): string {
    return makeStreamName(this.definition.category, id);
  }

  async load(id: string): Promise<LoadedAggregate<S>> {
    const stream = this.streamName(id);
    const start = await this.fromSnapshot(stream);
    return this.catchUp(start);
  }

  private readonly cache = new Map<string, LoadedAggregate<S>>();
  private readonly queues = new Map<string, Promise<unknown>>();

  /** Runs `work` after every earlier call on the same stream (when caching), in order. */
  private serialized<T>(stream: string, work: () => Promise<T>): Promise<T> {
    if (!this.options.cachedStreams) return work();
    const previous = this.queues.get(stream) ?? Promise.resolve();
    const run = previous.then(work, work);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(stream, settled);
    void settled.then(() => {
      if (this.queues.get(stream) === settled) this.queues.delete(stream);
    });
    return run;
  }

  /** The stream's state: from the cache (caught up) when caching, else loaded afresh. */
  private async current(stream: string): Promise<LoadedAggregate<S>> {
    const cached = this.cache.get(stream);
    if (!cached) return this.catchUp(await this.fromSnapshot(stream));
    this.cache.delete(stream); // taken out while in use: a failure never leaves a half-folded state
    return this.catchUp(cached);
  }

  /**
   * Drops the stream's cached state: its next command folds the stream afresh from the store
   * (after any command on it already queued). For a caller that doubts an answer decided on
   * the cache; a no-op when caching is off.
   */
  forget(id: string): Promise<void> {
    const stream = this.streamName(id);
    return this.serialized(stream, async () => {
      this.cache.delete(stream);
    });
  }

  private remember(loaded: LoadedAggregate<S>): void {
    const max = this.options.cachedStreams ?? 0;
    if (max <= 0) return;
    this.cache.set(loaded.streamName, loaded);
    while (this.cache.size > max) this.cache.delete(this.cache.keys().next().value as string);
  }

  /**
   * Decides `commands` one after the other against the state each leaves, and appends every
   * accepted command's events in one append (one expected revision): a refused command is
   * reported in its outcome and the others go on. On a conflict the whole batch is decided
   * again against the new state.
   */
  async handleAll(
    id: string,
    commands: readonly C[],
    context: CommandContext,
  ): Promise<HandleAllSuccess<E, S, Err>> {
    const stream = this.streamName(id);
    return this.serialized(stream, async () => {
      const { decider } = this.definition;
      const clone = this.definition.cloneState ?? ((s: S) => s);
      let loaded = await this.current(stream);
      for (let attempt = 1; ; attempt++) {
        let state = clone(loaded.state);
        const outcomes: CommandOutcome<E, Err>[] = [];
        const events: E[] = [];
        for (const command of commands) {
          const decision = decider.decide(command, state);
          if (!decision.ok) {
            outcomes.push({ ok: false, error: decision.error });
            continue;
          }
          for (const e of decision.value) state = decider.evolve(state, e);
          events.push(...decision.value);
          outcomes.push({ ok: true, events: decision.value });
        }
        if (events.length === 0) {
          this.remember(loaded);
          return {
            streamName: stream,
            outcomes,
            state: loaded.state,
            revision: loaded.revision,
            position: undefined,
            attempts: attempt,
          };
        }
        const appended = await this.appendDecided(
          loaded,
          [{ events, context }],
          attempt,
          () => state,
        );
        if (appended)
          return {
            streamName: stream,
            outcomes,
            state: appended.state,
            revision: appended.revision,
            position: appended.position,
            attempts: attempt,
          };
        loaded = await this.catchUp(loaded);
      }
    });
  }

  private async jitter(): Promise<void> {
    const jitter = this.options.retryJitterMs ?? 5;
    if (jitter > 0) await new Promise((r) => setTimeout(r, Math.random() * jitter));
  }

  /** Decides `command` against the current state and appends the result, retrying conflicts. */
  async handle(
    id: string,
    command: C,
    context: CommandContext,
  ): Promise<Result<HandleSuccess<E, S>, Err>> {
    const stream = this.streamName(id);
    if (!this.options.cachedStreams) return this.handleNow(stream, command, context);
    // Group commit: commands that wait for the same stream are decided together, in arrival
    // order, and appended at once; each still gets its own answer.
    return new Promise((resolve, reject) => {
      let waiting = this.waiting.get(stream);
      const first = !waiting;
      if (!waiting) this.waiting.set(stream, (waiting = []));
      waiting.push({ command, context, resolve, reject });
      if (first) void this.serialized(stream, () => this.decideWaiting(stream));
    });
  }

  /** Commands waiting for their stream, per stream (see `handle`). */
  private readonly waiting = new Map<string, Waiting<C, E, S, Err>[]>();

  private async decideWaiting(stream: string): Promise<void> {
    const jobs = this.waiting.get(stream) ?? [];
    this.waiting.delete(stream);
    try {
      const answers = await this.decideGroup(stream, jobs);
      jobs.forEach((job, i) => job.resolve(answers[i]!));
    } catch (error) {
      for (const job of jobs) job.reject(error);
    }
  }

  /**
   * Decides each job's command against the state the previous ones leave and appends all their
   * events at once. The state is folded in place before the append (no copy of a large
   * aggregate per group), so after a conflict or a failure it is reloaded from the store.
   */
  private async decideGroup(
    stream: string,
    jobs: readonly Waiting<C, E, S, Err>[],
  ): Promise<Result<HandleSuccess<E, S>, Err>[]> {
    const { decider } = this.definition;
    let loaded = await this.current(stream);
    for (let attempt = 1; ; attempt++) {
      let state = loaded.state;
      const decided: (readonly E[] | Err)[] = [];
      const parts: { events: readonly E[]; context: CommandContext }[] = [];
      for (const job of jobs) {
        const decision = decider.decide(job.command, state);
        if (!decision.ok) {
          decided.push(decision.error);
          continue;
        }
        for (const e of decision.value) state = decider.evolve(state, e);
        decided.push(decision.value);
        parts.push({ events: decision.value, context: job.context });
      }
      const answer = (revision: StreamState, position: bigint | undefined) =>
        decided.map((d) =>
          Array.isArray(d)
            ? ok({
                streamName: stream,
                events: d as readonly E[],
                state,
                revision,
                position: (d as readonly E[]).length > 0 ? position : undefined,
                attempts: attempt,
              })
            : err(d as Err),
        );
      if (parts.every((p) => p.events.length === 0)) {
        this.remember(loaded);
        return answer(loaded.revision, undefined);
      }
      const appended = await this.appendDecided(loaded, parts, attempt, () => state);
      if (appended) return answer(appended.revision, appended.position);
      // The state was folded ahead of a conflicting append: start again from the store.
      loaded = await this.catchUp(await this.fromSnapshot(stream));
    }
  }

  private async handleNow(
    stream: string,
    command: C,
    context: CommandContext,
  ): Promise<Result<HandleSuccess<E, S>, Err>> {
    const { decider } = this.definition;
    let loaded = await this.current(stream);
    for (let attempt = 1; ; attempt++) {
      const decision = decider.decide(command, loaded.state);
      if (!decision.ok) {
        this.remember(loaded);
        return err(decision.error);
      }
      const events = decision.value;
      if (events.length === 0) {
        this.remember(loaded);
        return ok({
          streamName: loaded.streamName,
          events,
          state: loaded.state,
          revision: loaded.revision,
          position: undefined,
          attempts: attempt,
        });
      }

      const appended = await this.appendDecided(loaded, [{ events, context }], attempt, () => {
        let state = loaded.state;
        for (const e of events) state = decider.evolve(state, e);
        return state;
      });
      if (appended)
        return ok({
          streamName: loaded.streamName,
          events,
          state: appended.state,
          revision: appended.revision,
          position: appended.position,
          attempts: attempt,
        });
      loaded = await this.catchUp(loaded);
    }
  }

  /**
   * Appends decided events at `loaded.revision`. On success: the state after them (`fold`,
   * called only then), a snapshot if due, the cache, the observer. On a conflict: null, after
   * the bounded-retry bookkeeping, so the caller catches up and decides again.
   */
  private async appendDecided(
    loaded: LoadedAggregate<S>,
    parts: readonly { readonly events: readonly E[]; readonly context: CommandContext }[],
    attempt: number,
    fold: () => S,
  ): Promise<{ state: S; revision: bigint; position: bigint } | null> {
    const stamped = parts.map((p) => ({ ...p, metadata: this.metadata(p.context) }));
    const toAppend: NewEvent[] = stamped.flatMap(({ events, metadata }) =>
      events.map((e) => ({ id: this.newId(), ...this.definition.codec.encode(e), metadata })),
    );
    try {
      const result = await this.store.append(loaded.streamName, toAppend, {
        expectedRevision: loaded.revision,
      });
      const state = fold();
      await this.maybeSnapshot(loaded, state, result.nextExpectedRevision);
      this.remember({ ...loaded, state, revision: result.nextExpectedRevision });
      for (const { events, metadata } of stamped)
        if (events.length > 0)
          this.notifyAppended({
            aggregate: this.definition.name,
            streamName: loaded.streamName,
            events,
            revision: result.nextExpectedRevision,
            position: result.position,
            metadata,
          });
      return { state, revision: result.nextExpectedRevision, position: result.position };
    } catch (e) {
      if (!(e instanceof WrongExpectedVersionError)) throw e;
      if (attempt >= this.maxAttempts)
        throw new ConcurrencyRetriesExhaustedError(loaded.streamName, attempt, e);
      this.options.onConflict?.({ streamName: loaded.streamName, attempt, error: e });
      this.logger.debug(
        { streamName: loaded.streamName, attempt, actual: String(e.actual) },
        'append conflict, retrying',
      );
      await this.jitter();
      return null;
    }
  }

  private notifyAppended(info: AppendedInfo): void {
    try {
      this.options.onAppended?.(info);
    } catch (error) {
      this.logger.warn(
        { err: error, streamName: info.streamName },
        'onAppended observer threw (ignored: the events are committed)',
      );
    }
  }

  private metadata(context: CommandContext): EventMetadata {
    return {
      ...context.extra,
      correlationId: context.correlationId,
      causationId: context.causationId === undefined ? context.correlationId : context.causationId,
      actor: context.actor,
      occurredAt: this.clock.now().toISOString(),
    };
  }

  private async fromSnapshot(stream: string): Promise<LoadedAggregate<S>> {
    const empty: LoadedAggregate<S> = {
      streamName: stream,
      state: this.definition.decider.initialState,
      revision: NO_STREAM,
      snapshotRevision: undefined,
      eventsRead: 0,
    };
    const policy = this.definition.snapshots;
    const store = this.options.snapshots;
    if (!policy || !store) return empty;
    try {
      const snapshot = await store.load(stream);
      if (!snapshot || snapshot.schemaVersion !== policy.schemaVersion) return empty;
      return {
        ...empty,
        state: policy.decode(snapshot.state),
        revision: snapshot.revision,
        snapshotRevision: snapshot.revision,
      };
    } catch (error) {
      this.logger.warn(
        { err: error, streamName: stream },
        'snapshot unreadable, replaying the whole stream',
      );
      return empty;
    }
  }

  /** Folds in the events after `from.revision`. */
  private async catchUp(from: LoadedAggregate<S>): Promise<LoadedAggregate<S>> {
    const { decider, codec } = this.definition;
    const fromRevision = from.revision === NO_STREAM ? 0n : from.revision + 1n;
    const recorded = await this.store.readStream(from.streamName, { fromRevision });
    let state = from.state;
    let revision = from.revision;
    for (const r of recorded) {
      state = decider.evolve(state, codec.decode(r));
      revision = r.revision;
    }
    return { ...from, state, revision, eventsRead: from.eventsRead + recorded.length };
  }

  private async maybeSnapshot(
    loaded: LoadedAggregate<S>,
    state: S,
    revision: bigint,
  ): Promise<void> {
    const policy = this.definition.snapshots;
    const store = this.options.snapshots;
    if (!policy || !store) return;
    const since =
      loaded.snapshotRevision === undefined ? revision + 1n : revision - loaded.snapshotRevision;
    if (since < BigInt(policy.every)) return;
    try {
      await store.save({
        streamName: loaded.streamName,
        revision,
        schemaVersion: policy.schemaVersion,
        state: policy.encode(state),
      });
    } catch (error) {
      this.logger.warn(
        { err: error, streamName: loaded.streamName },
        'snapshot save failed (the next load replays more)',
      );
    }
  }
}
