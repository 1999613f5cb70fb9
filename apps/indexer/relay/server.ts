// The relay's ops endpoints (plain node:http: no framework in this process).
//   /health/live   the process runs
//   /health/ready  PostgreSQL, Kafka and the RPC answer and the loop is stepping; 503 names what fails
//   /health        the same checks plus the sync status (phase, blocks behind, last published block)
//   /metrics       Prometheus text
import { createServer, type Server } from 'node:http';
import { runChecks, type DependencyCheck } from '@atelier/health';
import type { RelayMetrics } from './metrics';
import type { Relay } from './relay';

export function createOpsServer(
  relay: Relay,
  checks: readonly DependencyCheck[],
  metrics: RelayMetrics,
): Server {
  const readiness = async () => {
    const report = await runChecks(checks);
    for (const [name, s] of Object.entries(report.details))
      metrics.dependencyUp.set({ dependency: name }, s.status === 'up' ? 1 : 0);
    return { ...report, sync: relay.status };
  };
  return createServer((req, res) => {
    const send = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const path = (req.url ?? '/').split('?')[0];
    const handle = async () => {
      switch (path) {
        case '/health/live':
          return send(200, { status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
        case '/health':
        case '/health/ready': {
          const report = await readiness();
          return send(report.status === 'ok' ? 200 : 503, report);
        }
        case '/metrics':
          return send(200, await metrics.registry.metrics(), metrics.registry.contentType);
        default:
          return send(404, {
            status: 'not found',
            routes: ['/health', '/health/live', '/health/ready', '/metrics'],
          });
      }
    };
    handle().catch((e: unknown) => send(500, { status: 'error', message: (e as Error).message }));
  });
}
