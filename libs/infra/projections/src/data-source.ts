// The read models' own TypeORM DataSource: their entities only, in their own PostgreSQL
// schema, so creating and dropping read-model tables can never touch the write side.
import { DataSource } from 'typeorm';
import type { AnyProjection } from './projection';

export interface ProjectionDataSourceOptions {
  readonly url: string;
  /** PostgreSQL schema of the read models and their checkpoints. */
  readonly schema: string;
  readonly projections: readonly AnyProjection[];
  readonly applicationName?: string;
  readonly poolSize?: number;
  /**
   * How long an idle connection stays open (pg's idleTimeoutMillis; 0 = until the DataSource is
   * destroyed). Default: pg's 10 s.
   */
  readonly idleTimeoutMs?: number;
}

/**
 * idleTimeoutMs for a DataSource that projectors write through: its connections stay open. pg
 * closes a connection idle for 10 s by default, and the next chunk then opens a new one: a new
 * PostgreSQL backend, forked, which takes a page fault for each page of shared buffers and memory
 * it touches first (~12 us each on the 2-core VM of bench:projections, where the live run of one
 * model on new backends took 7,000-26,000 of them in PostgreSQL). Kept connections (12-02):
 * chain-ledgers' PostgreSQL faults 13,009 on new backends against 2,761 and 777 on the same ones
 * in the next rounds, its CPU 0.82 against 0.47-0.49 core-seconds. A projector's pool is small
 * (poolSize) and its load comes back: holding the connections costs little.
 */
export const KEEP_PROJECTOR_CONNECTIONS = 0;

/** Builds and initializes the DataSource (no work happens before this is called). */
export async function createProjectionDataSource(
  options: ProjectionDataSourceOptions,
): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    applicationName: options.applicationName ?? 'atelier-projections',
    entities: [...new Set(options.projections.flatMap((p) => p.entities))],
    synchronize: false,
    logging: false,
    extra: {
      max: options.poolSize ?? 5,
      ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMillis: options.idleTimeoutMs }),
    },
  });
  await dataSource.initialize();
  return dataSource;
}
