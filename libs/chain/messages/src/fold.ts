// What a consumer should believe after reading chain.* messages: per fact id, the last
// message wins (a fact adds it, its retraction removes it). A fact and its retraction share
// topic and key, hence partition and order, so folding each partition in offset order gives
// the canonical facts; a redelivered message changes nothing, and a retraction of a fact the
// consumer never saw is a no-op. Projections apply the same rule to their own state.
import type { ChainFactEnvelope } from './envelope';

export type BelievedFacts = Map<string, ChainFactEnvelope>;

export function foldChainFacts(
  messages: Iterable<ChainFactEnvelope>,
  into: BelievedFacts = new Map(),
): BelievedFacts {
  for (const message of messages) {
    if (message.kind === 'fact') into.set(message.factId, message);
    else into.delete(message.factId);
  }
  return into;
}
