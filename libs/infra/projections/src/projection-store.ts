// Where a projection's progress lives: in the same database, and written in the same
// transaction, as its read-model rows. That is what makes a projection's effect
// exactly-once even though Kafka delivers at least once:
// - per source partition, the last applied position (Kafka offset, or global position
//   for a replay from the store). A redelivered offset is at or below it and is skipped;
//   the row is locked FOR UPDATE, so a zombie member still holding a revoked partition
//   waits for the new owner's transaction and then sees its offsets as done.
// - per stream, the last applied revision (the projection's format says what stream and
//   revision an envelope has: formats.ts). A relay that crashed between Kafka's ack and its
//   own checkpoint republishes envelopes under new offsets; their stream revision is at or
//   below this one, so they are skipped too. It also makes a Kafka topic and a replay from
//   the store interchangeable sources for the same projection. A format may record only some
//   positions (chainFactsDedupedByRows: retractions only), for projections whose rows are
//   keyed by the message id and so dedupe the rest themselves.
import {
  TableIndex,
  type DataSource,
  type EntityManager,
  type EntityMetadata,
  type QueryRunner,
} from 'typeorm';
import { CHECKPOINT_COLUMNS, ensureTables, quoteIdent } from '@atelier/persistence';
import {
  assertProjectionName,
  ProjectionError,
  type AnyProjection,
  type Projection,
  type RebuildFold,
  type StreamPosition,
} from './projection';
import { StreamDedupe } from './stream-dedupe';
import { isTransientDbError, quotedName, quotedPath } from './sql';

export interface SourceRef {
  /** The Kafka topic, or STORE_SOURCE for the event store's global log. */
  readonly source: string;
  readonly partition: number;
}

export const STORE_SOURCE = '$all';

export interface ProjectionItem<E> {
  /** Position within the source: the Kafka offset, or the global position. */
  readonly position: bigint;
  readonly envelope: E;
}

export interface ApplyResult {
  readonly applied: number;
  /** Same event seen again under a new position (relay republish): skipped by stream revision. */
  readonly duplicates: number;
  /** Positions at or below the checkpoint (redelivery): skipped by offset. */
  readonly redelivered: number;
  /**
   * Streams whose next event skipped revisions (applied anyway). Kafka keeps a key's order,
   * so a gap means history the projection never saw: retention, or a bug upstream.
   */
  readonly gaps: ReadonlyArray<{
    readonly streamName: string;
    readonly expected: bigint;
    readonly got: bigint;
  }>;
}

/**
 * The advisory lock of a projection's tables (a rebuild holds it exclusively, a chunk shares it).
 * Keyed by schema and name: the same projection in another schema of the database (tests,
 * benchmarks, a second deployment) has other tables, and must not wait on this one's rebuild.
 */
const lockKey = (schema: string, projection: string) =>
  `atelier.projection:${schema}.${projection}`;

/**
 * random_page_cost inside a chunk's transaction. A projection's statements find rows by key, a
 * chunk's worth at most (UPDATE ... FROM unnest(...) with the keys); at PostgreSQL's default (4,
 * a disk seek) the planner priced a few hundred index lookups above a sequential scan of the
 * whole table, and chose the scan (a hash join) while the table held under ~100k rows: one scan
 * per chunk, growing with the table. The read models' working set is in memory; 1.1 is the
 * usual figure for that (and for SSDs).
 */
const LOOKUP_PAGE_COST = '1.1';

export class ProjectionStore {
  readonly schema: string;
  private readonly checkpoints: string;
  private readonly streams: string;

  constructor(
    readonly dataSource: DataSource,
    schema: string,
  ) {
    this.schema = quoteIdent(schema);
    this.checkpoints = `${this.schema}.projection_checkpoints`;
    this.streams = `${this.schema}.projection_stream_positions`;
  }

  /**
   * Creates the schema, the checkpoint tables and the read-model tables that are missing.
   * Idempotent, and serialised across processes (IF NOT EXISTS alone races).
   */
  async ensureSchema(): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await ensureTables(
        (sql, params) => runner.query(sql, params),
        {
          schema: this.schema,
          tables: {
            [this.checkpoints]:
              `projection text NOT NULL, source text NOT NULL, partition integer NOT NULL, ${CHECKPOINT_COLUMNS}, PRIMARY KEY (projection, source, partition)`,
            [this.streams]:
              'projection text NOT NULL, stream_name text NOT NULL, revision bigint NOT NULL, global_position bigint NOT NULL, PRIMARY KEY (projection, stream_name)',
          },
          lock: 'atelier.projections.schema',
        },
        // Read models are derived data: their tables follow their entities, and a shape change
        // is handled by a rebuild, not a migration (docs/decisions/0008).
        () => this.dataSource.synchronize(),
      );
    } finally {
      await runner.release();
    }
  }

  /**
   * Applies `items` (consecutive positions of one source partition) in one transaction with
   * the checkpoint. Throws if any apply fails; nothing of the chunk is then written. The
   * envelopes left after dedupe go to the projection's applyBatch when it has one (a chunk of
   * more than one), else to apply one at a time: same rows either way, fewer statements.
   */
  async apply<E>(
    projection: Projection<E>,
    ref: SourceRef,
    items: readonly ProjectionItem<E>[],
    options: {
      sharedLock?: boolean;
      /** Use the projection's applyBatch when it has one (default); false applies one by one. */
      batch?: boolean;
    } = {},
  ): Promise<ApplyResult> {
    const name = assertProjectionName(projection.name);
    if (items.length === 0) return { applied: 0, duplicates: 0, redelivered: 0, gaps: [] };
    return this.dataSource.transaction(async (tx) => {
      const { format } = projection;
      const positions = items.map((i) => format.positionOf(i.envelope));
      // One round trip (on a loaded machine each costs more than the rows): take the shared
      // lock (a rebuild holds it exclusively: live projectors wait for it instead of writing
      // into dropped tables), then lock (or create) the checkpoint row (the lock is the row
      // source of the INSERT, so it is taken first), and read the chunk's stream positions.
      // Also prices a page read by key as the cached read it is, for this transaction only
      // (LOOKUP_PAGE_COST).
      const lock =
        (options.sharedLock ?? true)
          ? 'SELECT pg_advisory_xact_lock_shared(hashtextextended($5, 0))'
          : 'SELECT $5::text';
      const [head]: Array<{ position: string; streams: Array<[string, string]> | null }> =
        await tx.query(
          `WITH cp AS (
             INSERT INTO ${this.checkpoints} AS c (projection, source, partition, position)
             SELECT $1, $2, $3, -1 FROM (${lock}) AS l
             ON CONFLICT (projection, source, partition) DO UPDATE SET position = c.position
             RETURNING position)
           SELECT (SELECT position::text FROM cp) AS position,
             set_config('random_page_cost', '${LOOKUP_PAGE_COST}', true) AS page_cost,
             (SELECT json_agg(json_build_array(stream_name, revision::text)) FROM ${this.streams}
              WHERE projection = $1 AND stream_name = ANY($4::text[])) AS streams`,
          [
            name,
            ref.source,
            ref.partition,
            [...new Set(positions.map((p) => p.stream))],
            lockKey(this.schema, name),
          ],
        );
      const done = BigInt(head!.position);
      const fresh = items.filter((i) => i.position > done);
      const redelivered = items.length - fresh.length;
      if (fresh.length === 0) return { applied: 0, duplicates: 0, redelivered, gaps: [] };

      const positioned = items.flatMap((i, k) =>
        i.position > done ? [{ envelope: i.envelope, at: positions[k]! }] : [],
      );
      // A format may record only some positions (formats.ts, RecordedPositions): the others are
      // deduped by the projection's own rows across chunks, and by the dedupe within this one.
      const dedupe = new StreamDedupe(
        format,
        (head!.streams ?? []).map(([stream, revision]) => [stream, BigInt(revision)] as const),
      );
      const { toApply, duplicates, gaps } = dedupe.filter(positioned);
      const applied = toApply.length;
      if (projection.applyBatch && (options.batch ?? true) && toApply.length > 1) {
        try {
          await projection.applyBatch(
            toApply.map((p) => p.envelope),
            tx,
          );
        } catch (cause) {
          if (isTransientDbError(cause)) throw cause;
          const first = toApply[0]!;
          throw new ProjectionError(
            'PROJECTION.APPLY_FAILED',
            `${name} failed on a batch of ${toApply.length} from ${format.describe(first.envelope)}: ${(cause as Error).message}`,
            {
              projection: name,
              batch: toApply.length,
              eventId: format.codec.id(first.envelope),
              streamName: first.at.stream,
              globalPosition: first.at.globalPosition.toString(),
            },
            { cause },
          );
        }
      } else {
        for (const { envelope, at } of toApply) {
          try {
            await projection.apply(envelope, tx);
          } catch (cause) {
            if (isTransientDbError(cause)) throw cause;
            throw new ProjectionError(
              'PROJECTION.APPLY_FAILED',
              `${name} failed on ${format.describe(envelope)}: ${(cause as Error).message}`,
              {
                projection: name,
                eventId: format.codec.id(envelope),
                streamName: at.stream,
                globalPosition: at.globalPosition.toString(),
              },
              { cause },
            );
          }
        }
      }
      await this.record(
        tx,
        name,
        ref,
        [...dedupe.touched.values()],
        fresh[fresh.length - 1]!.position,
      );
      return { applied, duplicates, redelivered, gaps };
    });
  }

  /**
   * Writes what a rebuild's fold holds (replay.ts, Projection.foldForRebuild) in one transaction
   * with the stream positions it applied and the checkpoint at `position`: as `apply` does for a
   * chunk, the rows and the progress they reflect are committed together or not at all. Runs
   * under the rebuild's exclusive lock (none taken here).
   */
  async writeFold<E>(
    projection: Projection<E>,
    ref: SourceRef,
    fold: RebuildFold<E>,
    positions: readonly StreamPosition[],
    position: bigint,
  ): Promise<void> {
    const name = assertProjectionName(projection.name);
    await this.dataSource.transaction(async (tx) => {
      try {
        await fold.write(tx);
      } catch (cause) {
        if (isTransientDbError(cause)) throw cause;
        throw new ProjectionError(
          'PROJECTION.APPLY_FAILED',
          `${name} failed writing its rebuild's rows (up to position ${position}): ${(cause as Error).message}`,
          { projection: name, globalPosition: position.toString() },
          { cause },
        );
      }
      await this.record(tx, name, ref, positions, position);
    });
  }

  /** One round trip: the stream positions applied and the partition's checkpoint (created if new). */
  private async record(
    tx: EntityManager,
    name: string,
    ref: SourceRef,
    moved: readonly StreamPosition[],
    position: bigint,
  ): Promise<void> {
    await tx.query(
      `WITH s AS (
         INSERT INTO ${this.streams} (projection, stream_name, revision, global_position)
         SELECT $1, s, r, g FROM unnest($2::text[], $3::bigint[], $4::bigint[]) AS t(s, r, g)
         ON CONFLICT (projection, stream_name) DO UPDATE SET revision = EXCLUDED.revision, global_position = EXCLUDED.global_position)
       INSERT INTO ${this.checkpoints} (projection, source, partition, position)
       VALUES ($1, $5, $6, $7)
       ON CONFLICT (projection, source, partition) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
      [
        name,
        moved.map((p) => p.stream),
        moved.map((p) => p.revision.toString()),
        moved.map((p) => p.globalPosition.toString()),
        ref.source,
        ref.partition,
        position.toString(),
      ],
    );
  }

  /** Moves the checkpoint past a dead-lettered message without applying it. */
  async skip(projection: AnyProjection, ref: SourceRef, position: bigint): Promise<void> {
    const name = assertProjectionName(projection.name);
    await this.dataSource.transaction(async (tx) => {
      const done = await this.lockCheckpoint(tx, name, ref);
      if (position > done) await this.moveCheckpoint(tx, name, ref, position);
    });
  }

  async position(projectionName: string, ref: SourceRef): Promise<bigint | undefined> {
    const rows: Array<{ position: string }> = await this.dataSource.query(
      `SELECT position::text AS position FROM ${this.checkpoints} WHERE projection = $1 AND source = $2 AND partition = $3`,
      [projectionName, ref.source, ref.partition],
    );
    return rows[0] ? BigInt(rows[0].position) : undefined;
  }

  /**
   * How far a projection has come over all its source partitions: the sum of each checkpoint's
   * position + 1 (0 with none). It grows whenever any partition's checkpoint moves, so a reader
   * that keeps the last value knows whether the model changed since (the live ledger feed).
   */
  async progress(projectionName: string): Promise<bigint> {
    const rows: Array<{ v: string }> = await this.dataSource.query(
      `SELECT COALESCE(SUM(position + 1), 0)::text AS v FROM ${this.checkpoints} WHERE projection = $1`,
      [projectionName],
    );
    return BigInt(rows[0]?.v ?? '0');
  }

  /**
   * Drops the projection's tables and checkpoints and creates the tables again, empty.
   * Runs under `lock` (see rebuild), so no live projector writes meanwhile.
   */
  async reset(projection: AnyProjection, tx: EntityManager): Promise<void> {
    const name = assertProjectionName(projection.name);
    for (const metadata of this.ownedTables(projection)) {
      await tx.query(`DROP TABLE IF EXISTS ${quotedPath(metadata.tablePath.split('.'))} CASCADE`);
    }
    await tx.query(`DELETE FROM ${this.checkpoints} WHERE projection = $1`, [name]);
    await tx.query(`DELETE FROM ${this.streams} WHERE projection = $1`, [name]);
  }

  /**
   * Drops the projection's readIndexes, for a rebuild that loads its tables from empty (under
   * its exclusive lock, after reset); createReadIndexes builds them again when it is done (or
   * failed), and so would ensureSchema (any projector's start). Refuses a name that is no index
   * of the projection's tables, or a unique one (a constraint, not a reader's aid).
   */
  async dropReadIndexes(projection: AnyProjection, tx: EntityManager): Promise<void> {
    for (const { table, index } of this.readIndexes(projection)) {
      const path = quotedPath([...table.tablePath.split('.').slice(0, -1), index.name!]);
      await tx.query(`DROP INDEX IF EXISTS ${path}`);
    }
  }

  /**
   * Creates the projection's readIndexes that are missing, as its entities define them: one
   * lookup of which exist, then the builds one after another on one connection. At the end of a
   * rebuild they are on its timed path:
   * - through TypeORM, which reads each table's definition first, they took 60-125 ms of a chain
   *   model's 0.6-1.2 s rebuild (each of market-orders' partial indexes 50-130 ms), hence our own
   *   CREATE INDEX;
   * - all at once, one connection each, market-orders' ten took 670-810 ms; one after another on
   *   one connection 450-625 ms, 160-230 ms less in each of two sessions that measured both (on
   *   two connections at once 590-620 ms, on three 660-700 ms). Bench schema, vacuumed and
   *   checkpointed before each try; two cores, where concurrent builds each scan the table and
   *   sort in a backend of their own.
   */
  async createReadIndexes(projection: AnyProjection): Promise<void> {
    const wanted = this.readIndexes(projection);
    if (wanted.length === 0) return;
    const located = wanted.map(({ table, index }) => {
      const [schema, name] = table.tablePath.includes('.')
        ? table.tablePath.split('.')
        : [undefined, table.tablePath];
      return { table, index, schema: schema ?? null, name: name! };
    });
    const existing: Array<{ s: string; t: string; i: string }> = await this.dataSource.query(
      `SELECT schemaname AS s, tablename AS t, indexname AS i FROM pg_indexes
       WHERE (schemaname, tablename, indexname) IN (
         SELECT COALESCE(s, current_schema()), t, i FROM unnest($1::text[], $2::text[], $3::text[]) AS w(s, t, i))`,
      [located.map((l) => l.schema), located.map((l) => l.name), located.map((l) => l.index.name)],
    );
    const have = new Set(existing.map((e) => `${e.t}/${e.i}`));
    const missing = located.filter((l) => !have.has(`${l.name}/${l.index.name}`));
    if (missing.length === 0) return;
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      for (const { table, index } of missing) await buildIndex(runner, table, index);
    } finally {
      await runner.release();
    }
  }

  private readIndexes(projection: AnyProjection) {
    const tables = this.ownedTables(projection);
    return (projection.readIndexes ?? []).map((name) => {
      const table = tables.find((m) => m.indices.some((i) => i.name === name));
      const index = table?.indices.find((i) => i.name === name);
      if (!table || !index || index.isUnique)
        throw new ProjectionError(
          'PROJECTION.INVALID_NAME',
          `${projection.name}: read index ${JSON.stringify(name)} is ${index ? 'unique' : 'not an index of its tables'}`,
        );
      return { table, index };
    });
  }

  /** Takes the projection's lock exclusively on a dedicated connection; returns its release. */
  async lockExclusively(
    projection: AnyProjection,
  ): Promise<{ tx: EntityManager; release: () => Promise<void> }> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [
      lockKey(this.schema, assertProjectionName(projection.name)),
    ]);
    return {
      tx: runner.manager,
      release: async () => {
        await runner
          .query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [
            lockKey(this.schema, projection.name),
          ])
          .catch(() => undefined);
        await runner.release();
      },
    };
  }

  private ownedTables(projection: AnyProjection): EntityMetadata[] {
    const owned = projection.entities.map((e) => this.dataSource.getMetadata(e));
    const junctions = owned.flatMap((m) =>
      m.ownerManyToManyRelations.map((r) => r.junctionEntityMetadata!).filter(Boolean),
    );
    return [...junctions, ...owned];
  }

  private async lockCheckpoint(tx: EntityManager, name: string, ref: SourceRef): Promise<bigint> {
    await tx.query(
      `INSERT INTO ${this.checkpoints} (projection, source, partition, position) VALUES ($1, $2, $3, -1) ON CONFLICT DO NOTHING`,
      [name, ref.source, ref.partition],
    );
    const rows: Array<{ position: string }> = await tx.query(
      `SELECT position::text AS position FROM ${this.checkpoints} WHERE projection = $1 AND source = $2 AND partition = $3 FOR UPDATE`,
      [name, ref.source, ref.partition],
    );
    if (!rows[0])
      throw new ProjectionError(
        'PROJECTION.UNKNOWN',
        `no checkpoint row for ${name} ${ref.source}/${ref.partition}`,
      );
    return BigInt(rows[0].position);
  }

  private async moveCheckpoint(
    tx: EntityManager,
    name: string,
    ref: SourceRef,
    position: bigint,
  ): Promise<void> {
    await tx.query(
      `UPDATE ${this.checkpoints} SET position = $4, updated_at = now() WHERE projection = $1 AND source = $2 AND partition = $3`,
      [name, ref.source, ref.partition, position.toString()],
    );
  }
}

/** CREATE INDEX of an entity's index, on `runner`'s connection. */
async function buildIndex(
  runner: QueryRunner,
  table: EntityMetadata,
  index: EntityMetadata['indices'][number],
): Promise<void> {
  const definition = TableIndex.create(index);
  if (definition.isSpatial || definition.isFulltext) {
    await runner.createIndex(table.tablePath, definition);
    return;
  }
  const path = quotedPath(table.tablePath.split('.'));
  const columns = definition.columnNames.map(quotedName).join(', ');
  // A partial index's predicate is the entity's own SQL, as TypeORM writes it.
  const where = definition.where ? ` WHERE ${definition.where}` : '';
  await runner.query(
    `CREATE INDEX ${quotedName(definition.name!)} ON ${path} (${columns})${where}`,
  );
}
