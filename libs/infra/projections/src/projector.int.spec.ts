// The projection runner against real PostgreSQL and Kafka, in-process: a redelivered or
// republished event changes nothing, a poison message goes to the dead-letter topic with its
// reason while the partition goes on, and the rebuild CLI drops and replays a projection
// from the event store with a final count.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { IHeaders, Kafka } from 'kafkajs';
import { Pool } from 'pg';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { ANY, type JsonObject } from '@atelier/eventsourcing';
import { createKafka, DEAD_LETTER_HEADERS, EnvelopeProducer, ensureTopics } from '@atelier/kafka';
import { HEADERS, marketEnvelopeCodec, type EventEnvelope } from '@atelier/market-messages';
import { toEnvelope } from '@atelier/outbox';
import { repoRoot, waitFor } from '@atelier/testing';
import {
  createProjectionDataSource,
  KafkaProjector,
  ProjectionStore,
  streamCounterProjection,
  type Projection,
} from './index';
import { openTestStore, testEvent, type TestStore } from './testing/store';

const logger = pino({ name: 'projector-int', level: process.env['TEST_LOG_LEVEL'] ?? 'fatal' });
const run = randomUUID().slice(0, 8);
/** Each test gets its own read-model schema (the example projections share one entity table). */
const schemas: string[] = [];
let schema: string;
const storeSchema = `proj_${run}_es`;
const databaseUrl = process.env['GATEWAY_DATABASE_URL']!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let pool: Pool;
let es: TestStore;
let kafka: Kafka;
let producer: EnvelopeProducer<EventEnvelope>;
const topics: string[] = [];
const dataSources: DataSource[] = [];
const projectors: KafkaProjector<EventEnvelope>[] = [];

async function newTopic(name: string): Promise<string> {
  const topic = `int.${run}.${name}`;
  topics.push(topic);
  await ensureTopics(kafka, [{ topic, partitions: 2, replicationFactor: 1 }]);
  return topic;
}

/** Appends `perStream` events to each stream and returns them as envelopes, in log order. */
async function appendAndRead(
  streams: readonly string[],
  perStream: number,
  data: (stream: string, i: number) => JsonObject = (_s, i) => ({ n: i }),
) {
  const { rows } = await pool
    .query<{ p: string | null }>(`SELECT max(position)::text AS p FROM "${storeSchema}".events`)
    .catch(() => ({ rows: [{ p: null }] }));
  const after = BigInt(rows[0]?.p ?? 0);
  for (let i = 0; i < perStream; i++)
    for (const s of streams)
      await es.store.append(s, [testEvent(data(s, i))], { expectedRevision: ANY });
  return (await es.store.readAll({ after, maxCount: 10_000 })).map(toEnvelope);
}

async function projector(
  projection: Projection<EventEnvelope>,
  topic: string,
  groupId: string,
): Promise<{ p: KafkaProjector<EventEnvelope>; ds: DataSource }> {
  const ds = await createProjectionDataSource({
    url: databaseUrl,
    schema,
    projections: [projection],
  });
  dataSources.push(ds);
  const p = new KafkaProjector(
    kafka,
    new ProjectionStore(ds, schema),
    projection,
    {
      topics: [topic],
      groupId,
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 500,
      maxAttempts: 2,
      retryBackoffMs: 10,
    },
    logger,
  );
  projectors.push(p);
  topics.push(p.deadLetterTopic);
  await p.start();
  return { p, ds };
}

async function counters(
  table = 'stream_counters',
): Promise<Record<string, { events: number; last: number; outOfOrder: number }>> {
  const { rows } = await pool.query<{
    stream_name: string;
    events: number;
    last_revision: string;
    out_of_order: number;
  }>(
    `SELECT stream_name, events, last_revision::text, out_of_order FROM "${schema}".${table} ORDER BY stream_name`,
  );
  return Object.fromEntries(
    rows.map((r) => [
      r.stream_name,
      { events: r.events, last: Number(r.last_revision), outOfOrder: r.out_of_order },
    ]),
  );
}

beforeEach(() => {
  schema = `proj_${run}_${schemas.length}`;
  schemas.push(schema);
});

beforeAll(async () => {
  pool = new Pool({ connectionString: databaseUrl, max: 3 });
  es = openTestStore(databaseUrl, storeSchema);
  await es.store.migrate();
  kafka = createKafka({
    clientId: `projector-int-${run}`,
    brokers: process.env['KAFKA_BROKERS']!.split(','),
    logger,
  });
  producer = new EnvelopeProducer(kafka, marketEnvelopeCodec, logger);
  await producer.connect();
});

afterAll(async () => {
  for (const p of projectors) await p.stop();
  for (const ds of dataSources) await ds.destroy();
  await producer.disconnect();
  await es.close();
  for (const s of [...schemas, storeSchema])
    await pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  await pool.end();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
});

it('discards redeliveries: a republished event and a whole partition read again change nothing', async () => {
  const topic = await newTopic('redelivery');
  const events = await appendAndRead(['artwork-r1', 'artwork-r2', 'artwork-r3'], 20);
  await producer.publish(events.map((envelope) => ({ topic, envelope })));
  // A relay that crashed after Kafka's ack republishes its last batch: same events, new offsets.
  await producer.publish(events.slice(-15).map((envelope) => ({ topic, envelope })));

  const projection = streamCounterProjection('counter-redelivery');
  const { p: first, ds } = await projector(projection, topic, `int-${run}-redelivery-a`);
  await waitFor('all 75 messages handled', async () =>
    first.stats.applied + first.stats.duplicates >= 75 ? true : undefined,
  );
  expect(first.stats).toMatchObject({ applied: 60, duplicates: 15, deadLettered: 0, gaps: 0 });
  const expected = {
    'artwork-r1': { events: 20, last: 19, outOfOrder: 0 },
    'artwork-r2': { events: 20, last: 19, outOfOrder: 0 },
    'artwork-r3': { events: 20, last: 19, outOfOrder: 0 },
  };
  expect(await counters()).toEqual(expected);
  // Its progress: every partition's checkpoint + 1, summed: the topic's 75 offsets.
  const store = new ProjectionStore(ds, schema);
  expect(await store.progress('counter-redelivery')).toBe(75n);
  expect(await store.progress('no-such-projection')).toBe(0n);
  await first.stop();

  // A fresh consumer group starts the topic from offset 0: every offset is at or below the checkpoint.
  const { p: second } = await projector(projection, topic, `int-${run}-redelivery-b`);
  await waitFor('the topic read again', async () =>
    second.stats.redelivered >= 75 ? true : undefined,
  );
  expect(second.stats).toMatchObject({ applied: 0, redelivered: 75 });
  expect(await counters()).toEqual(expected);
  expect(await store.progress('counter-redelivery')).toBe(75n);
  await second.stop();
});

it('dead-letters a poison message with its reason, and the partition goes on', async () => {
  const topic = await newTopic('poison');
  const counter = streamCounterProjection('counter-poison');
  const exploding: Projection<EventEnvelope> = {
    ...counter,
    async apply(event, tx) {
      if (event.data['explode']) throw new TypeError('cannot read the price of nothing');
      await counter.apply(event, tx);
    },
  };
  const events = await appendAndRead(['orderbook-0xp'], 6, (_s, i): JsonObject =>
    i === 3 ? { n: i, explode: 1 } : { n: i },
  );
  await producer.publish(events.slice(0, 2).map((envelope) => ({ topic, envelope })));
  await producer.sendRaw([
    {
      topic,
      messages: [
        {
          key: 'orderbook-0xp',
          value: 'not json at all',
          headers: { [HEADERS.eventId]: 'broken' },
        },
      ],
    },
  ]);
  await producer.publish(events.slice(2).map((envelope) => ({ topic, envelope })));

  const { p } = await projector(exploding, topic, `int-${run}-poison`);
  await waitFor('the stream went on', async () =>
    (await counters().catch(() => undefined))?.['orderbook-0xp']?.last === 5 ? true : undefined,
  );
  await sleep(300);
  expect(await counters()).toEqual({ 'orderbook-0xp': { events: 5, last: 5, outOfOrder: 1 } }); // 0,1,2,4,5: 3 skipped
  expect(p.stats).toMatchObject({ applied: 5, deadLettered: 1, gaps: 1 });

  // The dead-letter topic holds both, with reason and origin.
  const dead: Array<{ headers: IHeaders; value: string }> = [];
  const reader = kafka.consumer({ groupId: `int-${run}-dlq-reader`, maxWaitTimeInMs: 100 });
  await reader.connect();
  await reader.subscribe({ topics: [p.deadLetterTopic], fromBeginning: true });
  await reader.run({
    eachMessage: async ({ message }) =>
      void dead.push({ headers: message.headers ?? {}, value: message.value!.toString() }),
  });
  await waitFor('2 dead letters', async () => (dead.length >= 2 ? true : undefined));
  await reader.disconnect();
  const h = (i: number, name: string) => dead[i]!.headers[name]?.toString();
  expect(h(0, DEAD_LETTER_HEADERS.errorCode)).toBe('ENVELOPE.NOT_JSON');
  expect(h(0, DEAD_LETTER_HEADERS.originalOffset)).toBe('2');
  expect(dead[0]!.value).toBe('not json at all');
  expect(h(1, DEAD_LETTER_HEADERS.errorCode)).toBe('HANDLER.FAILED');
  expect(h(1, DEAD_LETTER_HEADERS.error)).toBe('TypeError: cannot read the price of nothing');
  expect(h(1, DEAD_LETTER_HEADERS.originalTopic)).toBe(topic);
  expect(h(1, DEAD_LETTER_HEADERS.originalOffset)).toBe('4');
  expect(h(1, DEAD_LETTER_HEADERS.attempts)).toBe('2');
  expect(h(1, DEAD_LETTER_HEADERS.group)).toBe(`int-${run}-poison`);
  expect(h(1, HEADERS.eventId)).toBe(events[3]!.eventId);
  await p.stop();
});

it('rebuild drops the read model and replays the event store from position 0, with a final count', async () => {
  // The live projection, then damage it: a lost row and a wrong count.
  const topic = await newTopic('rebuild');
  const streams = Array.from({ length: 10 }, (_, i) => `artwork-b${i}`);
  const events = await appendAndRead(streams, 30);
  await producer.publish(events.map((envelope) => ({ topic, envelope })));
  const { p } = await projector(streamCounterProjection(), topic, `int-${run}-rebuild`);
  await waitFor('projected', async () => (p.stats.applied >= 300 ? true : undefined));
  await p.stop();
  const before = await counters();
  await pool.query(`DELETE FROM "${schema}".stream_counters WHERE stream_name = 'artwork-b0'`);
  await pool.query(
    `UPDATE "${schema}".stream_counters SET events = 999 WHERE stream_name = 'artwork-b1'`,
  );
  await pool.query(`INSERT INTO "${schema}".stream_counters VALUES ('ghost-1', 1, 0, 0)`);

  const total = (await es.store.readAll({ maxCount: 100_000 })).length; // earlier tests' events are in the log too
  const cli = spawnSync(
    process.execPath,
    [
      '-r',
      '@swc-node/register',
      resolve(__dirname, 'cli/rebuild.ts'),
      '--catalog',
      resolve(__dirname, 'testing/catalog.fixture.ts'),
      '--projection',
      'stream-counter',
      '--batch-size',
      '100',
    ],
    {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        ...process.env,
        PROJECTIONS_DATABASE_URL: databaseUrl,
        PROJECTIONS_SCHEMA: schema,
        EVENT_STORE_DATABASE_URL: databaseUrl,
        EVENT_STORE_SCHEMA: storeSchema,
      },
    },
  );
  expect(cli.stderr).toContain('stream-counter [');
  expect(cli.status).toBe(0);
  expect(cli.stdout).toMatch(
    new RegExp(
      `^rebuilt stream-counter: ${total} events replayed, ${total} applied, 0 duplicates skipped, up to position \\d+, in [\\d.]+ s \\(\\d+ events/s\\)\\n$`,
    ),
  );

  const after = await counters();
  expect(Object.keys(after)).not.toContain('ghost-1');
  for (const s of streams) expect(after[s]).toEqual(before[s]);
  // and the checkpoint sits at the head of the log
  const { rows } = await pool.query<{ position: string }>(
    `SELECT position::text FROM "${schema}".projection_checkpoints WHERE projection = 'stream-counter' AND source = '$all'`,
  );
  expect(BigInt(rows[0]!.position)).toBe(events[events.length - 1]!.globalPosition);

  const usage = spawnSync(
    process.execPath,
    ['-r', '@swc-node/register', resolve(__dirname, 'cli/rebuild.ts')],
    { cwd: repoRoot, encoding: 'utf8' },
  );
  expect(usage.status).toBe(64);
  expect(usage.stderr).toMatch(/--catalog is required/);
});
