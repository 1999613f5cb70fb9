// The gateway's GraphQL API (docs/graphql.md): `@nestjs/graphql` code-first on the Mercurius
// driver (the gateway runs on Fastify), served at POST/GET /graphql with GraphiQL at /graphiql.
// It answers the same reads as the REST read API through the same readers (artworks, lineage,
// trades, ledgers, collection stats, orders, order books, activity, deployments), adds the links
// between them through per-request DataLoaders, and refuses operations that are too deep or too expensive before any
// resolver runs (query-limits.ts). Errors carry our codes and statuses (graphql.errors.ts).
//
// The schema is generated in memory (`autoSchemaFile: true`) from every resolver of every module
// of the app: GraphQLModule's explorer scans the whole app, so another module's resolvers (the
// live feeds' subscription resolvers in ../live/) join the same schema without being listed
// here. Subscriptions are on (`subscription: true`, WebSocket on /graphql); this module defines
// none itself, and holds them to the same limits before they start.
import { Module, type DynamicModule } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import type { MercuriusDriverConfig } from '@nestjs/mercurius';
import { GraphQLError, specifiedRules, validate } from 'graphql';
import type { DataSource } from 'typeorm';
import type { Deployments } from '@atelier/chain';
import type { HttpAppContext } from '@atelier/platform';
import type { GatewayConfig } from '../config';
import { GATEWAY_ERROR_STATUS } from '../http-errors';
import { READ_YOUR_WRITES_WAIT_MS, ReadYourWrites } from '../orders/read-your-writes';
import { ReadPositions } from '../read/read-positions';
import { CHAIN_READ_MODEL } from '../read/read.tokens';
import { ActivityResolver } from './activity.resolver';
import { ArtworksResolver } from './artworks.resolver';
import { BookResolver } from './book.resolver';
import { DeploymentsResolver } from './deployments.resolver';
import { DeferredMercuriusDriver } from './graphql.driver';
import { graphqlSettings, type GraphqlSettings } from './graphql.config';
import { graphqlErrorFormatter } from './graphql.errors';
import { GRAPHQL_DEPLOYMENTS } from './graphql.tokens';
import { LedgersResolver } from './ledgers.resolver';
import { OrdersResolver } from './orders.resolver';
import { enforceLimits, noIntrospection, type QueryLimits } from './query-limits';
import { BatchReads, ReadLoaders } from './read.loaders';
import { MatchedTradesResolver, TradesResolver } from './trades.resolver';

export const GRAPHQL_PATH = '/graphql';

/** The Mercurius options of the gateway: limits, error shape, GraphiQL, subscriptions. */
export function mercuriusOptions(
  settings: GraphqlSettings,
  ctx: HttpAppContext<GatewayConfig>,
): MercuriusDriverConfig {
  const limits: QueryLimits = {
    maxDepth: settings.maxDepth,
    maxComplexity: settings.maxComplexity,
  };
  const extraRules = settings.introspection ? [] : [noIntrospection];
  return {
    // The stock driver, registered without breaking the REST routes' error handling.
    driver: DeferredMercuriusDriver,
    autoSchemaFile: true,
    sortSchema: true,
    path: GRAPHQL_PATH,
    graphiql: settings.graphiql,
    subscription: true,
    // A rule list (not a function) keeps mercurius' parse and validation cache on.
    validationRules: extraRules,
    // A document seen once before (in the parse cache) is compiled with graphql-jit and run as
    // compiled code from then on: a frontend's few queries, asked over and over, skip
    // graphql-js's field-by-field execution. The limits (preExecution) still run on every request.
    jit: 1,
    graphql: { parseOptions: { maxTokens: settings.maxTokens } },
    errorFormatter: graphqlErrorFormatter(
      GATEWAY_ERROR_STATUS,
      ctx.logger.child({ component: 'graphql' }),
    ) as unknown as MercuriusDriverConfig['errorFormatter'],
    hooks: {
      // After parsing and validation (cached per document), before any resolver: the variables
      // are known here, so `limit: $n` is measured at the page size asked for.
      preExecution: [
        (schema, document, _context, variables) => {
          enforceLimits(schema, document, variables as Record<string, unknown>, limits);
        },
      ],
      // Mercurius runs no validation for subscriptions over WebSocket: do it here, then the limits.
      preSubscriptionExecution: [
        (schema, document) => {
          const errors = validate(schema, document, [...specifiedRules, ...extraRules]);
          if (errors.length > 0)
            throw new GraphQLError(errors.map((e) => e.message).join('; '), {
              extensions: { code: 'REQUEST.INVALID' },
            });
          enforceLimits(schema, document, undefined, limits);
        },
      ],
    },
  };
}

@Module({})
export class GraphqlApiModule {
  /**
   * `read`: the read API's module (ReadModule.forRoot), the same object the app imports, for its
   * readers and DataSource; `deployments`: the file the app read at start.
   */
  static forRoot(
    ctx: HttpAppContext<GatewayConfig>,
    read: DynamicModule,
    deployments: Deployments,
  ): DynamicModule {
    const settings = graphqlSettings(ctx.config);
    return {
      module: GraphqlApiModule,
      imports: [
        read,
        GraphQLModule.forRoot<MercuriusDriverConfig>(mercuriusOptions(settings, ctx)),
      ],
      providers: [
        { provide: GRAPHQL_DEPLOYMENTS, useValue: deployments },
        {
          provide: BatchReads,
          useFactory: (ds: DataSource) => new BatchReads(ds),
          inject: [CHAIN_READ_MODEL],
        },
        {
          provide: ReadLoaders,
          useFactory: (reads: BatchReads) => new ReadLoaders(reads),
          inject: [BatchReads],
        },
        // The read API's waits (`minPosition`, `minMarketPosition`) and the orders model's position.
        ReadYourWrites,
        ReadPositions,
        { provide: READ_YOUR_WRITES_WAIT_MS, useValue: ctx.config.READ_YOUR_WRITES_WAIT_MS },
        ArtworksResolver,
        ActivityResolver,
        BookResolver,
        TradesResolver,
        MatchedTradesResolver,
        LedgersResolver,
        OrdersResolver,
        DeploymentsResolver,
      ],
    };
  }
}
