// Settlement worker entry point: batches matched trades and settles them on chain.
import { runHttpApp } from '@atelier/platform';
import { SettlementModule } from './app.module';
import { loadSettlementConfig } from './config';

void runHttpApp({
  name: 'settlement',
  loadConfig: () => loadSettlementConfig(),
  port: (c) => c.SETTLEMENT_PORT,
  module: (ctx) => SettlementModule.forRoot(ctx),
});
