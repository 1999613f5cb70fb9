// Root module of the settlement worker: its connections and their health, and the worker
// (worker/) that turns TradeMatched into confirmed settleBatch transactions.
import { Module, type DynamicModule } from '@nestjs/common';
import { readDeployments } from '@atelier/chain';
import { serviceInfraModules, type HttpAppContext } from '@atelier/platform';
import type { SettlementConfig } from './config';
import { WorkerModule } from './worker/worker.module';

@Module({})
export class SettlementModule {
  static async forRoot(ctx: HttpAppContext<SettlementConfig>): Promise<DynamicModule> {
    // Read at start so a missing deployment stops the worker before it takes any work.
    readDeployments(ctx.config.ATELIER_DEPLOYMENTS);
    const worker = await WorkerModule.forRoot(ctx);
    return {
      module: SettlementModule,
      imports: [
        ...serviceInfraModules(
          'settlement',
          ctx.config.SETTLEMENT_DATABASE_URL,
          ctx,
          worker.checks,
        ),
        worker.module,
      ],
    };
  }
}
