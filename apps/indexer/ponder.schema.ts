// Chain facts as Ponder tables. Ponder rolls these back on a reorg; the Kafka relay
// (apps/indexer relay, see docs) publishes from them, never from handler side effects.
import { index, onchainTable } from 'ponder';

export const stablecoinTransfer = onchainTable(
  'stablecoin_transfer',
  (t) => ({
    id: t.text().primaryKey(),
    from: t.hex().notNull(),
    to: t.hex().notNull(),
    value: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    blockHash: t.hex().notNull(),
    blockTimestamp: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
    logIndex: t.integer().notNull(),
  }),
  (table) => ({ byBlock: index().on(table.blockNumber) }),
);
