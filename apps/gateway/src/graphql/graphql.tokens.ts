// DI tokens of the GraphQL API.
/** The deployments file the gateway read at start (@atelier/chain's Deployments). */
export const GRAPHQL_DEPLOYMENTS = Symbol('atelier.gateway.GraphqlDeployments');
