// The settlement worker booted in process as main.ts boots it (createHttpApp over settlementApp),
// with a configuration of the spec's own (store schema, topics, consumer group, chain), its log
// lines captured (specs assert on them, and that no secret is in them), its stream read back from
// PostgreSQL, and everything it created dropped at the end.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import type { Pool } from 'pg';
import { PostgresEventStore } from '@atelier/event-store';
import { EventSourcedRepository, type RecordedEvent } from '@atelier/eventsourcing';
import { createHttpApp } from '@atelier/platform';
import {
  settlementAggregate,
  settlementId,
  type SettlementState,
} from '@atelier/settlement-domain';
import { loadSettlementConfig } from '../../src/config';
import { settlementApp } from '../../src/settlement.app';
import { until } from './private-anvil';

export interface WorkerHarness {
  readonly app: NestFastifyApplication;
  readonly base: string;
  readonly schema: string;
  readonly marketTopic: string;
  /** Every log line the worker wrote (raw JSON text). */
  readonly logs: string[];
  state(operator: string): Promise<SettlementState>;
  events(operator: string): Promise<RecordedEvent[]>;
  close(): Promise<void>;
}

/**
 * Boots a worker. `name` keeps schema, topics and group apart from other specs; `env` overrides
 * (RPC_URL, ATELIER_DEPLOYMENTS, SETTLEMENT_* ...) go over the test stack's environment.
 */
export async function startWorker(
  pool: Pool,
  name: string,
  env: Record<string, string>,
): Promise<WorkerHarness> {
  const id = randomBytes(4).toString('hex');
  const schema = `es_settle_${name}_${id}`;
  const prefix = `int.settle.${name}.${id}`;
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const logger = pino({ level: env['LOG_LEVEL'] ?? 'info' }, sink);
  const config = loadSettlementConfig({
    ...process.env,
    EVENT_STORE_SCHEMA: schema,
    SETTLEMENT_BATCH_SIZE: '50',
    SETTLEMENT_BATCH_WINDOW_MS: '300',
    SETTLEMENT_CONFIRMATIONS: '1',
    SETTLEMENT_POLL_MS: '100',
    // Specs without an indexer relay confirm by receipt; the chain-facts spec overrides it.
    SETTLEMENT_CONFIRM_FROM: 'receipt',
    SETTLEMENT_MARKET_TOPIC_PREFIX: `${prefix}.market`,
    SETTLEMENT_TOPIC_PREFIX: `${prefix}.settlement`,
    SETTLEMENT_GROUP: prefix,
    SETTLEMENT_TOPIC_PARTITIONS: '1',
    LOG_LEVEL: 'info',
    ...env,
  });
  const { app } = await createHttpApp(settlementApp, config, logger);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  await until(
    'the settlement consumer',
    async () => {
      const h = (await (await fetch(`${base}/health`)).json()) as {
        details?: { settlement?: { states?: { consumer?: string } } };
      };
      return h.details?.settlement?.states?.consumer === 'running' ? true : undefined;
    },
    60_000,
  );
  const store = new PostgresEventStore({ pool, schema, listen: false });
  return {
    app,
    base,
    schema,
    marketTopic: `${config.SETTLEMENT_MARKET_TOPIC_PREFIX}.market`,
    logs,
    state: async (operator) =>
      (await new EventSourcedRepository(settlementAggregate, store).load(settlementId(operator)))
        .state,
    events: (operator) =>
      store.readStream(
        new EventSourcedRepository(settlementAggregate, store).streamName(settlementId(operator)),
      ),
    close: async () => {
      await app.close();
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    },
  };
}
