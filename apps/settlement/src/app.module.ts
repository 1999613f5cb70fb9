// Root module of the settlement worker. Batching and submission of matched trades plug in
// here (issue: settlement); for now it owns its connections and reports their health.
import { Module, type DynamicModule } from '@nestjs/common';
import { readDeployments } from '@atelier/chain';
import { serviceInfraModules, type HttpAppContext } from '@atelier/platform';
import type { SettlementConfig } from './config';

@Module({})
export class SettlementModule {
  static forRoot(ctx: HttpAppContext<SettlementConfig>): DynamicModule {
    // Read at start so a missing deployment stops the worker before it takes any work.
    readDeployments(ctx.config.ATELIER_DEPLOYMENTS);
    return {
      module: SettlementModule,
      imports: serviceInfraModules('settlement', ctx.config.SETTLEMENT_DATABASE_URL, ctx),
    };
  }
}
