// An in-memory EventStore with the same contract as the real adapters (the conformance suite
// runs against it too): for unit tests of repositories, handlers and projections. Appends are
// synchronous in one process, so the global order is simply the append order.
import { categoryOf } from '@atelier/kernel';
import { classifyRetry, validateAppend } from './append-rules';
import type { AppendResult, NewEvent, RecordedEvent } from './event';
import { WrongExpectedVersionError } from './errors';
import type {
  AppendOptions,
  EventStore,
  ReadAllOptions,
  ReadStreamOptions,
  SubscribeOptions,
} from './event-store';
import {
  firstRevisionAfter,
  NO_STREAM,
  satisfies,
  START_POSITION,
  type StreamState,
} from './revision';
import { catchUpSubscription, ChangeNotifier } from './subscription';
import { noUpcasters, type UpcasterRegistry } from './upcasting';

interface Data {
  readonly log: RecordedEvent[];
  readonly streams: Map<string, RecordedEvent[]>;
  readonly byId: Map<string, RecordedEvent>;
  readonly changes: ChangeNotifier;
}

export class InMemoryEventStore implements EventStore {
  private readonly log: RecordedEvent[];
  private readonly streams: Map<string, RecordedEvent[]>;
  private readonly byId: Map<string, RecordedEvent>;
  private readonly changes: ChangeNotifier;
  private readonly upcasters: UpcasterRegistry;
  private readonly closed = new AbortController();

  constructor(options: { upcasters?: UpcasterRegistry; sharing?: InMemoryEventStore } = {}) {
    this.upcasters = options.upcasters ?? noUpcasters;
    const data: Data = options.sharing?.data() ?? {
      log: [],
      streams: new Map(),
      byId: new Map(),
      changes: new ChangeNotifier(),
    };
    ({ log: this.log, streams: this.streams, byId: this.byId, changes: this.changes } = data);
  }

  private data(): Data {
    return { log: this.log, streams: this.streams, byId: this.byId, changes: this.changes };
  }

  async append(
    streamName: string,
    events: readonly NewEvent[],
    { expectedRevision }: AppendOptions,
  ): Promise<AppendResult> {
    validateAppend(streamName, events, expectedRevision);
    const found = events.flatMap((e) => {
      const r = this.byId.get(e.id);
      return r
        ? [{ id: r.id, streamName: r.streamName, revision: r.revision, position: r.position }]
        : [];
    });
    const retry = classifyRetry(streamName, events, found);
    if (retry) return retry;
    const stream = this.streams.get(streamName) ?? [];
    const actual: StreamState = stream.length === 0 ? NO_STREAM : BigInt(stream.length - 1);
    if (!satisfies(expectedRevision, actual))
      throw new WrongExpectedVersionError(streamName, expectedRevision, actual);
    const first = firstRevisionAfter(actual);
    const recordedAt = new Date();
    const recorded = events.map((e, i): RecordedEvent => ({
      id: e.id,
      type: e.type,
      schemaVersion: e.schemaVersion,
      data: structuredClone(e.data),
      metadata: { ...e.metadata },
      streamName,
      revision: first + BigInt(i),
      position: BigInt(this.log.length + i + 1),
      recordedAt,
    }));
    this.log.push(...recorded);
    stream.push(...recorded);
    this.streams.set(streamName, stream);
    for (const r of recorded) this.byId.set(r.id, r);
    this.changes.notify();
    const last = recorded[recorded.length - 1]!;
    return { nextExpectedRevision: last.revision, position: last.position };
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const stream = this.streams.get(streamName) ?? [];
    const backwards = options.direction === 'backwards';
    const from = options.fromRevision ?? (backwards ? 'end' : 'start');
    const max = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    let selected: RecordedEvent[];
    if (backwards) {
      const top =
        from === 'end'
          ? stream.length - 1
          : from === 'start'
            ? 0
            : Math.min(Number(from), stream.length - 1);
      selected = stream.slice(0, top + 1).reverse();
    } else {
      const bottom = from === 'start' ? 0 : from === 'end' ? stream.length : Number(from);
      selected = stream.slice(bottom);
    }
    return selected.slice(0, max).map((e) => this.out(e));
  }

  async readAll({
    after = START_POSITION,
    maxCount = 1000,
    category,
  }: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = [];
    // positions are 1..n, so the first event after `after` is at index `after`
    for (
      let i = Number(after < 0n ? 0n : after);
      i < this.log.length && out.length < maxCount;
      i++
    ) {
      const e = this.log[i]!;
      if (category === undefined || categoryOf(e.streamName) === category) out.push(this.out(e));
    }
    return out;
  }

  subscribe(options: SubscribeOptions = {}): AsyncIterable<RecordedEvent> {
    const signal = options.signal
      ? AbortSignal.any([options.signal, this.closed.signal])
      : this.closed.signal;
    return catchUpSubscription(
      {
        read: (after, limit) =>
          this.readAll({ after, maxCount: limit, category: options.category }),
        changes: this.changes,
      },
      { ...options, signal, pollIntervalMs: 60_000 },
    );
  }

  async close(): Promise<void> {
    this.closed.abort();
  }

  private out(e: RecordedEvent): RecordedEvent {
    const copy = { ...e, data: structuredClone(e.data), metadata: { ...e.metadata } };
    return this.upcasters.upcast(copy);
  }
}
