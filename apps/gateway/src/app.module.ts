// Root module of the gateway: wires the infrastructure the HTTP edge depends on.
// Domain modules (orders, artworks, royalties) plug in here as their issues land.
import { Controller, Get, Inject, Module, type DynamicModule } from '@nestjs/common';
import { readDeployments, rpcHealthCheck, type Deployments } from '@atelier/chain';
import { kafkaHealthCheck } from '@atelier/kafka';
import { OpsModule } from '@atelier/observability';
import { createPool, PgPoolModule, postgresHealthCheck } from '@atelier/persistence';
import type { HttpAppContext } from '@atelier/platform';
import type { GatewayConfig } from './config';

const DEPLOYMENTS = Symbol('DEPLOYMENTS');

/** Where the contracts live, for frontends and market makers that sign orders. */
@Controller('v1')
class ChainController {
  constructor(@Inject(DEPLOYMENTS) private readonly deployments: Deployments) {}

  @Get('deployments')
  get(): Deployments {
    return this.deployments;
  }
}

@Module({})
export class GatewayModule {
  static forRoot({ config, metrics }: HttpAppContext<GatewayConfig>): DynamicModule {
    const deployments = readDeployments(config.ATELIER_DEPLOYMENTS);
    const pool = createPool(config.GATEWAY_DATABASE_URL, 'atelier-gateway');
    return {
      module: GatewayModule,
      imports: [
        PgPoolModule.forRoot(pool),
        OpsModule.forRoot({
          metrics,
          checks: [
            postgresHealthCheck(pool),
            kafkaHealthCheck(config.KAFKA_BROKERS, 'atelier-gateway-health'),
            rpcHealthCheck(config.RPC_URL, config.CHAIN_ID),
          ],
        }),
      ],
      controllers: [ChainController],
      providers: [{ provide: DEPLOYMENTS, useValue: deployments }],
    };
  }
}
