// One generic indexing function per event of every indexed contract (contracts.ts): it writes
// the log as a `chain_fact` row, the single source the Kafka relay publishes from, then runs
// the contract's typed handler for that event if it has one (src/<Contract>.ts, keyed by
// event name). A loop instead of one `ponder.on("Contract:Event")` per event, so a new
// contract or a new event in an ABI is indexed without touching this file. Handlers only
// write Ponder tables (which Ponder rolls back on a reorg); nothing here talks to Kafka.
import { ponder, type Context } from 'ponder:registry';
import { chainFact } from 'ponder:schema';
import { factId, toJsonArgs } from '@atelier/chain-messages';
import { concernsMarketplace } from '../scope';
import { indexerSetup } from '../setup';
import { testStablecoinHandlers } from './TestStablecoin';

/** The parts of a Ponder log event the handlers read. */
export interface FactEvent {
  readonly args: unknown;
  readonly log: { readonly address: `0x${string}`; readonly logIndex: number };
  readonly block: {
    readonly number: bigint;
    readonly hash: `0x${string}`;
    readonly timestamp: bigint;
  };
  readonly transaction: {
    readonly hash: `0x${string}`;
    readonly transactionIndex: number;
    readonly from: `0x${string}`;
    readonly to: `0x${string}` | null;
  };
}

export interface FactHandlerArgs {
  readonly event: FactEvent;
  readonly context: Context;
  /** The fact id of this log, for typed rows that join chain_fact. */
  readonly id: string;
}

export type FactHandlers = Readonly<Record<string, (args: FactHandlerArgs) => Promise<void>>>;

/** Typed handlers by contract, then by Ponder event name. */
const typedHandlers: Readonly<Record<string, FactHandlers>> = {
  TestStablecoin: testStablecoinHandlers,
};

const { contracts, stablecoinScope } = indexerSetup();

/** Stablecoin facts outside the configured scope are not facts of this system (scope.ts). */
const keep = (contract: string, event: FactEvent): boolean =>
  contract !== 'TestStablecoin' ||
  stablecoinScope.kind === 'all' ||
  concernsMarketplace(event, stablecoinScope.marketplace);

// ponder.on is typed from the config's literal contract names; this loop registers names
// computed from the ABIs, so it goes through an untyped view of the same function.
const on = ponder.on.bind(ponder) as unknown as (
  name: string,
  fn: (args: { event: FactEvent; context: Context }) => Promise<void>,
) => void;

for (const contract of contracts) {
  for (const eventName of contract.events) {
    const typed = typedHandlers[contract.name]?.[eventName];
    on(`${contract.name}:${eventName}`, async ({ event, context }) => {
      if (!keep(contract.name, event)) return;
      const id = factId(context.chain.id, event.block.hash, event.log.logIndex);
      const row = {
        chainId: context.chain.id,
        contract: contract.name,
        address: event.log.address,
        event: eventName,
        args: toJsonArgs(event.args),
        blockNumber: event.block.number,
        blockHash: event.block.hash,
        blockTimestamp: event.block.timestamp,
        transactionHash: event.transaction.hash,
        transactionIndex: event.transaction.transactionIndex,
        logIndex: event.log.logIndex,
      };
      await context.db
        .insert(chainFact)
        .values({ id, ...row })
        .onConflictDoUpdate(row);
      if (typed) await typed({ event, context, id });
    });
  }
}
