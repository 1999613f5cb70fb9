// The pinned broker really does what the project relies on from kafkajs: an idempotent
// producer with acks=all, and a consumer group that shares partitions and rebalances
// without losing or repeating a message (docs/decisions/0001-kafka-broker-version.md).
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer, type EachMessagePayload } from 'kafkajs';
import { waitFor } from '@atelier/testing';

const brokers = (process.env['KAFKA_BROKERS'] ?? '').split(',');
const kafka = new Kafka({ clientId: 'atelier-int', brokers, logLevel: logLevel.ERROR });

describe('Kafka round trip (real broker)', () => {
  const topic = `int.roundtrip.${randomUUID()}`;
  const consumers: Consumer[] = [];

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.disconnect()));
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('an idempotent producer and a rebalancing consumer group deliver every message once, in key order', async () => {
    const admin = kafka.admin();
    await admin.connect();
    expect(
      await admin.createTopics({
        topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
        waitForLeaders: true,
      }),
    ).toBe(true);
    await admin.disconnect();

    const groupId = `int-group-${randomUUID()}`;
    const seen = new Map<string, number[]>();
    const byMember = new Map<number, number>();
    const onMessage =
      (member: number) =>
      async ({ message }: EachMessagePayload) => {
        const key = message.key!.toString();
        const seq = Number(message.value!.toString());
        seen.set(key, [...(seen.get(key) ?? []), seq]);
        byMember.set(member, (byMember.get(member) ?? 0) + 1);
      };

    const startMember = async (member: number) => {
      const c = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500 });
      consumers.push(c);
      await c.connect();
      await c.subscribe({ topic, fromBeginning: true });
      await c.run({ eachMessage: onMessage(member) });
      return c;
    };

    const first = await startMember(1);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const keys = ['artwork-a', 'artwork-b', 'artwork-c', 'artwork-d', 'artwork-e', 'artwork-f'];
    const send = async (from: number, to: number) => {
      for (let seq = from; seq < to; seq++) {
        await producer.send({
          topic,
          acks: -1,
          messages: keys.map((key) => ({ key, value: String(seq) })),
        });
      }
    };
    await send(0, 20);
    // A second member joins mid-stream: the group rebalances and both share the partitions.
    await startMember(2);
    await send(20, 40);
    await producer.disconnect();

    const total = () => [...seen.values()].reduce((n, s) => n + s.length, 0);
    await waitFor('all 240 messages', async () => (total() >= 240 ? true : undefined), {
      timeoutMs: 60_000,
    });
    await first.disconnect(); // leaves the group: another rebalance, nothing may be redelivered
    await new Promise((r) => setTimeout(r, 1000));

    expect(total()).toBe(240);
    expect(byMember.get(1)).toBeGreaterThan(0);
    for (const key of keys) expect(seen.get(key)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    const committed = async () => {
      const a = kafka.admin();
      await a.connect();
      const offsets = await a.fetchOffsets({ groupId, topics: [topic] });
      await a.disconnect();
      return offsets[0]!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    };
    const described = await waitFor('offsets committed', async () =>
      (await committed()) === 240 ? 240 : undefined,
    );
    expect(described).toBe(240); // committed offsets cover every message
  });
});
