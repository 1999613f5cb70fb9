// Re-reads what chain facts announced changed (tokens, ledger balances, counters, nonces, the
// fee), all at one block, for the fillability tracker: one multicall, plus one more for the
// operator approvals of the tokens' owners (unknown until the first answers).
import { asAddress } from '@atelier/kernel';
import type { Client } from 'viem';

import { type ReadTarget, ReadPlan, readPlan } from './market-reads';
import type { ObservationRequest, ObservationState } from './market-state';

export interface ReadObservationsParameters extends ReadTarget {
  readonly request: ObservationRequest;
}

export type ReadObservationsReturnType = ObservationState;

export async function readObservations(
  client: Client,
  { request, ...target }: ReadObservationsParameters,
): Promise<ReadObservationsReturnType> {
  const plan = new ReadPlan();
  plan.fee = request.fee === true;
  for (const t of request.tokens ?? []) plan.token(asAddress(t.collection), t.tokenId);
  for (const f of request.funds ?? []) plan.fund(asAddress(f.maker), asAddress(f.currency));
  for (const m of request.counters ?? []) plan.counters.add(asAddress(m));
  for (const n of request.nonces ?? []) plan.nonce(asAddress(n.maker), n.nonce);
  const read = await readPlan(client, plan, target);
  return {
    block: read.block,
    tokens: [...plan.tokens].map(([key, t]) => ({
      collection: t.collection,
      tokenId: t.tokenId,
      ...read.tokens.get(key)!,
    })),
    funds: [...plan.funds].map(([key, f]) => ({ ...f, balance: read.funds.get(key)! })),
    counters: [...plan.counters].map((maker) => ({ maker, counter: read.counters.get(maker)! })),
    nonces: [...plan.nonces].map(([key, n]) => ({ ...n, state: read.nonces.get(key)! })),
    fee: read.fee,
  };
}
