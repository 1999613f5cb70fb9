// ensureTopics against a scripted admin: a broker that answers CreateTopics with a transient
// error (seen on a fresh, loaded single broker) is asked again; a permanent error fails at once.
import type { Kafka } from 'kafkajs';
import { ensureTopics, isTransientTopicError, type TopicSpec } from './topics';

const spec: TopicSpec = { topic: 'market.market', partitions: 3, replicationFactor: 1 };

/** A broker whose CreateTopics answers are scripted; created topics appear after each call. */
function scriptedKafka(answers: readonly (Error | 'ok' | 'ok-but-throws')[]) {
  const topics = new Set<string>();
  const calls: string[][] = [];
  const admin = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    listTopics: async () => [...topics],
    createTopics: async ({ topics: list }: { topics: { topic: string }[] }) => {
      calls.push(list.map((t) => t.topic));
      const answer = answers[calls.length - 1] ?? 'ok';
      if (answer !== 'ok-but-throws' && answer !== 'ok') throw answer;
      for (const t of list) topics.add(t.topic);
      if (answer === 'ok-but-throws')
        throw Object.assign(new Error('This server does not host this topic-partition'), {
          type: 'NOT_LEADER_FOR_PARTITION',
          retriable: true,
        });
      return true;
    },
    fetchTopicMetadata: async ({ topics: names }: { topics: string[] }) => ({
      topics: names
        .filter((n) => topics.has(n))
        .map((name) => ({ name, partitions: [{}, {}, {}] })),
    }),
  };
  return { kafka: { admin: () => admin } as unknown as Kafka, calls };
}

const transient = () =>
  Object.assign(new Error('There is no leader for this topic-partition'), {
    type: 'LEADER_NOT_AVAILABLE',
    retriable: true,
  });

describe('ensureTopics', () => {
  it('asks again after a transient answer, creating only what is still missing', async () => {
    const { kafka, calls } = scriptedKafka(['ok-but-throws']);
    await expect(ensureTopics(kafka, [spec], undefined, 5_000)).resolves.toEqual({
      created: ['market.market'],
      existing: [],
    });
    expect(calls).toEqual([['market.market']]); // created by the first call: not asked again
    const again = scriptedKafka([transient(), transient()]);
    await expect(ensureTopics(again.kafka, [spec], undefined, 5_000)).resolves.toMatchObject({
      created: ['market.market'],
    });
    expect(again.calls).toHaveLength(3);
  });

  it('fails at once on a permanent error, and after the deadline on a transient one', async () => {
    const denied = Object.assign(new Error('Not authorized'), {
      type: 'TOPIC_AUTHORIZATION_FAILED',
      retriable: false,
    });
    const { kafka, calls } = scriptedKafka([denied]);
    await expect(ensureTopics(kafka, [spec], undefined, 5_000)).rejects.toMatchObject({
      code: 'KAFKA.TOPIC_CREATE_FAILED',
    });
    expect(calls).toHaveLength(1);
    const stuck = scriptedKafka(Array.from({ length: 50 }, transient));
    await expect(ensureTopics(stuck.kafka, [spec], undefined, 300)).rejects.toMatchObject({
      code: 'KAFKA.TOPIC_CREATE_FAILED',
    });
  });

  it('tells transient broker errors from the others', () => {
    expect(isTransientTopicError({ type: 'NOT_LEADER_FOR_PARTITION' })).toBe(true);
    expect(isTransientTopicError({ type: 'REQUEST_TIMED_OUT', retriable: true })).toBe(true);
    expect(isTransientTopicError({ type: 'INVALID_REPLICATION_FACTOR', retriable: false })).toBe(
      false,
    );
    expect(isTransientTopicError(new Error('boom'))).toBe(false);
  });
});
