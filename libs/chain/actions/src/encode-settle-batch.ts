// The `batch` argument of `Marketplace.settleBatch` for matched (ask, bid) pairs: each pair
// checked (an ask and a bid of the same item and currency, bid covering the ask) and packed
// (@atelier/contracts-abi encodeSettlementBatch documents the layout). Pure.
import {
  type Hex,
  type SettlementPair,
  type SignedOrder,
  encodeSettlementBatch,
  toSettlementPair,
} from '@atelier/contracts-abi';

export interface EncodeSettleBatchParameters {
  readonly pairs: readonly { readonly ask: SignedOrder; readonly bid: SignedOrder }[];
}

export interface EncodeSettleBatchReturnType {
  readonly batch: Hex;
  readonly pairs: readonly SettlementPair[];
}

/** Throws OrderPairError (PAIR.*) for a pair that could never settle or a field that does not fit. */
export function encodeSettleBatch({
  pairs,
}: EncodeSettleBatchParameters): EncodeSettleBatchReturnType {
  const settlement = pairs.map(({ ask, bid }) => toSettlementPair(ask, bid));
  return { batch: encodeSettlementBatch(settlement), pairs: settlement };
}
