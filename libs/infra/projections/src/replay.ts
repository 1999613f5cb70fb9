// Replaying the event store's global log into a projection of market events, and the
// rebuild built on it (a projection of chain facts is rebuilt from its chain.* topics, which
// are kept forever, by a KafkaProjector under a new group).
// The store, not Kafka, is the source of a rebuild: it holds every event since position 0,
// while a topic's retention may not. Because checkpoints dedupe by stream revision, a
// projection rebuilt from the store can go back to its Kafka topics without double-applying.
import type { EventEnvelope } from '@atelier/market-messages';
import type { Logger } from '@atelier/observability';
import { toEnvelope, type GlobalLogReader } from '@atelier/outbox';
import { assertProjectionName, ProjectionError, type Projection } from './projection';
import {
  ProjectionStore,
  STORE_SOURCE,
  type ProjectionItem,
  type SourceRef,
} from './projection-store';
import { StreamDedupe, type StreamGap } from './stream-dedupe';

export interface ReplayProgress {
  /** Events read from the log so far (applied or skipped as duplicates). */
  readonly events: number;
  readonly applied: number;
  readonly position: bigint;
}

export interface ReplayOptions {
  readonly batchSize?: number;
  readonly onProgress?: (progress: ReplayProgress) => void;
  /** Stop early (the checkpoint is consistent after every batch). */
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  /**
   * A rebuild's fold writes what it holds once it holds more rows than this (default
   * REBUILD_FOLD_ROWS), and the rest of the log is applied batch by batch.
   */
  readonly foldRows?: number;
}

export interface ReplayResult {
  readonly events: number;
  readonly applied: number;
  readonly duplicates: number;
  /** Events that skipped revisions of their stream (see ApplyResult.gaps). */
  readonly gaps: number;
  readonly position: bigint | undefined;
  readonly seconds: number;
}

const STORE_REF: SourceRef = { source: STORE_SOURCE, partition: 0 };

/**
 * Default batch (and transaction) of a replay: the size of a live projector's chunk while it
 * catches up (BATCH_CHUNK_SIZE). Each batch costs a commit (a WAL flush) and a round trip
 * or two of reads; and a row changed by several events of one batch is written once, so a
 * larger batch also writes fewer row versions: market-orders in bench:projections updates 12,900
 * stored orders at 20,000 (4 batches; 40,000 inserted) where it updated ~35,000 at 5,000, and
 * rebuilt in 3.0-3.7 s instead of 3.5-4.6 s. A batch of market envelopes is ~50-100 MB decoded.
 */
export const REPLAY_BATCH_SIZE = 20_000;

/**
 * Default row limit of a rebuild's fold (Projection.foldForRebuild, ReplayOptions.foldRows): the
 * fold's memory is bounded by the rows it holds, not by the length of the log. bench:projections'
 * history (52,029 rows) is folded and written once; a process running three such rebuilds in turn
 * peaked at ~270 MB of heap, garbage included.
 */
export const REBUILD_FOLD_ROWS = 250_000;

/**
 * The log read by a rebuild's fold, in batches of this size (or of the replay's batchSize, if
 * smaller): nothing waits on a database write between them, and a small batch is folded and
 * dropped before V8 promotes it to its old generation. At 20,000 (a batch read ahead while the one
 * before is folded) the events survived their scavenges, and the old generation grew to ~500 MB of
 * garbage, page by page (a fault costs ~12 µs here): market-orders' rebuild spent 1.42 s in
 * scavenges over two runs in one process, against 0.73 s at 1,000 and 0.85 s at 2,000 (heap at
 * most 195-200 MB).
 */
export const FOLD_READ_BATCH = 2_000;

/**
 * Reads the log in batches, each made ready (envelopes, and the projection's prepare) while the
 * previous one is applied: its rows arrive, and are decoded, during the wait on the previous
 * statements.
 */
function readAhead(
  projection: Projection<EventEnvelope>,
  log: GlobalLogReader,
  batchSize: number,
): (after: bigint) => Promise<{ items: ProjectionItem<EventEnvelope>[]; full: boolean }> {
  return async (after) => {
    const batch = await log.readAll({ after, maxCount: batchSize });
    const items = batch
      .filter((e) => e.position > after)
      .map((e) => ({ position: e.position, envelope: toEnvelope(e) }));
    projection.prepare?.(items.map((i) => i.envelope));
    return { items, full: batch.length >= batchSize };
  };
}

function warnGaps(logger: Logger | undefined, gaps: readonly StreamGap[]): void {
  for (const g of gaps) {
    logger?.warn(
      {
        code: 'PROJECTION.STREAM_GAP',
        streamName: g.streamName,
        expected: g.expected.toString(),
        got: g.got.toString(),
      },
      'stream revision gap',
    );
  }
}

/**
 * A rebuild's first part, for a projection with foldForRebuild: the log from position 0 folded in
 * memory (deduped by stream revision as the runner does, from nothing: the rebuild reset the
 * positions), then written once with its checkpoint, at the end of the log or past
 * `options.foldRows` rows held. The rebuild then replays what is left, if anything, batch by batch.
 */
async function foldFromStore(
  store: ProjectionStore,
  projection: Projection<EventEnvelope>,
  log: GlobalLogReader,
  options: ReplayOptions,
): Promise<Omit<ReplayResult, 'seconds'>> {
  const fold = projection.foldForRebuild!();
  const dedupe = new StreamDedupe(projection.format);
  const limit = options.foldRows ?? REBUILD_FOLD_ROWS;
  const read = readAhead(
    projection,
    log,
    Math.min(FOLD_READ_BATCH, options.batchSize ?? FOLD_READ_BATCH),
  );
  let position: bigint | undefined;
  let events = 0;
  let applied = 0;
  let duplicates = 0;
  let gaps = 0;
  let next: ReturnType<typeof read> | undefined = read(0n);
  while (next && !options.signal?.aborted && fold.rows <= limit) {
    const { items, full }: Awaited<ReturnType<typeof read>> = await next;
    if (items.length === 0) break;
    const last: bigint = items[items.length - 1]!.position;
    next = full ? read(last) : undefined;
    next?.catch(() => undefined);
    const result = dedupe.filter(
      items.map((i) => ({ envelope: i.envelope, at: projection.format.positionOf(i.envelope) })),
    );
    try {
      fold.add(result.toApply.map((p) => p.envelope));
    } catch (cause) {
      throw new ProjectionError(
        'PROJECTION.APPLY_FAILED',
        `${projection.name} failed folding the batch after position ${position ?? 0n}: ${(cause as Error).message}`,
        { projection: projection.name, globalPosition: (position ?? 0n).toString() },
        { cause },
      );
    }
    events += items.length;
    applied += result.toApply.length;
    duplicates += result.duplicates;
    gaps += result.gaps.length;
    warnGaps(options.logger, result.gaps);
    position = last;
    options.onProgress?.({ events, applied, position });
  }
  if (position !== undefined)
    await store.writeFold(projection, STORE_REF, fold, [...dedupe.touched.values()], position);
  return { events, applied, duplicates, gaps, position };
}

/** Applies the log from the projection's store checkpoint up to the current end. */
export async function replayFromStore(
  store: ProjectionStore,
  projection: Projection<EventEnvelope>,
  log: GlobalLogReader,
  options: ReplayOptions & { sharedLock?: boolean } = {},
): Promise<ReplayResult> {
  const started = process.hrtime.bigint();
  const batchSize = options.batchSize ?? REPLAY_BATCH_SIZE;
  let position = await store.position(projection.name, STORE_REF);
  let events = 0;
  let applied = 0;
  let duplicates = 0;
  let gaps = 0;
  const read = readAhead(projection, log, batchSize);
  let prefetched: ReturnType<typeof read> | undefined;
  while (!options.signal?.aborted) {
    const after = position ?? 0n; // exclusive
    const { items, full } = await (prefetched ?? read(after));
    if (items.length === 0) break;
    const last = items[items.length - 1]!.position;
    prefetched = full ? read(last) : undefined;
    prefetched?.catch(() => undefined);
    const result = await store.apply(projection, STORE_REF, items, {
      sharedLock: options.sharedLock ?? true,
    });
    events += items.length;
    applied += result.applied;
    duplicates += result.duplicates;
    gaps += result.gaps.length;
    warnGaps(options.logger, result.gaps);
    position = last;
    options.onProgress?.({ events, applied, position });
  }
  return {
    events,
    applied,
    duplicates,
    gaps,
    position,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
}

/**
 * Drops the projection's tables and checkpoints, recreates the tables and replays the log
 * from position 0. Live projectors of the same projection wait (advisory lock) meanwhile
 * and resume afterwards, skipping what the rebuild already applied.
 */
export async function rebuildProjection(
  store: ProjectionStore,
  projection: Projection<EventEnvelope>,
  log: GlobalLogReader,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  assertProjectionName(projection.name);
  await store.ensureSchema();
  const lock = await store.lockExclusively(projection);
  try {
    options.logger?.info(
      { projection: projection.name },
      'rebuild: dropping tables and checkpoints',
    );
    await store.reset(projection, lock.tx);
    await store.ensureSchema(); // creates the dropped tables again, empty
    const started = process.hrtime.bigint();
    let indexed = false;
    let result: ReplayResult;
    try {
      // Loaded without the indexes only readers use, built once at the end (Projection.readIndexes).
      await store.dropReadIndexes(projection, lock.tx);
      // Folded in memory and written once, when the projection can (foldForRebuild); what is left
      // of the log past the fold's row limit, or all of it, batch by batch.
      const folded = projection.foldForRebuild
        ? await foldFromStore(store, projection, log, options)
        : undefined;
      // (It starts from the checkpoint the fold wrote, so its position is the rebuild's.)
      const rest = await replayFromStore(store, projection, log, { ...options, sharedLock: false });
      const replayed = {
        events: (folded?.events ?? 0) + rest.events,
        applied: (folded?.applied ?? 0) + rest.applied,
        duplicates: (folded?.duplicates ?? 0) + rest.duplicates,
        gaps: (folded?.gaps ?? 0) + rest.gaps,
        position: rest.position,
      };
      await store.createReadIndexes(projection);
      indexed = true;
      // The rebuild's time includes building those indexes.
      result = { ...replayed, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
    } finally {
      if (!indexed) await store.createReadIndexes(projection).catch(() => undefined);
    }
    options.logger?.info(
      { projection: projection.name, ...result, position: result.position?.toString() },
      'rebuild: done',
    );
    return result;
  } catch (cause) {
    if (cause instanceof ProjectionError) throw cause;
    throw new ProjectionError(
      'PROJECTION.REBUILD_FAILED',
      `rebuild of ${projection.name} failed: ${(cause as Error).message}`,
      { projection: projection.name },
      { cause },
    );
  } finally {
    await lock.release();
  }
}
