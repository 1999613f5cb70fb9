// The Kafka adapter against the real broker: topics created on purpose, typed envelopes in
// key order, a handler slower than the session timeout that keeps its partitions, poison
// messages dead-lettered with their reason while the partition goes on, and a stop that
// finishes the in-flight message without losing or repeating it.
import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka } from 'kafkajs';
// The market envelope serves as the concrete format: the library itself knows none.
import { HEADERS, marketEnvelopeCodec, type EventEnvelope } from '@atelier/market-messages';
import pino from 'pino';
import { waitFor } from '@atelier/testing';
import {
  createKafka,
  DEAD_LETTER_HEADERS,
  EnvelopeConsumer,
  EnvelopeProducer,
  ensureTopics,
  KafkaError,
  type Delivery,
  type EnvelopeConsumerOptions,
} from './index';

// pino directly: the observability barrel pulls in NestJS, which is ESM-only and jest runs CommonJS.
const logger = pino({ name: 'kafka-int', level: process.env['TEST_LOG_LEVEL'] ?? 'fatal' });
const brokers = (process.env['KAFKA_BROKERS'] ?? '').split(',');
const run = randomUUID().slice(0, 8);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let kafka: Kafka;
let producer: EnvelopeProducer<EventEnvelope>;
const consumers: EnvelopeConsumer<EventEnvelope>[] = [];
const topics: string[] = [];

const envelope = (
  streamName: string,
  revision: number,
  data: Record<string, unknown> = {},
): EventEnvelope => ({
  eventId: randomUUID(),
  type: 'CounterIncremented',
  version: 1,
  streamName,
  streamRevision: BigInt(revision),
  globalPosition: BigInt(revision),
  occurredAt: new Date(),
  correlationId: null,
  causationId: null,
  data,
  metadata: {},
});

const newTopic = async (name: string, partitions = 3): Promise<string> => {
  const topic = `int.${run}.${name}`;
  topics.push(topic);
  await ensureTopics(kafka, [{ topic, partitions, replicationFactor: 1 }]);
  return topic;
};

const consumer = (
  groupSuffix: string,
  topic: string,
  extra: Partial<EnvelopeConsumerOptions> = {},
) => {
  const c = new EnvelopeConsumer(
    kafka,
    marketEnvelopeCodec,
    {
      groupId: `int-${run}-${groupSuffix}`,
      topics: [topic],
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 500,
      ...extra,
    },
    logger,
  );
  consumers.push(c);
  topics.push(c.deadLetterTopic);
  return c;
};

/** Every message of a topic, read by a throwaway group. */
async function readTopic(
  topic: string,
  expected: number,
): Promise<Array<{ key: string | null; value: string | null; headers: IHeaders }>> {
  const seen: Array<{ key: string | null; value: string | null; headers: IHeaders }> = [];
  const c = kafka.consumer({ groupId: `int-${run}-reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await c.connect();
  await c.subscribe({ topics: [topic], fromBeginning: true });
  await c.run({
    eachMessage: async ({ message }) => {
      seen.push({
        key: message.key?.toString() ?? null,
        value: message.value?.toString() ?? null,
        headers: message.headers ?? {},
      });
    },
  });
  try {
    await waitFor(
      `${expected} messages on ${topic}`,
      async () => (seen.length >= expected ? true : undefined),
      { timeoutMs: 20_000 },
    );
    await sleep(300); // would show a surplus
    return seen;
  } finally {
    await c.disconnect();
  }
}

const header = (h: IHeaders, name: string) => h[name]?.toString();

beforeAll(async () => {
  kafka = createKafka({ clientId: `kafka-int-${run}`, brokers, logger });
  producer = new EnvelopeProducer(kafka, marketEnvelopeCodec, logger);
  await producer.connect();
});

afterAll(async () => {
  await Promise.all(consumers.map((c) => c.stop()));
  await producer.disconnect();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [...new Set(topics)] }).catch(() => undefined);
  await admin.disconnect();
});

describe('ensureTopics (real broker)', () => {
  it('lets processes racing to create one topic all go on (the losers wait for its metadata)', async () => {
    const topic = `int.${run}.race`;
    topics.push(topic);
    const spec = { topic, partitions: 3, replicationFactor: 1 };
    const results = await Promise.all(Array.from({ length: 4 }, () => ensureTopics(kafka, [spec])));
    expect(results.filter((r) => r.created.length === 1).length).toBeGreaterThanOrEqual(1);
    for (const r of results) expect([...r.created, ...r.existing]).toEqual([topic]);
  });

  it('creates a topic once with the declared partitions and refuses a different count', async () => {
    const topic = `int.${run}.ensure`;
    topics.push(topic);
    const spec = {
      topic,
      partitions: 4,
      replicationFactor: 1,
      config: { 'retention.ms': '3600000' },
    };
    expect(await ensureTopics(kafka, [spec])).toEqual({ created: [topic], existing: [] });
    expect(await ensureTopics(kafka, [spec])).toEqual({ created: [], existing: [topic] });
    const error = await ensureTopics(kafka, [{ ...spec, partitions: 6 }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KafkaError);
    expect(error).toMatchObject({
      code: 'KAFKA.TOPIC_PARTITIONS_MISMATCH',
      details: { expected: 6, actual: 4 },
    });
  });
});

describe('EnvelopeConsumer (real broker)', () => {
  it('delivers typed envelopes keyed by stream, each stream in order, with the event id in a header', async () => {
    const topic = await newTopic('order');
    const streams = ['artwork-a', 'artwork-b', 'artwork-c', 'artwork-d'];
    const sent = streams.flatMap((s) => Array.from({ length: 25 }, (_, i) => envelope(s, i)));
    await producer.publish(sent.map((e) => ({ topic, envelope: e })));

    const got = new Map<string, bigint[]>();
    const headerIds: string[] = [];
    await consumer('order', topic, { chunkSize: 7 }).start({
      eachMessage: async (d: Delivery<EventEnvelope>) => {
        expect(d.key).toBe(d.envelope.streamName);
        headerIds.push(header(d.headers, HEADERS.eventId)!);
        got.set(d.envelope.streamName, [
          ...(got.get(d.envelope.streamName) ?? []),
          d.envelope.streamRevision,
        ]);
      },
    });
    await waitFor('100 deliveries', async () => (headerIds.length >= 100 ? true : undefined));
    for (const s of streams)
      expect(got.get(s)).toEqual(Array.from({ length: 25 }, (_, i) => BigInt(i)));
    expect(new Set(headerIds)).toEqual(new Set(sent.map((e) => e.eventId)));
  });

  it('keeps its partitions through a handler slower than the session timeout (a plain kafkajs consumer loses them)', async () => {
    const topic = await newTopic('slow', 1);
    await producer.publish([
      { topic, envelope: envelope('slow-1', 0) },
      { topic, envelope: envelope('slow-1', 1) },
    ]);
    const slowMs = 7500; // session timeout is 6000

    // Ours: the keeper heartbeats while the handler runs.
    const handled: string[] = [];
    let joins = 0;
    let heartbeatsDuringHandler = 0;
    let inHandler = false;
    const ours = consumer('slow', topic);
    ours.on(ours.events.GROUP_JOIN, () => void joins++);
    ours.on(ours.events.HEARTBEAT, () => void (inHandler && heartbeatsDuringHandler++));
    await ours.start({
      eachMessage: async (d) => {
        if (handled.length === 0) {
          inHandler = true;
          await sleep(slowMs);
          inHandler = false;
        }
        handled.push(d.envelope.eventId);
      },
    });

    // Control: kafkajs eachMessage with the same settings and the same slow first message.
    const control = kafka.consumer({
      groupId: `int-${run}-slow-control`,
      sessionTimeout: 6000,
      heartbeatInterval: 500,
    });
    const controlHandled: string[] = [];
    await control.connect();
    await control.subscribe({ topics: [topic], fromBeginning: true });
    await control.run({
      eachMessage: async ({ message }) => {
        if (controlHandled.length === 0) await sleep(slowMs);
        controlHandled.push(message.offset);
      },
    });

    try {
      await waitFor(
        'both consumers done',
        async () => (handled.length >= 2 && controlHandled.length >= 3 ? true : undefined),
        { timeoutMs: 40_000 },
      );
      await sleep(500);
      expect(handled).toHaveLength(2); // each message once
      expect(joins).toBe(1); // never lost the membership
      expect(heartbeatsDuringHandler).toBeGreaterThanOrEqual(5);
      expect(controlHandled[0]).toBe('0');
      expect(controlHandled[1]).toBe('0'); // the control was evicted and got the slow message again
    } finally {
      await control.disconnect();
    }
  }, 60_000);

  it('dead-letters a poison message with its reason and goes on with the partition', async () => {
    const topic = await newTopic('poison', 1);
    const good1 = envelope('poison-1', 0);
    const failing = envelope('poison-1', 1, { fail: true });
    const good2 = envelope('poison-1', 2);
    await producer.publish([{ topic, envelope: good1 }]);
    await producer.sendRaw([
      {
        topic,
        messages: [
          {
            key: 'poison-1',
            value: '{"schema":"atelier.envelope/v1","eventId":""}',
            headers: { origin: 'test' },
          },
        ],
      },
    ]);
    await producer.publish([
      { topic, envelope: failing },
      { topic, envelope: good2 },
    ]);

    const handled: string[] = [];
    let failingAttempts = 0;
    const c = consumer('poison', topic, { maxAttempts: 3, retryBackoffMs: 20 });
    await c.start({
      eachMessage: async (d) => {
        if (d.envelope.data['fail']) {
          failingAttempts++;
          throw new Error('projection exploded');
        }
        handled.push(d.envelope.eventId);
      },
    });
    await waitFor('the good messages', async () => (handled.length >= 2 ? true : undefined));
    expect(handled).toEqual([good1.eventId, good2.eventId]);
    expect(failingAttempts).toBe(3);

    const dead = await readTopic(c.deadLetterTopic, 2);
    expect(dead).toHaveLength(2);
    const [invalid, failed] = dead;
    expect(header(invalid!.headers, DEAD_LETTER_HEADERS.errorCode)).toBe('ENVELOPE.INVALID');
    expect(header(invalid!.headers, DEAD_LETTER_HEADERS.error)).toMatch(/eventId/);
    expect(header(invalid!.headers, DEAD_LETTER_HEADERS.originalTopic)).toBe(topic);
    expect(header(invalid!.headers, DEAD_LETTER_HEADERS.originalPartition)).toBe('0');
    expect(header(invalid!.headers, DEAD_LETTER_HEADERS.originalOffset)).toBe('1');
    expect(header(invalid!.headers, 'origin')).toBe('test'); // original headers kept
    expect(invalid!.value).toContain('"eventId":""'); // original bytes kept
    expect(header(failed!.headers, DEAD_LETTER_HEADERS.errorCode)).toBe('HANDLER.FAILED');
    expect(header(failed!.headers, DEAD_LETTER_HEADERS.error)).toBe('Error: projection exploded');
    expect(header(failed!.headers, DEAD_LETTER_HEADERS.attempts)).toBe('3');
    expect(header(failed!.headers, DEAD_LETTER_HEADERS.originalOffset)).toBe('2');
    expect(header(failed!.headers, HEADERS.eventId)).toBe(failing.eventId);
    expect(failed!.key).toBe('poison-1');
  });

  it('stop() lets the in-flight message finish and commits it: the next member starts after it', async () => {
    const topic = await newTopic('stop', 1);
    const sent = Array.from({ length: 5 }, (_, i) => envelope('stop-1', i));
    await producer.publish(sent.map((e) => ({ topic, envelope: e })));

    const handled: bigint[] = [];
    let release!: () => void;
    const entered = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = consumer('stop', topic);
    await first.start({
      eachMessage: async (d) => {
        if (d.envelope.streamRevision === 2n) {
          release();
          await sleep(1500); // stop() arrives while this runs
        }
        handled.push(d.envelope.streamRevision);
      },
    });
    await entered;
    await first.stop();
    expect(handled).toEqual([0n, 1n, 2n]); // finished the in-flight message, took no new one

    const second = consumer('stop', topic);
    await second.start({ eachMessage: async (d) => void handled.push(d.envelope.streamRevision) });
    await waitFor('the rest', async () => (handled.length >= 5 ? true : undefined));
    await sleep(300);
    expect(handled).toEqual([0n, 1n, 2n, 3n, 4n]);
  });
});

describe('EnvelopeConsumer, stopped while starting (real broker)', () => {
  it('stop() while start() is under way leaves nothing consuming and no member in the group', async () => {
    const topic = await newTopic('stop-while-starting', 1);
    const handled: bigint[] = [];
    const c = consumer('stop-while-starting', topic);
    const starting = c.start({
      eachMessage: async (d) => void handled.push(d.envelope.streamRevision),
    });
    await sleep(30); // creating its dead-letter topic, connecting
    await c.stop();
    await starting;
    await producer.publish([{ topic, envelope: envelope('stop-while-starting', 0) }]);
    await sleep(2500);
    expect(handled).toEqual([]);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { groups } = await admin.describeGroups([`int-${run}-stop-while-starting`]);
      expect(groups[0]?.members ?? []).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  });
});

describe('EnvelopeConsumer, pipelined chunks (real broker)', () => {
  it('takes chunks across fetches in partition order; a chunk whose handler throws is fetched again from its start', async () => {
    const topic = await newTopic('pipelined', 1);
    const sent = Array.from({ length: 60 }, (_, i) =>
      envelope('pipe-1', i, { pad: 'x'.repeat(300) }),
    );
    for (let i = 0; i < sent.length; i += 7)
      await producer.publish(sent.slice(i, i + 7).map((e) => ({ topic, envelope: e })));

    const done: bigint[] = []; // revisions of the chunks that went through, in order
    const chunkSizes: number[] = [];
    const progress: bigint[] = [];
    let failed = 0;
    const c = consumer('pipelined', topic, {
      pipelined: true,
      chunkSize: 10,
      maxBytesPerPartition: 4096, // a few messages a fetch: a chunk spans fetches
      retryBackoffMs: 50,
    });
    c.onProgress((p) => progress.push(p.next));
    await c.start({
      eachChunk: async (deliveries) => {
        const revisions = deliveries.map((d) => d.envelope.streamRevision);
        if (failed === 0 && revisions.includes(23n)) {
          failed++;
          throw new Error('the database is away');
        }
        await sleep(20); // fetches go on meanwhile
        chunkSizes.push(revisions.length);
        done.push(...revisions);
      },
    });
    await waitFor('every message', async () => (done.length >= 60 ? true : undefined), {
      timeoutMs: 30_000,
    });
    await sleep(300);
    expect(failed).toBe(1);
    expect(done).toEqual(sent.map((e) => e.streamRevision)); // none skipped, none twice, in order
    expect(Math.max(...chunkSizes)).toBe(10); // chunks filled from several fetches
    expect(progress[progress.length - 1]).toBe(60n);
    expect([...progress].sort((a, b) => (a < b ? -1 : 1))).toEqual(progress);
  });

  it('a partition behind gets full chunks, filled over fetches; at its end, what is left', async () => {
    const topic = await newTopic('pipelined-fill', 1);
    const sent = Array.from({ length: 55 }, (_, i) =>
      envelope('pipe-fill', i, { pad: 'x'.repeat(300) }),
    );
    await producer.publish(sent.map((e) => ({ topic, envelope: e })));

    const chunks: bigint[][] = [];
    const c = consumer('pipelined-fill', topic, {
      pipelined: true,
      chunkSize: 10,
      maxBytesPerPartition: 2048, // a few messages a fetch
      fillWaitMs: 10_000, // (a slow fetch must not look like the end here)
    });
    await c.start({
      eachChunk: async (deliveries) =>
        void chunks.push(deliveries.map((d) => d.envelope.streamRevision)),
    });
    await waitFor('every message', async () => (chunks.flat().length >= 55 ? true : undefined), {
      timeoutMs: 30_000,
    });
    expect(chunks.map((k) => k.length)).toEqual([10, 10, 10, 10, 10, 5]);
    expect(chunks.flat()).toEqual(sent.map((e) => e.streamRevision));
  });

  it('a partial chunk behind an open transaction is handled after fillWaitMs, not held until it ends', async () => {
    const topic = await newTopic('pipelined-open-tx', 1);
    const sent = Array.from({ length: 3 }, (_, i) => envelope('pipe-open', i));
    await producer.publish(sent.map((e) => ({ topic, envelope: e })));
    // A transaction left open past them: the partition's high watermark is beyond what a
    // read-committed fetch gives, so the consumer sees it behind, with nothing more to come.
    const txProducer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      transactionalId: `int-${run}-open-tx`,
    });
    await txProducer.connect();
    const open = await txProducer.transaction();
    try {
      await open.send({
        topic,
        messages: [marketEnvelopeCodec.encode(envelope('pipe-open', 3))],
      });
      const chunks: bigint[][] = [];
      const c = consumer('pipelined-open-tx', topic, {
        pipelined: true,
        chunkSize: 10,
        fillWaitMs: 300,
      });
      await c.start({
        eachChunk: async (deliveries) =>
          void chunks.push(deliveries.map((d) => d.envelope.streamRevision)),
      });
      await waitFor('the committed messages', async () => (chunks.length > 0 ? true : undefined), {
        timeoutMs: 20_000,
      });
      expect(chunks).toEqual([[0n, 1n, 2n]]);
    } finally {
      await open.abort();
      await txProducer.disconnect();
    }
  });

  it('stop() finishes the chunk under way and commits it: the next member starts after it', async () => {
    const topic = await newTopic('pipelined-stop', 1);
    const sent = Array.from({ length: 12 }, (_, i) => envelope('pipe-stop', i));
    await producer.publish(sent.map((e) => ({ topic, envelope: e })));

    const handled: bigint[] = [];
    let release!: () => void;
    const entered = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = consumer('pipelined-stop', topic, { pipelined: true, chunkSize: 4 });
    await first.start({
      eachChunk: async (deliveries) => {
        const revisions = deliveries.map((d) => d.envelope.streamRevision);
        if (revisions.includes(4n)) {
          release();
          await sleep(1500); // stop() arrives while this runs
        }
        handled.push(...revisions);
      },
    });
    await entered;
    await first.stop();
    expect(handled).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n]); // the chunk under way, no more

    const second = consumer('pipelined-stop', topic, { pipelined: true, chunkSize: 4 });
    await second.start({
      eachChunk: async (deliveries) =>
        void handled.push(...deliveries.map((d) => d.envelope.streamRevision)),
    });
    await waitFor('the rest', async () => (handled.length >= 12 ? true : undefined));
    await sleep(300);
    expect(handled).toEqual(sent.map((e) => e.streamRevision));
  });
});
