// Chain facts as Ponder tables. Ponder rolls these back on a reorg; the Kafka relay
// (apps/indexer/relay, docs/indexer.md) publishes from chain_fact, never from handler side
// effects. chain_fact is generic (one row per log of every indexed contract); the typed
// tables beside it serve GraphQL and SQL readers that want columns instead of JSON.
import { index, onchainTable } from 'ponder';

export const chainFact = onchainTable(
  'chain_fact',
  (t) => ({
    /** `${chainId}:${blockHash}:${logIndex}`: the id the relay publishes (see @atelier/chain-messages). */
    id: t.text().primaryKey(),
    chainId: t.integer().notNull(),
    /** Contract name as in the deployments file. */
    contract: t.text().notNull(),
    address: t.hex().notNull(),
    /** Event name as Ponder knows it (the full signature if the ABI overloads the name). */
    event: t.text().notNull(),
    /** Decoded arguments: bigints as decimal strings, addresses lowercase. */
    args: t.json().notNull(),
    blockNumber: t.bigint().notNull(),
    blockHash: t.hex().notNull(),
    blockTimestamp: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
    transactionIndex: t.integer().notNull(),
    logIndex: t.integer().notNull(),
  }),
  // The relay reads in chain order from a cursor: (block_number, log_index).
  (table) => ({ byPosition: index().on(table.blockNumber, table.logIndex) }),
);

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
