// The settlement worker as an HTTP app: its config, port, root module and error table, in
// one place that main.ts starts and specs can boot the same way.
import type { HttpAppSpec } from '@atelier/platform';
import { SettlementModule } from './app.module';
import { loadSettlementConfig, type SettlementConfig } from './config';
import { SETTLEMENT_ERROR_STATUS } from './http-errors';

export const settlementApp: HttpAppSpec<SettlementConfig> = {
  name: 'settlement',
  loadConfig: () => loadSettlementConfig(),
  port: (c) => c.SETTLEMENT_PORT,
  module: (ctx) => SettlementModule.forRoot(ctx),
  errorStatus: SETTLEMENT_ERROR_STATUS,
};
