// Request latency and count per route, recorded from Fastify's own hooks so every
// controller is covered without decorating it.
import type { AppMetrics } from './metrics';

interface FastifyLike {
  addHook(
    name: 'onResponse',
    hook: (
      req: { method: string; routeOptions?: { url?: string } },
      reply: { statusCode: number; elapsedTime: number },
    ) => Promise<void>,
  ): unknown;
}

export function instrumentFastify(fastify: FastifyLike, metrics: AppMetrics): void {
  fastify.addHook('onResponse', async (req, reply) => {
    const labels = {
      method: req.method,
      route: req.routeOptions?.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    metrics.httpRequests.inc(labels);
  });
}
