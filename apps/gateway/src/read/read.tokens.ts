// DI tokens of the chain-fact read side (artworks, settled trades, ledgers).
/** TypeORM DataSource of the chain-fact read models (READ_MODEL_SCHEMA, beside the orders model). */
export const CHAIN_READ_MODEL = Symbol('atelier.gateway.ChainReadModel');
export const ARTWORKS_READER = Symbol('atelier.gateway.ArtworksReader');
export const CHAIN_TRADES_READER = Symbol('atelier.gateway.ChainTradesReader');
export const LEDGERS_READER = Symbol('atelier.gateway.LedgersReader');
/** Readers of the order side (books, matched trades and pending amounts, activity). */
export const ORDER_BOOKS_READER = Symbol('atelier.gateway.OrderBooksReader');
export const MATCHED_TRADES_READER = Symbol('atelier.gateway.MatchedTradesReader');
export const ACTIVITY_READER = Symbol('atelier.gateway.ActivityReader');
