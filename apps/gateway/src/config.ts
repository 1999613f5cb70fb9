// The gateway's configuration: the shared service variables plus its own port and database.
import { z } from 'zod';
import { env, loadConfig } from '@atelier/config';
import { serviceEnv } from '@atelier/platform';

const schema = z.object({
  ...serviceEnv,
  GATEWAY_PORT: env.port(3000).describe('HTTP port of the gateway'),
  GATEWAY_DATABASE_URL: env
    .url()
    .describe('postgres:// URL of the gateway database (infra/postgres/ensure.ts creates it)'),
});

export type GatewayConfig = z.infer<typeof schema>;
export const loadGatewayConfig = (e: NodeJS.ProcessEnv = process.env): GatewayConfig =>
  loadConfig('gateway', schema, e);
