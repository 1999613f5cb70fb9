// What a projection is to the runner: a name (its checkpoint key), the TypeORM entities of
// the read-model tables it owns (dropped and recreated by a rebuild), and a function that
// applies one event inside the runner's transaction. The runner owns ordering, dedupe and
// checkpoints; a projection only writes rows through the EntityManager it is given.
import type { EntityManager, EntitySchema } from 'typeorm';
import type { EventEnvelope } from '@atelier/market-messages';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type ReadModelEntity = Function | EntitySchema<unknown>;

export interface Projection {
  /** Stable key of the checkpoint rows: [a-z0-9_.-]. Renaming it means a rebuild. */
  readonly name: string;
  readonly entities: readonly ReadModelEntity[];
  /**
   * Applies one event. Runs inside the transaction that also moves the checkpoint, so it
   * must write only through `tx`, and must not have effects outside the database.
   */
  apply(event: EventEnvelope, tx: EntityManager): Promise<void>;
}

export type ProjectionErrorCode =
  | 'PROJECTION.APPLY_FAILED'
  | 'PROJECTION.INVALID_NAME'
  | 'PROJECTION.UNKNOWN'
  | 'PROJECTION.REBUILD_FAILED';

export class ProjectionError extends Error {
  override readonly name = 'ProjectionError';
  constructor(
    readonly code: ProjectionErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
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
