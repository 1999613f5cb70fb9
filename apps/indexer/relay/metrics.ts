// The relay's Prometheus metrics (its own registry; Ponder serves its own at the indexer
// port): throughput, lag in blocks and seconds, the ledger, and dependency health.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createRelayMetrics() {
  const registry = new Registry();
  registry.setDefaultLabels({ app: 'indexer-relay' });
  collectDefaultMetrics({ register: registry, prefix: 'atelier_' });
  const registers = [registry];
  return {
    registry,
    published: new Counter({
      name: 'atelier_relay_messages_published_total',
      help: 'chain.* messages acknowledged by Kafka, by topic and kind (fact | retracted)',
      labelNames: ['topic', 'kind'] as const,
      registers,
    }),
    batchDuration: new Histogram({
      name: 'atelier_relay_step_duration_seconds',
      help: 'one relay step: read a snapshot, send, commit',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    liveLatency: new Histogram({
      name: 'atelier_relay_live_latency_seconds',
      help: 'from the block timestamp to the Kafka acknowledgement, for facts published while live (1 s resolution of block time)',
      buckets: [0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 120],
      registers,
    }),
    stepErrors: new Counter({
      name: 'atelier_relay_step_errors_total',
      help: 'relay steps that failed (retried with backoff)',
      registers,
    }),
    chainHead: new Gauge({
      name: 'atelier_relay_chain_head_block',
      help: 'head block reported by the RPC',
      registers,
    }),
    indexedBlock: new Gauge({
      name: 'atelier_relay_indexed_block',
      help: 'highest block Ponder has fully indexed',
      registers,
    }),
    finalizedBlock: new Gauge({
      name: 'atelier_relay_finalized_block',
      help: 'Ponder’s finalized block',
      registers,
    }),
    publishedThrough: new Gauge({
      name: 'atelier_relay_published_through_block',
      help: 'every fact at or below this block has been published',
      registers,
    }),
    lagBlocks: new Gauge({
      name: 'atelier_relay_lag_blocks',
      help: 'chain head minus published-through block (includes the confirmation depth)',
      registers,
    }),
    live: new Gauge({
      name: 'atelier_relay_live',
      help: '1 when the relay is caught up with a live Ponder, 0 during the backfill',
      registers,
    }),
    ledger: new Gauge({
      name: 'atelier_relay_ledger_rows',
      help: 'facts a reorg could still drop, by state',
      labelNames: ['state'] as const,
      registers,
    }),
    dependencyUp: new Gauge({
      name: 'atelier_dependency_up',
      help: '1 when the last readiness check of the dependency succeeded, else 0',
      labelNames: ['dependency'] as const,
      registers,
    }),
  };
}

export type RelayMetrics = ReturnType<typeof createRelayMetrics>;
