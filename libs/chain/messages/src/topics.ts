// Topic names and partition keys of the chain's Kafka contract. One topic per contract
// (`chain.<contract>`), not per event: the key's order must hold across event types (a mint,
// then a transfer, then a sale of one work), and Kafka orders only within a partition of one
// topic. Retractions travel on the fact's own topic with the fact's own key, so they arrive
// after the fact they undo.
import { CodedError } from '@atelier/kernel';
import type { JsonArgs } from './json';

export const CHAIN_TOPIC_PREFIX = 'chain';
/** Partitions of each chain.* topic: the relay creates them, and a consumer that starts first
 *  creates them the same way (a second count would fail the other side's topic check). */
export const CHAIN_TOPIC_PARTITIONS = 3;

/**
 * How a contract's facts are keyed:
 * - `artwork`: `${collection}:${tokenId}` when the event names a token (collection = the
 *   `collection` argument, else the emitting contract), else the collection: one work's facts in order.
 * - `market`: the `collection` argument, else the emitting contract: one market's facts
 *   (every order, fill and cancel of a collection) in order, the works in it included.
 * - `contract`: the emitting contract's address: every fact of the contract in order (one partition).
 */
export type KeyStrategy = 'artwork' | 'market' | 'contract';

export interface ChainContractSpec {
  /** Topic name without prefix: `<prefix>.<name>`. */
  readonly topic: string;
  readonly key: KeyStrategy;
}

/** Every contract whose facts are published. Adding a contract is one line here. */
export const CHAIN_CONTRACTS = {
  TestStablecoin: { topic: 'test-stablecoin', key: 'contract' },
  ArtworkRegistry: { topic: 'artwork-registry', key: 'artwork' },
  Marketplace: { topic: 'marketplace', key: 'market' },
} as const satisfies Record<string, ChainContractSpec>;

export type ChainContractName = keyof typeof CHAIN_CONTRACTS;

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

export type ChainTopicErrorCode = 'CHAIN_TOPIC.UNKNOWN_CONTRACT' | 'CHAIN_TOPIC.INVALID_NAME';

export class ChainTopicError extends CodedError<ChainTopicErrorCode> {
  override readonly name = 'ChainTopicError';
}

export function chainContractSpec(contract: string): ChainContractSpec {
  const spec = (CHAIN_CONTRACTS as Record<string, ChainContractSpec>)[contract];
  if (!spec) {
    throw new ChainTopicError(
      'CHAIN_TOPIC.UNKNOWN_CONTRACT',
      `contract '${contract}' has no chain topic; add it to CHAIN_CONTRACTS in libs/chain/messages/src/topics.ts`,
      { contract },
    );
  }
  return spec;
}

/** `chain.<contract>`; `prefix` lets tests (and tenants) use their own namespace. */
export function chainTopic(contract: string, prefix: string = CHAIN_TOPIC_PREFIX): string {
  const topic = `${prefix}.${chainContractSpec(contract).topic}`;
  if (!TOPIC_NAME.test(topic)) {
    throw new ChainTopicError(
      'CHAIN_TOPIC.INVALID_NAME',
      `'${topic}' is not a valid Kafka topic name`,
      { topic },
    );
  }
  return topic;
}

const text = (v: unknown): string | undefined =>
  typeof v === 'string' && v.length > 0
    ? v.toLowerCase()
    : typeof v === 'number'
      ? String(v)
      : undefined;

/** The Kafka key of a fact (see KeyStrategy); addresses lowercase. */
export function partitionKey(strategy: KeyStrategy, address: string, args: JsonArgs): string {
  const emitter = address.toLowerCase();
  switch (strategy) {
    case 'artwork': {
      const collection = text(args['collection']) ?? emitter;
      const tokenId = text(args['tokenId']) ?? text(args['_tokenId']);
      return tokenId === undefined ? collection : `${collection}:${tokenId}`;
    }
    case 'market':
      return text(args['collection']) ?? emitter;
    case 'contract':
      return emitter;
    default: {
      const exhaustive: never = strategy;
      throw new Error(`unknown key strategy ${String(exhaustive)}`);
    }
  }
}
