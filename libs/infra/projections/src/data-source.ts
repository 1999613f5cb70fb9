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
}

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
    extra: { max: options.poolSize ?? 5 },
  });
  await dataSource.initialize();
  return dataSource;
}
