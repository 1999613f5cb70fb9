// The market's read models: projections implementing the @atelier/projections contract over
// market.* messages, and their readers. Today: orders and trades (orders/).
export * from './orders/orders.entities';
export {
  ordersProjection,
  applyMarketEvent,
  marketEventOf,
  collectionOfStream,
  ORDERS_PROJECTION,
} from './orders/orders.projection';
export * from './orders/orders.reader';
// Chain-fact read models (chain.* facts): artworks with provenance and lineage, settled trades
// and collection stats, ledgers per account and currency.
export {
  ChainReadError,
  type ChainReadErrorCode,
  ChainReadArgsError,
} from './chain-facts/chain-facts';
export * from './artworks/artworks.entities';
export {
  artworksProjection,
  applyArtworkFact,
  ARTWORKS_PROJECTION,
} from './artworks/artworks.projection';
export * from './artworks/artworks.reader';
export * from './chain-trades/chain-trades.entities';
export {
  chainTradesProjection,
  applyTradeFact,
  CHAIN_TRADES_PROJECTION,
} from './chain-trades/chain-trades.projection';
export * from './chain-trades/chain-trades.reader';
export * from './ledgers/ledgers.entities';
export {
  ledgersProjection,
  applyLedgerFact,
  ledgerEntriesOf,
  LEDGERS_PROJECTION,
} from './ledgers/ledgers.projection';
export * from './ledgers/ledgers.reader';
export * from './ledgers/pending-ledger';
// Readers of the order side (framework-free; the gateway's REST and GraphQL both use them):
// order books per collection and token, matched-but-unsettled trades and the ledger amounts
// they hold, and the activity feed across the chain and market models.
export * from './order-books/order-books.reader';
export * from './order-books/live-order-book';
export * from './matched-trades/matched-trades.reader';
export * from './activity/activity.reader';
