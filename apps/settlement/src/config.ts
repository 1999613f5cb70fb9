// The settlement worker's configuration: the shared service variables plus its own port
// and database (its own event-sourced state lives there).
import { serviceConfig } from '@atelier/platform';

const settlementConfig = serviceConfig({
  app: 'settlement',
  prefix: 'SETTLEMENT',
  port: { default: 3100, describe: 'HTTP port of the settlement worker (health and metrics)' },
});

export type SettlementConfig = ReturnType<typeof settlementConfig.load>;
export const loadSettlementConfig = settlementConfig.load;
