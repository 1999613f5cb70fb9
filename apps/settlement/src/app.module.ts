// Root module of the settlement worker. Batching and submission of matched trades plug in
// here (issue: settlement); for now it owns its connections and reports their health.
import { Module, type DynamicModule } from '@nestjs/common';
import { readDeployments, rpcHealthCheck } from '@atelier/chain';
import { kafkaHealthCheck } from '@atelier/kafka';
import { OpsModule } from '@atelier/observability';
import { createPool, PgPoolModule, postgresHealthCheck } from '@atelier/persistence';
import type { HttpAppContext } from '@atelier/platform';
import type { SettlementConfig } from './config';

@Module({})
export class SettlementModule {
  static forRoot({ config, metrics }: HttpAppContext<SettlementConfig>): DynamicModule {
    // Read at start so a missing deployment stops the worker before it takes any work.
    readDeployments(config.ATELIER_DEPLOYMENTS);
    const pool = createPool(config.SETTLEMENT_DATABASE_URL, 'atelier-settlement');
    return {
      module: SettlementModule,
      imports: [
        PgPoolModule.forRoot(pool),
        OpsModule.forRoot({
          metrics,
          checks: [
            postgresHealthCheck(pool),
            kafkaHealthCheck(config.KAFKA_BROKERS, 'atelier-settlement-health'),
            rpcHealthCheck(config.RPC_URL, config.CHAIN_ID),
          ],
        }),
      ],
    };
  }
}
