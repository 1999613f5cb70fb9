// Snapshots in the event store's schema: one row per stream, the newest wins.
import type { Pool } from 'pg';
import type { Snapshot, SnapshotStore } from '@atelier/eventsourcing';
import { assertSchemaName } from './schema';

export class PostgresSnapshotStore implements SnapshotStore {
  private readonly schema: string;
  constructor(
    private readonly pool: Pool,
    schema = 'event_store',
  ) {
    this.schema = assertSchemaName(schema);
  }

  async load(streamName: string): Promise<Snapshot | undefined> {
    const { rows } = await this.pool.query<{
      revision: string;
      schema_version: number;
      state: Snapshot['state'];
    }>({
      name: `es_snapshot_load_${this.schema}`,
      text: `SELECT revision, schema_version, state FROM ${this.schema}.snapshots WHERE stream_name = $1`,
      values: [streamName],
    });
    const row = rows[0];
    return (
      row && {
        streamName,
        revision: BigInt(row.revision),
        schemaVersion: row.schema_version,
        state: row.state,
      }
    );
  }

  async save(snapshot: Snapshot): Promise<void> {
    await this.pool.query({
      name: `es_snapshot_save_${this.schema}`,
      text: `INSERT INTO ${this.schema}.snapshots AS s (stream_name, revision, schema_version, state)
             VALUES ($1, $2, $3, $4::jsonb)
             ON CONFLICT (stream_name) DO UPDATE
               SET revision = excluded.revision, schema_version = excluded.schema_version,
                   state = excluded.state, taken_at = now()
             WHERE s.revision < excluded.revision OR s.schema_version <> excluded.schema_version`,
      values: [
        snapshot.streamName,
        snapshot.revision.toString(),
        snapshot.schemaVersion,
        JSON.stringify(snapshot.state),
      ],
    });
  }
}
