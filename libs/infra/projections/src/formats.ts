// The message formats projections read, each with what the runner needs to dedupe it:
// - market events: their stream and revision in the event store, so a republished event
//   (same stream, revision at or below the last applied) is skipped.
// - chain facts: one "stream" per fact id, revision 0 for the fact and 1 for its retraction.
//   A redelivered fact or retraction is skipped by its id, and a fact republished after its
//   retraction cannot bring it back: the fold rule of @atelier/chain-messages, applied by the
//   runner, so a chain projection may count and sum like a market one.
import { chainFactCodec, type ChainFactEnvelope } from '@atelier/chain-messages';
import { marketEnvelopeCodec, type EventEnvelope } from '@atelier/market-messages';
import type { EnvelopeFormat } from './projection';

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
