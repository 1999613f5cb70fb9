// The settlement worker's configuration: the shared service variables plus its own port
// and database (its own event-sourced state lives there).
import { z } from 'zod';
import { env, loadConfig } from '@atelier/config';
import { serviceEnv } from '@atelier/platform';

const schema = z.object({
  ...serviceEnv,
  SETTLEMENT_PORT: env
    .port(3100)
    .describe('HTTP port of the settlement worker (health and metrics)'),
  SETTLEMENT_DATABASE_URL: env
    .url()
    .describe('postgres:// URL of the settlement database (infra/postgres/ensure.ts creates it)'),
});

export type SettlementConfig = z.infer<typeof schema>;
export const loadSettlementConfig = (e: NodeJS.ProcessEnv = process.env): SettlementConfig =>
  loadConfig('settlement', schema, e);
