// What the intake of some signed orders needs from the chain, read in one multicall at one block
// (docs/market-makers.md "What the gateway answers"): for asks the token's owner and whether the
// Marketplace may move it, and the royalty terms at the ask's price; for bids the bidder's
// Marketplace ledger balance; for every maker its counter and the state of the order's nonce;
// the protocol fee and the currency allow-list; and the block's number and timestamp. The domain
// applies the contract's cap and rounding to the royalty (libs/market/domain split.ts).
import { OrderKind } from '@atelier/contracts-abi';
import { type Address as Id, asAddress } from '@atelier/kernel';
import type { Client } from 'viem';

import { type ReadTarget, ReadPlan, readPlan } from './market-reads';
import { type IntakeState, type ObservedState, royaltyKey } from './market-state';
import type { OrderInput } from './typed-data';

export interface ReadIntakeStateParameters extends ReadTarget {
  readonly orders: readonly OrderInput[];
}

export type ReadIntakeStateReturnType = IntakeState;

interface Group {
  tokens: Set<string>;
  funds: Set<string>;
  counters: Set<Id>;
  nonces: Set<string>;
}

export async function readIntakeState(
  client: Client,
  { orders, ...target }: ReadIntakeStateParameters,
): Promise<ReadIntakeStateReturnType> {
  const plan = new ReadPlan();
  plan.fee = true;
  const groups = new Map<Id, Group>();
  for (const o of orders) {
    const collection = asAddress(o.collection);
    const maker = asAddress(o.maker);
    const currency = asAddress(o.currency);
    const g = groups.get(collection) ?? {
      tokens: new Set<string>(),
      funds: new Set<string>(),
      counters: new Set<Id>(),
      nonces: new Set<string>(),
    };
    groups.set(collection, g);
    plan.currencies.add(currency);
    plan.counters.add(maker);
    g.counters.add(maker);
    plan.nonce(maker, o.nonce);
    g.nonces.add(`${maker}:${o.nonce}`);
    if (o.kind === OrderKind.Ask) {
      plan.token(collection, o.tokenId, maker);
      g.tokens.add(`${collection}:${o.tokenId}`);
      plan.royalties.set(royaltyKey(o), { collection, tokenId: o.tokenId, price: o.price });
    } else {
      plan.fund(maker, currency);
      g.funds.add(`${maker}:${currency}`);
    }
  }
  const read = await readPlan(client, plan, target);
  const { block } = read;
  const fee = read.fee ? { ...read.fee, block } : undefined;
  const observed = new Map<Id, ObservedState>();
  for (const [collection, g] of groups)
    observed.set(collection, {
      tokens: [...g.tokens].map((key) => ({
        tokenId: plan.tokens.get(key)!.tokenId,
        ...read.tokens.get(key)!,
        block,
      })),
      funds: [...g.funds].map((key) => ({
        ...plan.funds.get(key)!,
        balance: read.funds.get(key)!,
        block,
      })),
      counters: [...g.counters].map((maker) => ({
        maker,
        counter: read.counters.get(maker)!,
        block,
      })),
      nonces: [...g.nonces].map((key) => ({
        ...plan.nonces.get(key)!,
        state: read.nonces.get(key)!,
        block,
      })),
      ...(fee ? { fee } : {}),
    });
  return {
    block,
    chainTime: read.chainTime,
    observed,
    royalty: read.royalties,
    currencyAllowed: read.currencies,
  };
}
