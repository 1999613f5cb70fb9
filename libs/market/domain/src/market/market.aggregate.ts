// The market as the repository sees it: stream category, decider, event codec, and the clone
// `handleAll` needs because the market's evolve folds in place (see book.ts).
import { defineAggregate } from '@atelier/eventsourcing';
import type { Address } from '@atelier/kernel';
import { marketDecider } from './decide';
import { marketEventCodec } from './market.codec';
import { cloneMarket } from './market';

/** Streams `market-<collection>` (lower-case address). */
export const MARKET_CATEGORY = 'market';

export const marketAggregate = defineAggregate({
  name: 'Market',
  category: MARKET_CATEGORY,
  decider: marketDecider,
  codec: marketEventCodec,
  cloneState: cloneMarket,
});

/** The id of a collection's market stream (the repository prefixes the category). */
export const marketId = (collection: Address): string => collection;
