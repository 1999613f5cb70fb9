// The event envelope the store persists and returns. The type name is stable forever
// ('TradeMatched'); the payload's shape is versioned separately (schemaVersion), so a schema
// change is an upcaster, never a rename, and type filters keep working across versions.
// Metadata is flat strings (correlation, causation, actor, occurred-at), which both
// PostgreSQL jsonb and KurrentDB's metadata accept as-is.
import type { JsonObject } from './json';

export interface EventMetadata {
  /** The id that ties together everything one request or saga caused. */
  readonly correlationId: string;
  /** The id of the command or event that directly caused this one, if any. */
  readonly causationId: string | null;
  /** Who: 'user:<address>', 'maker:<key id>', 'system:<service>'. */
  readonly actor: string;
  /** When the fact happened (ISO-8601, UTC), from the writer's Clock; not the commit time. */
  readonly occurredAt: string;
  readonly [extra: string]: string | null;
}

/** An event to append. `id` (a UUID) is the idempotency key. */
export interface NewEvent {
  readonly id: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: JsonObject;
  readonly metadata: EventMetadata;
}

/** An event as read back: where it sits in its stream and in the global log. */
export interface RecordedEvent extends NewEvent {
  readonly streamName: string;
  /** 0-based position in its stream. */
  readonly revision: bigint;
  /** Position in the global log; strictly increasing in read order, > 0, not dense. */
  readonly position: bigint;
  /** When the store wrote it. */
  readonly recordedAt: Date;
}

export interface AppendResult {
  /** The stream's last revision after the append: the expected revision of the next one. */
  readonly nextExpectedRevision: bigint;
  /** Global position of the append's last event. */
  readonly position: bigint;
}
