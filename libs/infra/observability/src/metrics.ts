// Prometheus metrics: one registry per process with Node's default metrics, a gauge per
// dependency fed by the readiness checks, and HTTP request latency.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface AppMetrics {
  readonly registry: Registry;
  readonly dependencyUp: Gauge<'dependency'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
}

export function createMetrics(app: string): AppMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ app });
  collectDefaultMetrics({ register: registry, prefix: 'atelier_' });
  return {
    registry,
    dependencyUp: new Gauge({
      name: 'atelier_dependency_up',
      help: '1 when the last readiness check of the dependency succeeded, else 0',
      labelNames: ['dependency'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'atelier_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: 'atelier_http_requests_total',
      help: 'HTTP requests served',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
  };
}
