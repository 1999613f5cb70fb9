// DI tokens of the gateway's market wiring that the application ports do not already name.
export const MARKET_CHAIN_CLIENT = Symbol('atelier.gateway.MarketChainClient');
/** The orders read model's TypeORM DataSource (its own schema, see READ_MODEL_SCHEMA). */
export const ORDERS_READ_MODEL = Symbol('atelier.gateway.OrdersReadModel');
/** `OrdersReader` of @atelier/market-projections over ORDERS_READ_MODEL. */
export const ORDERS_READER = Symbol('atelier.gateway.OrdersReader');
