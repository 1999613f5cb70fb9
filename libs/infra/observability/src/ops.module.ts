// The operational surface every Nest app shares: /health/live (the process answers),
// /health and /health/ready (every dependency answers; 503 naming the failing ones),
// /metrics (Prometheus text). Checks time out, so a hung dependency reads as down.
import {
  Catch,
  Controller,
  Get,
  Header,
  Inject,
  Module,
  ServiceUnavailableException,
  UseFilters,
  type ArgumentsHost,
  type DynamicModule,
  type ExceptionFilter,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TerminusModule,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import type { DependencyCheck } from '@atelier/health';
import type { AppMetrics } from './metrics';

export const DEPENDENCY_CHECKS = Symbol('DEPENDENCY_CHECKS');
export const APP_METRICS = Symbol('APP_METRICS');

export interface OpsOptions {
  readonly checks: readonly DependencyCheck[];
  readonly metrics: AppMetrics;
  /** Per-dependency probe timeout. */
  readonly timeoutMs?: number;
}

/**
 * A failing readiness check is a probe result, not an API error: it keeps terminus' body
 * (`{ status, info, error, details }`, which load balancers and the stack scripts read)
 * with 503, where the app's problem+json filter would otherwise answer for it.
 */
@Catch(ServiceUnavailableException)
class ProbeResultFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: ServiceUnavailableException, host: ArgumentsHost): void {
    const response: unknown = host.switchToHttp().getResponse();
    this.adapterHost.httpAdapter.reply(response, exception.getResponse(), exception.getStatus());
  }
}

@Controller()
@UseFilters(ProbeResultFilter)
class OpsController {
  private readonly timeoutMs: number;

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(DEPENDENCY_CHECKS) private readonly checks: readonly DependencyCheck[],
    @Inject(APP_METRICS) private readonly metrics: AppMetrics,
    @Inject('OPS_TIMEOUT') timeoutMs: number,
  ) {
    this.timeoutMs = timeoutMs;
  }

  @Get('health/live')
  live(): { status: 'ok'; uptimeSeconds: number } {
    return { status: 'ok', uptimeSeconds: Math.round(process.uptime()) };
  }

  @Get('health')
  @HealthCheck()
  healthAll() {
    return this.ready();
  }

  @Get('health/ready')
  @HealthCheck()
  ready() {
    return this.health.check(this.checks.map((c) => () => this.probe(c)));
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }

  private async probe(c: DependencyCheck): Promise<HealthIndicatorResult> {
    const result = await this.indicators
      .check(c.name)
      .attempt(async ({ signal }) => (await c.check(signal)) ?? undefined)
      .withTimeout(this.timeoutMs);
    this.metrics.dependencyUp.set({ dependency: c.name }, result[c.name]?.status === 'up' ? 1 : 0);
    return result;
  }
}

@Module({})
export class OpsModule {
  static forRoot(options: OpsOptions): DynamicModule {
    return {
      module: OpsModule,
      imports: [TerminusModule.forRoot({ logger: false, errorLogStyle: 'json' })],
      controllers: [OpsController],
      providers: [
        { provide: DEPENDENCY_CHECKS, useValue: options.checks },
        { provide: APP_METRICS, useValue: options.metrics },
        { provide: 'OPS_TIMEOUT', useValue: options.timeoutMs ?? 3000 },
      ],
      exports: [APP_METRICS],
    };
  }
}
