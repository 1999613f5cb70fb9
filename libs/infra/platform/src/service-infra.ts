// The infrastructure every Nest service wires alike: its own database pool (injectable as
// PG_POOL, closed on shutdown) and the ops surface (/health, /metrics) probing that
// database, Kafka and the chain. An app spreads these into its root module's imports.
import type { DynamicModule } from '@nestjs/common';
import type { DependencyCheck } from '@atelier/health';
import { rpcHealthCheck } from '@atelier/chain';
import { kafkaHealthCheck } from '@atelier/kafka';
import { OpsModule, type AppMetrics } from '@atelier/observability';
import { createPool, PgPoolModule, postgresHealthCheck } from '@atelier/persistence';

/** The service variables the probes need (serviceEnv provides them). */
export interface ServiceInfraConfig {
  readonly KAFKA_BROKERS: readonly string[];
  readonly RPC_URL: string;
  readonly CHAIN_ID: number;
}

/**
 * @param app the app's short name; its clients are named `atelier-<app>` in pg and Kafka
 * @param databaseUrl the app's own database
 * @param checks the app's own readiness checks (its background loops), beside the dependencies'
 */
export function serviceInfraModules(
  app: string,
  databaseUrl: string,
  { config, metrics }: { readonly config: ServiceInfraConfig; readonly metrics: AppMetrics },
  checks: readonly DependencyCheck[] = [],
): DynamicModule[] {
  const pool = createPool(databaseUrl, `atelier-${app}`);
  return [
    PgPoolModule.forRoot(pool),
    OpsModule.forRoot({
      metrics,
      checks: [
        postgresHealthCheck(pool),
        kafkaHealthCheck(config.KAFKA_BROKERS, `atelier-${app}-health`),
        rpcHealthCheck(config.RPC_URL, config.CHAIN_ID),
        ...checks,
      ],
    }),
  ];
}
