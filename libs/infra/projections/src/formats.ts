// The message formats projections read, each with what the runner needs to dedupe it:
// - market events: their stream and revision in the event store, so a republished event
//   (same stream, revision at or below the last applied) is skipped.
// - chain facts: one "stream" per fact id, revision 0 for the fact and 1 for its retraction.
//   A redelivered fact or retraction is skipped by its id, and a fact republished after its
//   retraction cannot bring it back: the fold rule of @atelier/chain-messages, applied by the
//   runner, so a chain projection may count and sum like a market one.
// - chain facts deduped by the projection's rows (chainFactsDedupedByRows): the same, but the
//   runner records only retractions; for projections whose rows are keyed by the fact id.
import { chainFactCodec, type ChainFactEnvelope } from '@atelier/chain-messages';
import { marketEnvelopeCodec, type EventEnvelope } from '@atelier/market-messages';
import type { EnvelopeFormat, StreamPosition } from './projection';

export const marketEvents: EnvelopeFormat<EventEnvelope> = {
  codec: marketEnvelopeCodec,
  positionOf: (e) => ({
    stream: e.streamName,
    revision: e.streamRevision,
    globalPosition: e.globalPosition,
  }),
  describe: (e) => `${e.type} ${e.eventId} (${e.streamName}@${e.streamRevision})`,
};

export const chainFacts: EnvelopeFormat<ChainFactEnvelope> = {
  codec: chainFactCodec,
  positionOf: (f) => ({
    stream: f.factId,
    revision: f.kind === 'fact' ? 0n : 1n,
    globalPosition: BigInt(f.blockNumber),
  }),
  describe: (f) => `${f.kind} ${f.id} (${f.type})`,
};

/**
 * What a format may add for the runner: which stream positions it records. Left out, it records
 * every envelope's (the stream positions above). A format that records only some leaves the dedupe
 * of the others across chunks to the projection's own rows (within a chunk the runner still skips
 * every copy), and the runner then reports no revision gaps (an earlier revision may have been
 * applied without a record).
 */
export interface RecordedPositions<E> {
  /** True for the envelopes whose position the runner writes to projection_stream_positions. */
  readonly records: (envelope: E, at: StreamPosition) => boolean;
}

/** The format's `records`, when it has one (see RecordedPositions). */
export function recordedPositions<E>(
  format: EnvelopeFormat<E>,
): RecordedPositions<E>['records'] | undefined {
  return (format as EnvelopeFormat<E> & Partial<RecordedPositions<E>>).records;
}

/**
 * chainFacts for a projection whose rows carry the id of the fact they come from, so that a fact
 * applied again leaves them as they are (INSERT ... ON CONFLICT (fact_id) DO NOTHING): the runner
 * records every retraction and only the facts `alsoRecord` names. A retraction is still applied
 * once, and a copy of a fact that arrives after its retraction (redelivered, or republished by
 * the relay) is still skipped by the retraction's record: what the projection cannot tell from
 * its rows, since the retraction deleted them. A copy of an unrecorded fact that was not
 * retracted reaches the projection again (and counts as applied): its own key makes it a no-op.
 * `alsoRecord` names the facts whose copy would not be one (artworks: a mint, which an older
 * copy would put back over a later mint of the same token id).
 *
 * Why: one stream position per fact doubled the rows a chain model writes (30,611 positions
 * beside the artworks' 35,253 rows; 20,203 beside chain-trades' 6,884), the one write of a chunk
 * the bare baseline has no counterpart for. A projection that is not idempotent per fact (the
 * chain-projection spec's transfer counter) keeps chainFacts.
 */
export function chainFactsDedupedByRows(
  alsoRecord: (fact: ChainFactEnvelope) => boolean = () => false,
): EnvelopeFormat<ChainFactEnvelope> & RecordedPositions<ChainFactEnvelope> {
  return {
    ...chainFacts,
    records: (fact, at) => at.revision > 0n || alsoRecord(fact),
  };
}
