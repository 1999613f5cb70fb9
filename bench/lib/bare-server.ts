// The baseline of bench:api: a bare Fastify server (no Nest, no guard, no validation, no SQL)
// answering each route with a JSON body held in memory, the same bytes the gateway answered
// for it. Run as its own process (the gateway runs in another, the load generator in the
// bench), so neither shares an event loop with the load. usage: tsx bare-server.ts <routes.json>
// where the file holds { port, routes: [{ method, url, body }] }; prints `listening <port>`.
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

interface Route {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly body: string;
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: bare-server.ts <routes.json>');
  const { port, routes } = JSON.parse(readFileSync(file, 'utf8')) as {
    port: number;
    routes: Route[];
  };
  const app = Fastify({ logger: false });
  for (const r of routes)
    app.route({
      method: r.method,
      url: r.url,
      handler: async (_req, reply) =>
        reply.header('content-type', 'application/json; charset=utf-8').send(r.body),
    });
  await app.listen({ port, host: '127.0.0.1' });
  process.stdout.write(`listening ${port}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
