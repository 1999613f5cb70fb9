// The gateway as an HTTP app: its config, port, root module and error table, in one place
// that main.ts starts and the int specs boot (on port 0) the same way.
import type { HttpAppSpec } from '@atelier/platform';
import { GatewayModule } from './app.module';
import { loadGatewayConfig, type GatewayConfig } from './config';
import { guardGraphql } from './graphql/graphql-access';
import { GRAPHQL_PATH } from './graphql/graphql.module';
import { GATEWAY_ERROR_STATUS } from './http-errors';
import { installBookFastPath } from './read/book-fast-path';
import { setupOpenApi } from './read/openapi';

export const gatewayApp: HttpAppSpec<GatewayConfig> = {
  name: 'gateway',
  loadConfig: () => loadGatewayConfig(),
  port: (c) => c.GATEWAY_PORT,
  module: (ctx) => GatewayModule.forRoot(ctx),
  errorStatus: GATEWAY_ERROR_STATUS,
  configure: (app, logger) => {
    setupOpenApi(app);
    installBookFastPath(app);
    guardGraphql(app, GRAPHQL_PATH, logger.child({ component: 'graphql' }));
  },
};
