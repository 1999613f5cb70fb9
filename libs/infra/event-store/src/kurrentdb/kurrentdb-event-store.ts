// The KurrentDB (EventStoreDB) adapter, through the official Node client. KurrentDB keeps
// one totally ordered log, so the global order needs no rule of ours: a position is the
// event's commit position. What the port adds on top of the server:
// - expected revisions map 1:1 (ANY, NO_STREAM, STREAM_EXISTS, exact);
// - an exact retry is recognised on our side when the server reports a conflict (we read
//   the revisions the original append would occupy and compare ids), so "same ids, same
//   result" holds whatever the server's own idempotency cache remembers;
// - ANY and STREAM_EXISTS appends first read the stream's tail (idempotencyWindow events)
//   and append at the revision found, retrying on a race, so their retries are recognised
//   too, within that window. KurrentDB does not make event ids unique across streams.
// Metadata is stored as flat strings plus schemaVersion, and $correlationId/$causationId so
// KurrentDB's own $by_correlation_id projection works.
import {
  END,
  FORWARDS,
  BACKWARDS,
  jsonEvent,
  KurrentDBClient,
  NO_STREAM as K_NO_STREAM,
  START,
  streamNameFilter,
  ErrorType,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type AppendResult as KAppendResult,
  type AppendStreamState,
  type Filter,
  type ReadAllOptions as KReadAllOptions,
  type ReadStreamOptions as KReadStreamOptions,
  type ResolvedEvent,
  type SubscribeToAllOptions,
  type EventData,
} from '@kurrent/kurrentdb-client';
import {
  ANY,
  classifyRetry,
  NO_STREAM,
  noopLogger,
  noUpcasters,
  satisfies,
  START_POSITION,
  STREAM_EXISTS,
  validateAppend,
  WrongExpectedVersionError,
  type AppendOptions,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type Logger,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamState,
  type SubscribeOptions,
  type UpcasterRegistry,
} from '@atelier/eventsourcing';

/** The part of KurrentDBClient this adapter uses (so a test double can stand in). */
export interface KurrentClientLike {
  appendToStream(
    streamName: string,
    events: EventData[],
    options?: { streamState?: AppendStreamState },
  ): Promise<KAppendResult>;
  readStream(
    streamName: string,
    options?: KReadStreamOptions,
  ): AsyncIterableIterator<ResolvedEvent>;
  readAll(options?: KReadAllOptions): AsyncIterableIterator<AllStreamResolvedEvent>;
  subscribeToAll(options?: SubscribeToAllOptions): AllStreamSubscription;
  dispose(): Promise<void>;
}

export interface KurrentDbEventStoreOptions {
  /** e.g. kurrentdb://127.0.0.1:2113?tls=false */
  readonly connectionString?: string;
  /** Instead of a connection string: a client (or a test double). */
  readonly client?: KurrentClientLike;
  readonly upcasters?: UpcasterRegistry;
  readonly logger?: Logger;
  /** How many of a stream's last events an ANY / STREAM_EXISTS append checks for its ids. Default 256. */
  readonly idempotencyWindow?: number;
  /** Attempts of an ANY / STREAM_EXISTS append racing other writers (jittered backoff). Default 30. */
  readonly raceAttempts?: number;
}

type KRecorded = NonNullable<ResolvedEvent['event']>;

const isWrongExpectedVersion = (e: unknown): e is { actualState?: unknown } =>
  typeof e === 'object' &&
  e !== null &&
  (e as { type?: unknown }).type === ErrorType.WRONG_EXPECTED_VERSION;
const isStreamNotFound = (e: unknown): boolean =>
  typeof e === 'object' &&
  e !== null &&
  (e as { type?: unknown }).type === ErrorType.STREAM_NOT_FOUND;

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class KurrentDbEventStore implements EventStore {
  private readonly client: KurrentClientLike;
  private readonly upcasters: UpcasterRegistry;
  private readonly logger: Logger;
  private readonly window: number;
  private readonly raceAttempts: number;
  private readonly closed = new AbortController();
  private readonly ownsClient: boolean;

  constructor(options: KurrentDbEventStoreOptions) {
    if (options.client) this.client = options.client;
    else if (options.connectionString)
      this.client = KurrentDBClient.connectionString(options.connectionString);
    else throw new Error('KurrentDbEventStore needs a connectionString or a client');
    this.ownsClient = !options.client;
    this.upcasters = options.upcasters ?? noUpcasters;
    this.logger = options.logger ?? noopLogger;
    this.window = options.idempotencyWindow ?? 256;
    this.raceAttempts = options.raceAttempts ?? 30;
  }

  async append(
    streamName: string,
    events: readonly NewEvent[],
    { expectedRevision }: AppendOptions,
  ): Promise<AppendResult> {
    validateAppend(streamName, events, expectedRevision);
    const data = events.map((e) => toEventData(e));
    if (expectedRevision === ANY || expectedRevision === STREAM_EXISTS)
      return this.appendLoose(streamName, events, data, expectedRevision);
    try {
      const r = await this.client.appendToStream(streamName, data, {
        streamState: expectedRevision === NO_STREAM ? K_NO_STREAM : expectedRevision,
      });
      return this.result(r, streamName);
    } catch (e) {
      if (!isWrongExpectedVersion(e)) throw e;
      // an exact retry of an append that committed? its events sit right after `expected`
      const from = expectedRevision === NO_STREAM ? 0n : expectedRevision + 1n;
      const there = await this.readStream(streamName, {
        fromRevision: from,
        maxCount: events.length,
      });
      const original = classifyRetry(
        streamName,
        events,
        there
          .filter((r) => events.some((n) => n.id === r.id))
          .map((r) => ({ id: r.id, streamName, revision: r.revision, position: r.position })),
      );
      if (original) return original;
      throw new WrongExpectedVersionError(
        streamName,
        expectedRevision,
        await this.actualState(streamName, e),
        { cause: e },
      );
    }
  }

  /** ANY / STREAM_EXISTS: read the tail, recognise a retry, append at the revision found. */
  private async appendLoose(
    streamName: string,
    events: readonly NewEvent[],
    data: EventData[],
    expected: typeof ANY | typeof STREAM_EXISTS,
  ): Promise<AppendResult> {
    for (let attempt = 1; ; attempt++) {
      const tail = await this.readStream(streamName, {
        direction: 'backwards',
        maxCount: Math.max(this.window, events.length),
      });
      const actual: StreamState = tail[0]?.revision ?? NO_STREAM;
      const ids = new Set(events.map((e) => e.id));
      const original = classifyRetry(
        streamName,
        events,
        tail
          .filter((r) => ids.has(r.id))
          .map((r) => ({ id: r.id, streamName, revision: r.revision, position: r.position })),
      );
      if (original) return original;
      if (!satisfies(expected, actual))
        throw new WrongExpectedVersionError(streamName, expected, actual);
      try {
        const r = await this.client.appendToStream(streamName, data, {
          streamState: actual === NO_STREAM ? K_NO_STREAM : actual,
        });
        return this.result(r, streamName);
      } catch (e) {
        if (!isWrongExpectedVersion(e) || attempt >= this.raceAttempts) throw e;
        this.logger.debug(
          { streamName, attempt },
          'KurrentDB append raced another writer; retrying',
        );
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 * attempt)));
      }
    }
  }

  private async result(r: KAppendResult, streamName: string): Promise<AppendResult> {
    let position = r.position?.commit;
    if (position === undefined) {
      // older servers omit the position: read it back
      const [last] = await this.readStream(streamName, {
        direction: 'backwards',
        fromRevision: r.nextExpectedRevision,
        maxCount: 1,
      });
      position = last?.position ?? 0n;
    }
    return { nextExpectedRevision: r.nextExpectedRevision, position };
  }

  private async actualState(
    streamName: string,
    error: { actualState?: unknown },
  ): Promise<StreamState> {
    const a = error.actualState;
    if (typeof a === 'bigint' && a >= 0n) return a;
    if (a === K_NO_STREAM) return NO_STREAM;
    const [last] = await this.readStream(streamName, { direction: 'backwards', maxCount: 1 });
    return last?.revision ?? NO_STREAM;
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const from = options.fromRevision ?? (backwards ? 'end' : 'start');
    if (options.maxCount !== undefined && options.maxCount <= 0) return [];
    const out: RecordedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(streamName, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision: from === 'start' ? START : from === 'end' ? END : from,
        ...(options.maxCount === undefined ? {} : { maxCount: options.maxCount }),
      })) {
        const e = resolved.event;
        if (e) out.push(this.toRecorded(e, resolved.commitPosition));
      }
    } catch (e) {
      if (isStreamNotFound(e)) return [];
      throw e;
    }
    return out;
  }

  async readAll({
    after = START_POSITION,
    maxCount = 1000,
    category,
  }: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    if (maxCount <= 0) return [];
    const out: RecordedEvent[] = [];
    // fromPosition is inclusive here: ask for one more, drop the checkpoint itself
    for await (const resolved of this.client.readAll({
      fromPosition: after <= START_POSITION ? START : { commit: after, prepare: after },
      maxCount: maxCount + 1,
      filter: this.filter(category),
      direction: FORWARDS,
    })) {
      const e = resolved.event;
      if (!e || isSystem(e)) continue;
      const r = this.toRecorded(e, resolved.commitPosition);
      if (r.position <= after) continue;
      out.push(r);
      if (out.length >= maxCount) break;
    }
    return out;
  }

  subscribe({
    after = START_POSITION,
    category,
    signal,
    onCaughtUp,
  }: SubscribeOptions = {}): AsyncIterable<RecordedEvent> {
    const stop = signal ? AbortSignal.any([signal, this.closed.signal]) : this.closed.signal;
    const client = this.client;
    const toRecorded = (e: KRecorded, commit?: bigint) => this.toRecorded(e, commit);
    const filter = this.filter(category);
    return {
      async *[Symbol.asyncIterator]() {
        if (stop.aborted) return;
        let checkpoint = after;
        const subscription = client.subscribeToAll({
          fromPosition: after <= START_POSITION ? START : { commit: after, prepare: after },
          filter,
        });
        const end = (): void => void subscription.unsubscribe().catch(() => undefined);
        stop.addEventListener('abort', end, { once: true });
        subscription.on('caughtUp', () => onCaughtUp?.(checkpoint));
        try {
          for await (const resolved of subscription) {
            if (stop.aborted) return;
            const e = resolved.event;
            if (!e || isSystem(e)) continue;
            const r = toRecorded(e, resolved.commitPosition);
            if (r.position <= checkpoint) continue;
            yield r;
            checkpoint = r.position;
          }
        } finally {
          stop.removeEventListener('abort', end);
          end();
        }
      },
    };
  }

  /** Stops subscriptions; disposes the client only if this store created it. */
  async close(): Promise<void> {
    this.closed.abort();
    if (this.ownsClient) await this.client.dispose();
  }

  private filter(category: string | undefined): Filter {
    return streamNameFilter({
      regex: category === undefined ? '^[^$]' : `^${escapeRegex(category)}(-|$)`,
    });
  }

  private toRecorded(e: KRecorded, commitPosition: bigint | undefined): RecordedEvent {
    const raw = (e.metadata ?? {}) as Record<string, unknown>;
    const metadata: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(raw)) {
      if (k.startsWith('$') || k === 'schemaVersion') continue;
      metadata[k] = v === null ? null : String(v);
    }
    if (metadata['causationId'] === '') metadata['causationId'] = null;
    const data =
      e.isJson && typeof e.data === 'object' && e.data !== null && !(e.data instanceof Uint8Array)
        ? e.data
        : {};
    return this.upcasters.upcast({
      id: e.id,
      type: e.type,
      schemaVersion: Number(raw['schemaVersion'] ?? 1),
      data: data as RecordedEvent['data'],
      metadata: metadata as unknown as EventMetadata,
      streamName: e.streamId,
      revision: e.revision,
      position: e.position?.commit ?? commitPosition ?? 0n,
      recordedAt: e.created,
    });
  }
}

const isSystem = (e: KRecorded): boolean => e.streamId.startsWith('$') || e.type.startsWith('$');

function toEventData(e: NewEvent): EventData {
  const metadata: Record<string, string> = {
    schemaVersion: String(e.schemaVersion),
    $correlationId: e.metadata.correlationId,
  };
  if (e.metadata.causationId) metadata['$causationId'] = e.metadata.causationId;
  for (const [k, v] of Object.entries(e.metadata)) if (v !== null) metadata[k] = v;
  if (e.metadata.causationId === null) metadata['causationId'] = '';
  return jsonEvent({ id: e.id, type: e.type, data: e.data as Record<string, unknown>, metadata });
}
