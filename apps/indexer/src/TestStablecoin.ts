// TestStablecoin's typed rows beside its generic chain facts (src/ChainFacts.ts registers
// every event and calls these by event name): transfers as columns for GraphQL and SQL.
// Upserts keyed by the fact id, so a replayed event overwrites itself instead of duplicating.
import { stablecoinTransfer } from 'ponder:schema';
import type { FactHandlers } from './ChainFacts';

export const testStablecoinHandlers: FactHandlers = {
  async Transfer({ event, context, id }) {
    // The ABI fixes these types (Transfer(address indexed from, address indexed to, uint256 value)).
    const args = event.args as { from: `0x${string}`; to: `0x${string}`; value: bigint };
    const row = {
      from: args.from,
      to: args.to,
      value: args.value,
      blockNumber: event.block.number,
      blockHash: event.block.hash,
      blockTimestamp: event.block.timestamp,
      transactionHash: event.transaction.hash,
      logIndex: event.log.logIndex,
    };
    await context.db
      .insert(stablecoinTransfer)
      .values({ id, ...row })
      .onConflictDoUpdate(row);
  },
};
