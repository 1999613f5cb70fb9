// What a projection is to the runner: a name (its checkpoint key), the message format it
// reads (market events, chain facts: see formats.ts), the TypeORM entities of the read-model
// tables it owns (dropped and recreated by a rebuild), and a function that applies one
// envelope inside the runner's transaction. The runner owns ordering, dedupe and checkpoints;
// a projection only writes rows through the EntityManager it is given.
import type { EntityManager, EntitySchema } from 'typeorm';
import type { EnvelopeCodec } from '@atelier/kafka';
import { CodedError } from '@atelier/kernel';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type ReadModelEntity = Function | EntitySchema<unknown>;

/**
 * An envelope's place in its own ordered stream. The runner skips an envelope at or below
 * the last revision it applied for that stream: the copy a relay republished after a crash
 * between Kafka's ack and its checkpoint arrives under a new offset, and this catches it.
 */
export interface StreamPosition {
  readonly stream: string;
  readonly revision: bigint;
  /** Recorded beside the revision, for operators (the store's global position, a block number). */
  readonly globalPosition: bigint;
}

/** A message format as the runner sees it: how to decode it, and where each envelope stands. */
export interface EnvelopeFormat<E> {
  readonly codec: EnvelopeCodec<E>;
  positionOf(envelope: E): StreamPosition;
  /** Names an envelope in errors and logs. */
  describe(envelope: E): string;
}

export interface Projection<E> {
  /** Stable key of the checkpoint rows: [a-z0-9_.-]. Renaming it means a rebuild. */
  readonly name: string;
  /** The envelopes it reads; its topics are given where it runs (KafkaProjector). */
  readonly format: EnvelopeFormat<E>;
  readonly entities: readonly ReadModelEntity[];
  /**
   * Applies one envelope. Runs inside the transaction that also moves the checkpoint, so it
   * must write only through `tx`, and must not have effects outside the database.
   */
  apply(envelope: E, tx: EntityManager): Promise<void>;
  /**
   * Optional: applies several envelopes (in their delivery order, already deduped by the runner)
   * with the same effect on the rows as `apply` on each in turn, but with a few multi-row
   * statements per table instead of a few statements per envelope. The runner prefers it for a
   * chunk of more than one envelope; it runs in the same transaction as the checkpoint, so a
   * failure anywhere leaves nothing of the chunk written. Must write only through `tx`.
   */
  applyBatch?(envelopes: readonly E[], tx: EntityManager): Promise<void>;
  /**
   * Optional: the work on envelopes that needs no database (decoding their payloads), which a
   * runner may do ahead of apply/applyBatch, while it waits on an earlier chunk's statements (a
   * replay does so for the batch it read ahead). apply and applyBatch must have the same effect
   * whether or not it ran, and it must not throw (a bad envelope fails in apply, as without it).
   */
  prepare?(envelopes: readonly E[]): void;
  /**
   * Optional: a fold of a rebuild (rebuildProjection), which starts from empty tables. The replay
   * adds each batch of the log to it (no database), and has it write what it holds once, with the
   * checkpoint, when the log ends or when it holds more than the replay's row limit; a row changed
   * by many events is then written once, by a load into empty tables, instead of being inserted
   * by one batch and updated by later ones. After a write at the limit the replay goes on batch by
   * batch (applyBatch), which finds the rows it needs stored. Same rows as apply on each envelope.
   */
  foldForRebuild?(): RebuildFold<E>;
  /**
   * Optional: the indexes of its tables that only readers use (no statement of apply or
   * applyBatch needs them to find a row). A rebuild into empty tables drops them while it loads
   * and builds each once at the end (ProjectionStore.dropReadIndexes, then ensureSchema), instead
   * of writing an index entry per row version; a row changed several times during the load
   * becomes an update of its heap tuple alone. Non-unique indexes only (checked).
   */
  readonly readIndexes?: readonly string[];
  /**
   * Optional: true when the envelopes of one Kafka partition never touch rows that envelopes of
   * another partition touch (every row belongs to one message key: an order to its market's
   * stream, say). A KafkaProjector then applies chunks of different partitions at once, one
   * transaction each, so one partition's rows are written while the next chunk is decoded and
   * folded (KafkaProjectorOptions.partitionsConsumedConcurrently). Leave it unset for a model
   * whose rows sum facts of several keys (a ledger row credited by facts keyed by the trade's
   * collection and by the marketplace): its chunks would wait on each other's row locks.
   */
  readonly partitionsIndependent?: boolean;
}

/** The rows a rebuild folds in memory (Projection.foldForRebuild). */
export interface RebuildFold<E> {
  /**
   * Folds envelopes (in log order, already deduped by the runner) into the rows it holds, as
   * apply would change them. No database; must not throw on an envelope apply would take (a bad
   * one may throw: the rebuild then fails, PROJECTION.APPLY_FAILED naming the batch's position).
   */
  add(envelopes: readonly E[]): void;
  /** The rows it holds, all tables together (the replay writes them out past its limit). */
  readonly rows: number;
  /**
   * Writes the rows it holds into the projection's tables, which hold none of them (they were
   * empty when the fold began), and forgets them. Runs in the transaction that moves the
   * checkpoint; writes only through `tx`.
   */
  write(tx: EntityManager): Promise<void>;
}

/** Any projection, whatever it reads (catalogs, data sources). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyProjection = Projection<any>;

export type ProjectionErrorCode =
  | 'PROJECTION.APPLY_FAILED'
  | 'PROJECTION.INVALID_NAME'
  | 'PROJECTION.UNKNOWN'
  | 'PROJECTION.REBUILD_FAILED';

export class ProjectionError extends CodedError<ProjectionErrorCode> {
  override readonly name = 'ProjectionError';
}

export function assertProjectionName(name: string): string {
  if (!/^[a-z0-9_.-]{1,100}$/.test(name)) {
    throw new ProjectionError(
      'PROJECTION.INVALID_NAME',
      `projection name ${JSON.stringify(name)} must match [a-z0-9_.-]{1,100}`,
    );
  }
  return name;
}
