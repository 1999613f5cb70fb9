// What GET /v1/events writes, one JSON object per line (NDJSON), and which events it writes.
// An event line is the stored event as the store's port reads it (upcast to its current
// version): its global position, stream, revision, id, type, schema version, metadata, the
// store's recordedAt and its data, every bigint a decimal string (the data is stored so).
// Besides events a stream writes `keepalive` lines when idle and one `end` line
// when it finishes on its own; both carry the position to resume from, so a client that saw
// no matching event for a long time still resumes past what was scanned.
import type { JsonObject, RecordedEvent } from '@atelier/eventsourcing';
import type { EventsQuery } from './events.query';

export interface EventLine {
  readonly kind: 'event';
  readonly position: string;
  readonly type: string;
  readonly stream: string;
  readonly revision: string;
  readonly id: string;
  readonly schemaVersion: number;
  readonly recordedAt: string;
  readonly metadata: RecordedEvent['metadata'];
  readonly data: JsonObject;
}

/** Why a stream ended on its own (a client that leaves gets no line). */
export type EndReason = 'head' | 'limit' | 'to-position' | 'max-duration' | 'shutdown' | 'error';

export type ControlLine =
  | { readonly kind: 'keepalive'; readonly position: string | null }
  | { readonly kind: 'end'; readonly reason: EndReason; readonly position: string | null }
  | {
      readonly kind: 'error';
      readonly code: string;
      readonly message: string;
      readonly position: string | null;
    };

export const eventLine = (e: RecordedEvent): EventLine => ({
  kind: 'event',
  position: e.position.toString(),
  type: e.type,
  stream: e.streamName,
  revision: e.revision.toString(),
  id: e.id,
  schemaVersion: e.schemaVersion,
  recordedAt: e.recordedAt.toISOString(),
  metadata: e.metadata,
  data: e.data,
});

export const ndjson = (line: EventLine | ControlLine): string => `${JSON.stringify(line)}\n`;

/**
 * The chain block an event carries: the block of an observation (`TokenObserved`,
 * `FundsObserved`, `CounterObserved`, `NonceObserved`, `ProtocolFeeObserved`) or of a
 * settlement (`TradeSettled`); null for events that record no block (docs/market.md).
 */
export function carriedBlock(e: RecordedEvent): bigint | null {
  const block = (e.data as Record<string, unknown>)['block'];
  return typeof block === 'string' && /^(0|[1-9][0-9]*)$/.test(block) ? BigInt(block) : null;
}

/** Where a stream starts and which events it writes (the parsed query). */
export class EventSelection {
  constructor(private readonly q: EventsQuery) {}

  /** The store position to read after. */
  get after(): bigint {
    return this.q.start.kind === 'position' ? this.q.start.after : 0n;
  }

  /**
   * Is `e` the first event of the stream? A position start begins right away; a block start at
   * the first event carrying a block at or above it; a time start at the first event the
   * store recorded at or after it. Either way everything after that event follows, in log
   * order, whatever the blocks or times of later events (the log is the order).
   */
  startsAt(e: RecordedEvent): boolean {
    const s = this.q.start;
    switch (s.kind) {
      case 'position':
        return true;
      case 'block': {
        const b = carriedBlock(e);
        return b !== null && b >= s.block;
      }
      case 'time':
        return e.recordedAt.getTime() >= s.time.getTime();
    }
  }

  matches(e: RecordedEvent): boolean {
    return (
      (this.q.types === null || this.q.types.has(e.type)) &&
      (this.q.stream === null || this.q.stream === e.streamName)
    );
  }

  /** The store category to read: the stream's, when one stream is asked for. */
  get category(): string | undefined {
    return this.q.stream === null ? undefined : this.q.stream.slice(0, this.q.stream.indexOf('-'));
  }
}
