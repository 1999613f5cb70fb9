// DI tokens of the GraphQL API.
/** The deployments file the gateway read at start (@atelier/chain's Deployments). */
export const GRAPHQL_DEPLOYMENTS = Symbol('atelier.gateway.GraphqlDeployments');
/** The GraphqlSettings of graphql.config.ts. */
export const GRAPHQL_SETTINGS = Symbol('atelier.gateway.GraphqlSettings');
/** OrderBooksReader of @atelier/market-projections over the orders read model. */
export const GRAPHQL_ORDER_BOOKS = Symbol('atelier.gateway.GraphqlOrderBooks');
