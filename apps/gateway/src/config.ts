// The gateway's configuration: the shared service variables plus its own port and database.
import { serviceConfig } from '@atelier/platform';

const gatewayConfig = serviceConfig({
  app: 'gateway',
  prefix: 'GATEWAY',
  port: { default: 3000, describe: 'HTTP port of the gateway' },
});

export type GatewayConfig = ReturnType<typeof gatewayConfig.load>;
export const loadGatewayConfig = gatewayConfig.load;
