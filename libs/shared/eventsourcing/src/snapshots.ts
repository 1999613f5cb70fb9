// Snapshots: a long stream's folded state saved at a revision, so loading reads one row and
// the few events after it instead of the whole stream. Measured to pay (docs/event-store.md:
// a 10k-event stream); an optimisation only: a missing, stale or unreadable snapshot just
// means a full replay, and a failed save never fails a command.
import type { JsonValue } from './json';

export interface Snapshot {
  readonly streamName: string;
  /** The revision of the last event folded into `state`. */
  readonly revision: bigint;
  /** The version of the state's encoding; a snapshot of another version is ignored. */
  readonly schemaVersion: number;
  readonly state: JsonValue;
}

export interface SnapshotStore {
  load(streamName: string): Promise<Snapshot | undefined>;
  /** Keeps the newest: a snapshot older than the stored one is ignored. */
  save(snapshot: Snapshot): Promise<void>;
}

/** How an aggregate's state is snapshotted. */
export interface SnapshotPolicy<S> {
  /** Bump when the encoding changes: older snapshots are then ignored and rebuilt. */
  readonly schemaVersion: number;
  /** Take a snapshot once this many events have been appended since the last one. */
  readonly every: number;
  encode(state: S): JsonValue;
  decode(json: JsonValue): S;
}

export class InMemorySnapshotStore implements SnapshotStore {
  private readonly snapshots = new Map<string, Snapshot>();
  async load(streamName: string): Promise<Snapshot | undefined> {
    return this.snapshots.get(streamName);
  }
  async save(snapshot: Snapshot): Promise<void> {
    const current = this.snapshots.get(snapshot.streamName);
    if (!current || current.revision < snapshot.revision)
      this.snapshots.set(snapshot.streamName, snapshot);
  }
}
