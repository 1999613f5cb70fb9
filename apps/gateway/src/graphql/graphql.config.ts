// The GraphQL API's part of the gateway's typed config (spread into config.ts's `extra`): the
// limits every query is checked against before it runs, and the developer conveniences
// (introspection, the GraphiQL page) that a production deployment may switch off.
import { z } from 'zod';

const flag = (fallback: 'true' | 'false') =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback)
    .transform((v) => v === 'true' || v === '1');
const bounded = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

export const graphqlEnv = {
  GRAPHQL_MAX_DEPTH: bounded(10, 2, 64).describe(
    'deepest field nesting a GraphQL operation may have (introspection fields excepted)',
  ),
  GRAPHQL_MAX_COMPLEXITY: bounded(100_000, 10, 10_000_000).describe(
    'highest estimated cost of a GraphQL operation: each field costs 1, a list multiplies what it selects by its page size',
  ),
  GRAPHQL_MAX_TOKENS: bounded(5_000, 100, 1_000_000).describe(
    'most lexical tokens a GraphQL document may have (bounds parsing and validation work)',
  ),
  GRAPHQL_INTROSPECTION: flag('true').describe(
    'answer __schema / __type queries (GraphiQL needs them); switch off to hide the schema',
  ),
  GRAPHQL_GRAPHIQL: flag('true').describe('serve the GraphiQL IDE at /graphiql'),
};

export interface GraphqlSettings {
  readonly maxDepth: number;
  readonly maxComplexity: number;
  readonly maxTokens: number;
  readonly introspection: boolean;
  readonly graphiql: boolean;
}

export const graphqlSettings = (c: {
  readonly GRAPHQL_MAX_DEPTH: number;
  readonly GRAPHQL_MAX_COMPLEXITY: number;
  readonly GRAPHQL_MAX_TOKENS: number;
  readonly GRAPHQL_INTROSPECTION: boolean;
  readonly GRAPHQL_GRAPHIQL: boolean;
}): GraphqlSettings => ({
  maxDepth: c.GRAPHQL_MAX_DEPTH,
  maxComplexity: c.GRAPHQL_MAX_COMPLEXITY,
  maxTokens: c.GRAPHQL_MAX_TOKENS,
  introspection: c.GRAPHQL_INTROSPECTION,
  graphiql: c.GRAPHQL_GRAPHIQL,
});
