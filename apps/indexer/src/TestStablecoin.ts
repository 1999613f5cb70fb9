// TestStablecoin handlers: record each transfer as a chain fact, keyed by Ponder's event id
// so a replayed event overwrites itself instead of duplicating.
import { ponder } from 'ponder:registry';
import { stablecoinTransfer } from 'ponder:schema';

ponder.on('TestStablecoin:Transfer', async ({ event, context }) => {
  const fact = {
    from: event.args.from,
    to: event.args.to,
    value: event.args.value,
    blockNumber: event.block.number,
    blockHash: event.block.hash,
    blockTimestamp: event.block.timestamp,
    transactionHash: event.transaction.hash,
    logIndex: event.log.logIndex,
  };
  await context.db
    .insert(stablecoinTransfer)
    .values({ id: event.id, ...fact })
    .onConflictDoUpdate(fact);
});
