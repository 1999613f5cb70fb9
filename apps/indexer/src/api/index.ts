// The indexer's HTTP surface. Ponder itself serves /health (liveness), /ready (historical
// sync done), /status and /metrics; we add /health/ready, which also checks the parts
// the indexer and its relay depend on (PostgreSQL, the RPC, Kafka), and GraphQL.
import { Hono } from 'hono';
import { sql } from 'ponder';
import { db } from 'ponder:api';
import schema from 'ponder:schema';
import { graphql } from 'ponder';
import { rpcHealthCheck } from '@atelier/chain';
import { runChecks, type DependencyCheck } from '@atelier/health';
import { kafkaHealthCheck } from '@atelier/kafka';
import { loadIndexerEnv } from '../../env';

const env = loadIndexerEnv();

const postgres: DependencyCheck = {
  name: 'postgres',
  async check() {
    await db.execute(sql`SELECT 1`);
  },
};

const checks = [
  postgres,
  rpcHealthCheck(env.RPC_URL, env.CHAIN_ID),
  kafkaHealthCheck(env.KAFKA_BROKERS, 'atelier-indexer-health'),
];

const app = new Hono();

app.get('/health/live', (c) =>
  c.json({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) }),
);
app.get('/health/ready', async (c) => {
  const report = await runChecks(checks);
  return c.json(report, report.status === 'ok' ? 200 : 503);
});
app.use('/graphql', graphql({ db, schema }));

export default app;
