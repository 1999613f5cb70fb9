// The settlement aggregate as the repository sees it: one stream per operator key,
// `settlement-<operator address, lower case>`.
import { defineAggregate } from '@atelier/eventsourcing';
import { settlementDecider } from './settlement.decider';
import { settlementEventCodec } from './settlement.codec';
import { cloneSettlement } from './settlement';

export const SETTLEMENT_CATEGORY = 'settlement';

export const settlementAggregate = defineAggregate({
  name: 'Settlement',
  category: SETTLEMENT_CATEGORY,
  decider: settlementDecider,
  codec: settlementEventCodec,
  cloneState: cloneSettlement,
});

/** The id of an operator's settlement stream (the repository prefixes the category). */
export const settlementId = (operator: string): string => operator.toLowerCase();
