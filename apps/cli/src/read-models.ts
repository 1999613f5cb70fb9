// Opens the read models a command reads (their TypeORM DataSource in READ_MODEL_SCHEMA of the
// gateway's database) and checks their tables are there first, so a wrong schema or a stack
// whose gateway never ran fails with a sentence, not with "relation does not exist".
import type { DataSource } from 'typeorm';
import { createProjectionDataSource, type AnyProjection } from '@atelier/projections';
import { CliError } from './cli';

export async function openReadModels(
  url: string,
  schema: string,
  projections: readonly AnyProjection[],
): Promise<DataSource> {
  const ds = await createProjectionDataSource({
    url,
    schema,
    projections,
    applicationName: 'atelier-cli',
    poolSize: 4,
  });
  try {
    const tables = ds.entityMetadatas.map((m) => m.tableName);
    const rows: { name: string }[] = await ds.query(
      `SELECT t AS name FROM unnest($1::text[]) t WHERE to_regclass(quote_ident($2) || '.' || quote_ident(t)) IS NULL`,
      [tables, schema],
    );
    if (rows.length)
      throw new CliError(
        'CLI.NOT_FOUND',
        `the read model tables ${rows.map((r) => r.name).join(', ')} are not in schema ${schema} of the gateway's database; ` +
          `set READ_MODEL_SCHEMA, or start the gateway (its pipeline creates and fills them)`,
        { schema, missing: rows.map((r) => r.name) },
      );
    return ds;
  } catch (e) {
    await ds.destroy();
    throw e;
  }
}
