// A stand-in for KurrentDBClient, for the unit tier: one ordered log with sparse commit
// positions, per-stream revisions, the server's expected-revision checks and its documented
// idempotency for exact retries, inclusive readAll / exclusive subscribeToAll positions,
// stream-name filters, lazily thrown StreamNotFound, and some system events to filter out.
// It checks the adapter's mapping, not the server: the conformance suite runs against a
// KurrentDB server when KURRENTDB_URL is set.
import { EventEmitter } from 'node:events';
import {
  BACKWARDS,
  END,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type AppendResult,
  type AppendStreamState,
  type EventData,
  type ReadAllOptions,
  type ReadStreamOptions,
  type ResolvedEvent,
  type SubscribeToAllOptions,
} from '@kurrent/kurrentdb-client';
import type { KurrentClientLike } from '../kurrentdb/kurrentdb-event-store';

interface Stored {
  streamId: string;
  id: string;
  revision: bigint;
  type: string;
  data: unknown;
  metadata: unknown;
  isJson: true;
  created: Date;
  position: { commit: bigint; prepare: bigint };
}

/** What the client hands out: a copy (dates stay in this realm, unlike structuredClone under jest). */
const copy = (e: Stored): never =>
  ({
    ...e,
    data: structuredClone(e.data),
    metadata: structuredClone(e.metadata),
    created: new Date(e.created.getTime()),
  }) as never;

export class FakeKurrentClient implements KurrentClientLike {
  private readonly log: Stored[] = [];
  private readonly streams = new Map<string, Stored[]>();
  private readonly appended = new EventEmitter();
  private nextCommit = 4_096n;

  constructor() {
    this.appended.setMaxListeners(0);
    this.write('$settings', [
      {
        id: '00000000-0000-4000-8000-00000000000a',
        type: '$settings',
        data: {},
        metadata: undefined,
      } as unknown as EventData,
    ]);
  }

  async appendToStream(
    streamName: string,
    events: EventData[],
    options: { streamState?: AppendStreamState } = {},
  ): Promise<AppendResult> {
    const state = options.streamState ?? 'any';
    const stream = this.streams.get(streamName) ?? [];
    const current = stream.length === 0 ? NO_STREAM : BigInt(stream.length - 1);
    // the server's idempotency: the same ids right after the expected revision
    if (state !== 'any' && state !== STREAM_EXISTS) {
      const from = state === NO_STREAM ? 0 : Number(state) + 1;
      const there = stream.slice(from, from + events.length);
      const matches = there.filter((s, i) => s.id === events[i]!.id).length;
      if (there.length === events.length && matches === events.length) {
        const last = there[there.length - 1]!;
        return { success: true, nextExpectedRevision: last.revision, position: last.position };
      }
    }
    const ok =
      state === 'any' ||
      (state === NO_STREAM && current === NO_STREAM) ||
      (state === STREAM_EXISTS && current !== NO_STREAM) ||
      (typeof state === 'bigint' && state === current);
    if (!ok)
      throw new WrongExpectedVersionError(undefined, { streamName, expected: state, current });
    const last = this.write(streamName, events);
    return { success: true, nextExpectedRevision: last.revision, position: last.position };
  }

  private write(streamName: string, events: EventData[]): Stored {
    const stream = this.streams.get(streamName) ?? [];
    let last!: Stored;
    for (const e of events) {
      const commit = this.nextCommit;
      this.nextCommit += 97n;
      last = {
        streamId: streamName,
        id: e.id,
        revision: BigInt(stream.length),
        type: e.type,
        data: structuredClone(e.data),
        metadata: structuredClone(e.metadata),
        isJson: true,
        created: new Date(),
        position: { commit, prepare: commit },
      };
      stream.push(last);
      this.log.push(last);
    }
    this.streams.set(streamName, stream);
    this.appended.emit('appended');
    return last;
  }

  readStream(
    streamName: string,
    options: ReadStreamOptions = {},
  ): AsyncIterableIterator<ResolvedEvent> {
    const streams = this.streams;
    return (async function* () {
      const stream = streams.get(streamName);
      if (!stream) throw new StreamNotFoundError(undefined, streamName);
      const backwards = options.direction === BACKWARDS;
      const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
      const from = options.fromRevision ?? (backwards ? END : START);
      let list: Stored[];
      if (backwards) {
        const top =
          from === END
            ? stream.length - 1
            : from === START
              ? 0
              : Math.min(Number(from), stream.length - 1);
        list = stream.slice(0, top + 1).reverse();
      } else {
        list = stream.slice(from === START ? 0 : from === END ? stream.length : Number(from));
      }
      for (const e of list.slice(0, max))
        yield { event: copy(e), commitPosition: e.position.commit };
    })();
  }

  readAll(options: ReadAllOptions = {}): AsyncIterableIterator<AllStreamResolvedEvent> {
    const log = this.log;
    const matches = FakeKurrentClient.matcher(options.filter);
    return (async function* () {
      const from = options.fromPosition ?? START;
      let n = 0;
      const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
      for (const e of log) {
        if (from !== START && from !== END && e.position.commit < from.commit) continue; // inclusive
        if (from === END) return;
        if (!matches(e)) continue;
        if (n++ >= max) return;
        yield { event: copy(e), commitPosition: e.position.commit };
      }
    })();
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AllStreamSubscription {
    const emitter = new EventEmitter();
    const matches = FakeKurrentClient.matcher(options.filter);
    const from = options.fromPosition ?? START;
    let stopped = false;
    let wake: (() => void) | undefined;
    const onAppend = (): void => wake?.();
    this.appended.on('appended', onAppend);
    const log = this.log;
    const appended = this.appended;
    async function* iterate(): AsyncGenerator<AllStreamResolvedEvent> {
      let i = 0;
      let live = false;
      try {
        while (!stopped) {
          while (i < log.length && !stopped) {
            const e = log[i++]!;
            if (from !== START && from !== END && e.position.commit <= from.commit) continue; // exclusive
            if (!matches(e)) continue;
            yield { event: copy(e), commitPosition: e.position.commit };
          }
          if (!live) {
            live = true;
            emitter.emit('caughtUp', {});
          }
          if (stopped) break;
          await new Promise<void>((r) => (wake = r));
        }
      } finally {
        appended.off('appended', onAppend);
      }
    }
    const iterator = iterate();
    return Object.assign(emitter, {
      [Symbol.asyncIterator]: () => iterator,
      unsubscribe: async () => {
        stopped = true;
        wake?.();
      },
    }) as unknown as AllStreamSubscription;
  }

  async dispose(): Promise<void> {
    this.appended.emit('appended');
  }

  private static matcher(filter: ReadAllOptions['filter']): (e: Stored) => boolean {
    if (!filter) return () => true;
    const test =
      'regex' in filter
        ? (s: string) => new RegExp(filter.regex).test(s)
        : (s: string) => filter.prefixes.some((p) => s.startsWith(p));
    return (e) => test(filter.filterOn === 'streamName' ? e.streamId : e.type);
  }
}
