// The runner's dedupe by stream revision, as one piece of pure code: ProjectionStore.apply runs it
// over a chunk with the positions it read from projection_stream_positions, and a rebuild's fold
// (replay.ts) runs it over the whole log with the positions it holds in memory.
import type { EnvelopeFormat, StreamPosition } from './projection';
import { recordedPositions, type RecordedPositions } from './formats';

export interface StreamGap {
  readonly streamName: string;
  readonly expected: bigint;
  readonly got: bigint;
}

export interface Positioned<E> {
  readonly envelope: E;
  readonly at: StreamPosition;
}

export class StreamDedupe<E> {
  private readonly known: Map<string, bigint>;
  private readonly records: RecordedPositions<E>['records'] | undefined;
  /** The stream positions to record (the last of each stream seen), as the format says. */
  readonly touched = new Map<string, StreamPosition>();

  /** `known`: the last applied revision of streams, as recorded. */
  constructor(format: EnvelopeFormat<E>, known: Iterable<readonly [string, bigint]> = []) {
    this.known = new Map(known);
    this.records = recordedPositions(format);
  }

  /**
   * The envelopes to apply, in order: each one past its stream's last revision (applied or seen
   * before in this dedupe). Gaps are reported only for a format that records every position (one
   * that records some may have applied an unrecorded revision: formats.ts).
   */
  filter(items: readonly Positioned<E>[]): {
    toApply: Positioned<E>[];
    duplicates: number;
    gaps: StreamGap[];
  } {
    const toApply: Positioned<E>[] = [];
    const gaps: StreamGap[] = [];
    let duplicates = 0;
    for (const p of items) {
      const { at } = p;
      const last = this.known.get(at.stream);
      if (last !== undefined && at.revision <= last) {
        duplicates++;
        continue;
      }
      const expected = last === undefined ? 0n : last + 1n;
      if (at.revision !== expected && !this.records)
        gaps.push({ streamName: at.stream, expected, got: at.revision });
      this.known.set(at.stream, at.revision);
      if (!this.records || this.records(p.envelope, at)) this.touched.set(at.stream, at);
      toApply.push(p);
    }
    return { toApply, duplicates, gaps };
  }
}
