// The transactional producer against the real broker: a committed transaction is seen whole by
// a read_committed consumer, an aborted one (a body that throws, a bad envelope) never, a new
// producer of the same transactionalId fences the old one, and readLastCommitted finds the
// last committed record of a key behind other keys' records and transaction markers.
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { CodedError } from '@atelier/kernel';
import { createKafka } from './client';
import type { EnvelopeCodec } from './codec';
import { ensureTopics } from './topics';
import { readLastCommitted, TransactionalProducer } from './transactional-producer';

interface Note {
  readonly id: string;
  readonly key: string;
  readonly text: string;
}

class NoteError extends CodedError<'NOTE.INVALID'> {
  override readonly name = 'NoteError';
}

const codec: EnvelopeCodec<Note> = {
  schema: 'it.note/v1',
  encode: (n) => {
    if (n.text === '') throw new NoteError('NOTE.INVALID', 'empty note');
    return { key: n.key, value: Buffer.from(JSON.stringify(n)), headers: { 'it-id': n.id } };
  },
  decode: (v) => JSON.parse(String(v)) as Note,
  id: (n) => n.id,
  isPoison: (e): e is NoteError => e instanceof NoteError,
};

const logger = pino({ level: 'silent' });
const kafka = createKafka({
  clientId: 'it-transactional',
  brokers: process.env['KAFKA_BROKERS']!.split(','),
  logger,
});
const run = randomUUID().slice(0, 8);
const topic = `it-txn-${run}.notes`;
const progress = `it-txn-${run}.progress`;
const note = (i: number, text = `note ${i}`): Note => ({ id: `n${i}`, key: `k${i % 2}`, text });

async function readAll(): Promise<string[]> {
  const consumer = kafka.consumer({
    groupId: `it-txn-${run}-${randomUUID()}`,
    maxWaitTimeInMs: 100,
  });
  const admin = kafka.admin();
  await admin.connect();
  const end = (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  await admin.disconnect();
  const seen: string[] = [];
  let offsetsSeen = 0;
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const done = new Promise<void>((resolve) => {
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      offsetsSeen = Math.max(offsetsSeen, Number(payload.lastOffset) + 1);
      if (offsetsSeen >= end) resolve();
    });
  });
  await consumer.run({
    eachMessage: async ({ message }) => void seen.push(String(message.headers?.['it-id'])),
  });
  await Promise.race([done, new Promise((r) => setTimeout(r, 15_000))]);
  await consumer.disconnect();
  return seen.sort();
}

describe('TransactionalProducer (real Kafka)', () => {
  const producers: TransactionalProducer<Note>[] = [];
  const producer = async (id = `it-txn-${run}`) => {
    const p = new TransactionalProducer(kafka, codec, logger, { transactionalId: id });
    await p.connect();
    producers.push(p);
    return p;
  };

  beforeAll(async () => {
    await ensureTopics(kafka, [
      { topic, partitions: 1, replicationFactor: 1 },
      {
        topic: progress,
        partitions: 1,
        replicationFactor: 1,
        config: { 'cleanup.policy': 'compact' },
      },
    ]);
  });

  afterAll(async () => {
    await Promise.all(producers.map((p) => p.disconnect()));
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic, progress] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('commits a transaction whole; a body that throws or a bad envelope sends nothing', async () => {
    const p = await producer();
    await p.transaction((tx) => {
      tx.publish(topic, note(1));
      tx.publish(topic, note(2));
    });
    await expect(
      p.transaction((tx) => {
        tx.publish(topic, note(3));
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    await expect(
      p.transaction((tx) => {
        tx.publish(topic, note(4));
        tx.publish(topic, note(5, ''));
      }),
    ).rejects.toThrow('empty note');
    await p.transaction((tx) => tx.publish(topic, note(6)));
    expect(await readAll()).toEqual(['n1', 'n2', 'n6']);
  });

  it('a new producer of the same transactionalId fences the old one', async () => {
    const id = `it-txn-${run}-fence`;
    const zombie = await producer(id);
    await zombie.transaction((tx) => tx.publish(topic, note(7)));
    await producer(id);
    await expect(zombie.transaction((tx) => tx.publish(topic, note(8)))).rejects.toMatchObject({
      code: 'KAFKA.PRODUCER_FENCED',
    });
    expect(await readAll()).not.toContain('n8');
  });

  it('readLastCommitted: the last committed record of a key, past other keys and markers', async () => {
    expect(await readLastCommitted(kafka, { topic: progress, key: 'a' })).toBeUndefined();
    const p = await producer(`it-txn-${run}-progress`);
    const record = (key: string, value: string) => ({
      key,
      value: Buffer.from(value),
      headers: {},
    });
    for (let i = 1; i <= 3; i++) {
      await p.transaction((tx) => {
        tx.publish(topic, note(100 + i));
        tx.publishEncoded(progress, record('a', `a${i}`));
      });
    }
    for (let i = 1; i <= 100; i++)
      await p.transaction((tx) => tx.publishEncoded(progress, record('b', `b${i}`)));
    await expect(
      p.transaction((tx) => {
        tx.publishEncoded(progress, record('a', 'never'));
        tx.publish(topic, note(200, ''));
      }),
    ).rejects.toThrow('empty note');
    const a = await readLastCommitted(kafka, { topic: progress, key: 'a' });
    const b = await readLastCommitted(kafka, { topic: progress, key: 'b' });
    expect(a?.value.toString()).toBe('a3');
    expect(b?.value.toString()).toBe('b100');
  });
});
