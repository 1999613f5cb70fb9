// Gateway entry point: REST (and later GraphQL) edge of Atelier.
import { runHttpApp } from '@atelier/platform';
import { GatewayModule } from './app.module';
import { loadGatewayConfig } from './config';

void runHttpApp({
  name: 'gateway',
  loadConfig: () => loadGatewayConfig(),
  port: (c) => c.GATEWAY_PORT,
  module: (ctx) => GatewayModule.forRoot(ctx),
});
