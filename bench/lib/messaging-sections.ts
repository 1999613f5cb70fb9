// Messaging benchmark sections, run by bench/eventstore.ts: how fast the outbox relay moves
// the event store's log to Kafka, and how fast projections apply it (live from Kafka, and
// in a rebuild from the store). Each figure has a baseline measured in the same run on the
// same data, so the ratio shows the cost of our layer, not the machine:
// - relay vs a bare kafkajs producer sending the same messages with the same guarantees
//   (idempotent, one request in flight, acks=-1, same batch size);
// - projector and rebuild vs the same number of bare single-row INSERTs in transactions of
//   the same size (what the example projection's one upsert per event costs on its own).
// BENCH_MESSAGING_EVENTS sets the size (default 50 000).
import { randomUUID } from 'node:crypto';
import { Partitioners, type Kafka, type Message } from 'kafkajs';
import { Pool } from 'pg';
import pino from 'pino';
import { PostgresEventStore } from '@atelier/event-store';
import { ANY, type NewEvent } from '@atelier/eventsourcing';
import { createKafka, ensureTopics, toKafkaMessage } from '@atelier/kafka';
import {
  categoryOf,
  marketEnvelopeCodec,
  marketRoutes,
  marketTopic,
} from '@atelier/market-messages';
import { OutboxRelay, OutboxRelayCheckpoints, toEnvelope } from '@atelier/outbox';
import {
  createProjectionDataSource,
  KafkaProjector,
  ProjectionStore,
  rebuildProjection,
  streamCounterProjection,
} from '@atelier/projections';
import type { StackEnv } from '@atelier/testing';
import { round, timed, type BenchRow } from './harness';

export interface BenchSection {
  readonly name: string;
  run(env: StackEnv): Promise<BenchRow[]>;
}

const EVENTS = Number(process.env['BENCH_MESSAGING_EVENTS'] ?? 50_000);
const STREAMS = 500;
/** The two stream categories of the fixture, each routed to its own topic. */
const CATEGORIES = ['artwork', 'orderbook'];
const BATCH = 1000; // relay read/publish batch and projector/rebuild chunk
const PARTITIONS = 6;
const logger = pino({ name: 'bench-messaging', level: process.env['BENCH_LOG_LEVEL'] ?? 'warn' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const event = (n: number): NewEvent => ({
  id: randomUUID(),
  type: 'TradeMatched',
  schemaVersion: 1,
  // about the size of a real trade: ids, addresses, amounts as decimal strings
  data: {
    n,
    price: '1250000000',
    amount: '3',
    maker: `0x${'ab'.repeat(20)}`,
    taker: `0x${'cd'.repeat(20)}`,
    orderHash: `0x${'ef'.repeat(32)}`,
  },
  metadata: {
    correlationId: randomUUID(),
    causationId: null,
    actor: 'system:bench',
    occurredAt: new Date().toISOString(),
  },
});

interface Fixture {
  readonly pool: Pool;
  readonly store: PostgresEventStore;
  readonly schema: string;
  readonly kafka: Kafka;
  readonly run: string;
  readonly topics: Set<string>;
  close(): Promise<void>;
}

/** A store in its own schema holding EVENTS events over STREAMS streams of two categories. */
async function fixture(env: StackEnv): Promise<Fixture> {
  const run = randomUUID().slice(0, 8);
  const schema = `bench_msg_${run}`;
  const pool = new Pool({
    connectionString: env.GATEWAY_DATABASE_URL,
    max: 8,
    application_name: 'bench-messaging',
  });
  const store = new PostgresEventStore({ pool, schema, listen: false, notify: false });
  await store.migrate();
  const perStream = Math.ceil(EVENTS / STREAMS);
  const streams = Array.from({ length: STREAMS }, (_, i) =>
    i % 2 ? `orderbook-0x${i.toString(16)}` : `artwork-${i}`,
  );
  // 8 appenders in parallel, 100 events per append: setup, not measured
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let s = next++; s < streams.length; s = next++) {
        for (let done = 0; done < perStream; done += 100) {
          const count = Math.min(100, perStream - done);
          await store.append(
            streams[s]!,
            Array.from({ length: count }, (_, i) => event(done + i)),
            { expectedRevision: ANY },
          );
        }
      }
    }),
  );
  const kafka = createKafka({
    clientId: `bench-messaging-${run}`,
    brokers: env.KAFKA_BROKERS.split(','),
    logger,
  });
  const topics = new Set<string>();
  return {
    pool,
    store,
    schema,
    kafka,
    run,
    topics,
    async close() {
      await store.close();
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [...topics] }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

async function readLog(f: Fixture) {
  const all = [];
  for (let after = 0n; ;) {
    const batch = await f.store.readAll({ after, maxCount: 10_000 });
    if (batch.length === 0) return all;
    all.push(...batch);
    after = batch[batch.length - 1]!.position;
  }
}

/** Bare kafkajs with the relay's guarantees, sending the relay's exact messages. */
async function rawProducerRate(f: Fixture, prefix: string): Promise<number> {
  const messages: Array<{ topic: string; message: Message }> = (await readLog(f)).map((e) => {
    const envelope = toEnvelope(e);
    return {
      topic: marketTopic(categoryOf(e.streamName), prefix),
      message: toKafkaMessage(marketEnvelopeCodec, envelope),
    };
  });
  const topicNames = [...new Set(messages.map((m) => m.topic))];
  topicNames.forEach((t) => f.topics.add(t));
  await ensureTopics(
    f.kafka,
    topicNames.map((topic) => ({ topic, partitions: PARTITIONS, replicationFactor: 1 })),
  );
  const producer = f.kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    const { seconds } = await timed(async () => {
      for (let i = 0; i < messages.length; i += BATCH) {
        const byTopic = new Map<string, Message[]>();
        for (const m of messages.slice(i, i + BATCH))
          byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), m.message]);
        await producer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })),
        });
      }
    });
    return messages.length / seconds;
  } finally {
    await producer.disconnect();
  }
}

async function relayRate(f: Fixture, prefix: string): Promise<number> {
  const routes = marketRoutes(CATEGORIES, prefix);
  for (const topic of Object.values(routes)) f.topics.add(topic);
  const relay = new OutboxRelay(
    {
      source: f.store,
      kafka: f.kafka,
      checkpoints: new OutboxRelayCheckpoints(
        { connection: f.pool.options, schema: f.schema },
        logger,
      ),
      logger,
    },
    {
      name: `bench-${prefix}`,
      batchSize: BATCH,
      pollIntervalMs: 5,
      routes,
      topics: { partitions: PARTITIONS, replicationFactor: 1 },
    },
  );
  const { rows } = await f.pool.query<{ n: string }>(
    `SELECT max(position)::text AS n FROM "${f.schema}".events`,
  );
  const head = BigInt(rows[0]!.n);
  const { seconds } = await timed(async () => {
    const running = relay.run();
    while (relay.status().position !== head) await sleep(2);
    await relay.stop();
    await running;
  });
  return relay.status().published / seconds;
}

/** The example projection's cost on its own: one single-row INSERT per event, BATCH per transaction. */
async function rawInsertRate(f: Fixture, count: number): Promise<number> {
  const table = `"${f.schema}".raw_insert_baseline`;
  await f.pool.query(
    `CREATE TABLE ${table} (stream_name text PRIMARY KEY, events integer NOT NULL, last_revision bigint NOT NULL)`,
  );
  const client = await f.pool.connect();
  try {
    const { seconds } = await timed(async () => {
      for (let i = 0; i < count; i += BATCH) {
        await client.query('BEGIN');
        for (let j = i; j < Math.min(count, i + BATCH); j++) {
          await client.query(
            `INSERT INTO ${table} (stream_name, events, last_revision) VALUES ($1, 1, $2)`,
            [`s-${j}`, j],
          );
        }
        await client.query('COMMIT');
      }
    });
    return count / seconds;
  } finally {
    client.release();
  }
}

const relaySection: BenchSection = {
  name: 'outbox relay to Kafka',
  async run(env) {
    const f = await fixture(env);
    try {
      const raw = await rawProducerRate(f, `bench.${f.run}.raw.market`);
      const relay = await relayRate(f, `bench.${f.run}.relay.market`);
      return [
        {
          figure: `outbox relay: store log to Kafka (${EVENTS} events, batch ${BATCH})`,
          value: round(relay, 0),
          unit: 'msg/s',
          baseline: {
            figure: 'bare kafkajs sendBatch, same messages, idempotent acks=-1',
            value: round(raw, 0),
          },
          goal: 'ratio near 1: reading the log and checkpointing cost little next to the broker',
        },
      ];
    } finally {
      await f.close();
    }
  },
};

const projectionSection: BenchSection = {
  name: 'projections',
  async run(env) {
    const f = await fixture(env);
    const readModels = `${f.schema}_rm`;
    const projection = streamCounterProjection('bench-counter');
    const ds = await createProjectionDataSource({
      url: env.GATEWAY_DATABASE_URL,
      schema: readModels,
      projections: [projection],
      poolSize: 4,
    });
    try {
      const baseline = round(await rawInsertRate(f, EVENTS), 0);
      const projectionStore = new ProjectionStore(ds, readModels);

      const rebuilt = await rebuildProjection(projectionStore, projection, f.store, {
        batchSize: BATCH,
      });
      const rows: BenchRow[] = [
        {
          figure: `projection rebuild from the store (${rebuilt.events} events, chunk ${BATCH})`,
          value: round(rebuilt.events / rebuilt.seconds, 0),
          unit: 'events/s',
          baseline: {
            figure: `bare single-row INSERTs, ${BATCH} per transaction`,
            value: baseline,
          },
          goal: 'ratio near 1: checkpoints and dedupe cost little next to the read model writes',
        },
      ];

      // Live: the relay fills topics, then a fresh projector consumes them (timed from its first applied event).
      const prefix = `bench.${f.run}.live.market`;
      await relayRate(f, prefix);
      const live = streamCounterProjection('bench-counter-live');
      const liveDs = await createProjectionDataSource({
        url: env.GATEWAY_DATABASE_URL,
        schema: readModels,
        projections: [live],
        poolSize: 4,
      });
      const projector = new KafkaProjector(
        f.kafka,
        new ProjectionStore(liveDs, readModels),
        live,
        {
          topics: [...f.topics].filter((t) => t.startsWith(prefix)),
          groupId: `bench-${f.run}`,
          chunkSize: BATCH,
          heartbeatIntervalMs: 1000,
        },
        logger,
      );
      f.topics.add(projector.deadLetterTopic);
      try {
        await projector.start();
        while (projector.stats.applied === 0) await sleep(1);
        const started = process.hrtime.bigint();
        const first = projector.stats.applied;
        while (projector.stats.applied < EVENTS) await sleep(5);
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        rows.push({
          figure: `projector from Kafka (${EVENTS} events, ${PARTITIONS} partitions x 2 topics, chunk ${BATCH})`,
          value: round((EVENTS - first) / seconds, 0),
          unit: 'events/s',
          baseline: {
            figure: `bare single-row INSERTs, ${BATCH} per transaction`,
            value: baseline,
          },
        });
      } finally {
        await projector.stop();
        await liveDs.destroy();
      }
      return rows;
    } finally {
      await ds.destroy();
      await f.pool.query(`DROP SCHEMA IF EXISTS "${readModels}" CASCADE`);
      await f.close();
    }
  },
};

export const messagingSections: Array<{ name: string; run(env: StackEnv): Promise<BenchRow[]> }> = [
  relaySection,
  projectionSection,
];
