// Topics are created on purpose, with the partition count the code was designed for
// (the broker's auto-creation is off: a mistyped name must fail, not start an empty topic).
// Idempotent, and it refuses to run against a topic whose partition count differs: keys
// would map to other partitions than the ones their history is on, breaking per-key order.
import type { Kafka } from 'kafkajs';
import type { Logger } from '@atelier/observability';
import { KafkaError } from './errors';

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Topic-level configs, e.g. { 'min.insync.replicas': '2', 'retention.ms': '-1' }. */
  readonly config?: Readonly<Record<string, string>>;
}

export interface EnsureTopicsResult {
  readonly created: readonly string[];
  readonly existing: readonly string[];
}

/** Errors of a topic another process is still creating: its metadata is not everywhere yet. */
const SETTLING = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/**
 * Whether a failed CreateTopics may succeed if asked again: the broker said so (kafkajs marks
 * its protocol errors `retriable`), or it was still electing the new partitions' leaders. A
 * fresh single broker under load answered NOT_LEADER_FOR_PARTITION ("This server does not host
 * this topic-partition") while `waitForLeaders` polled, and the gateway's consumers died at
 * start-up with every topic in fact created a moment later.
 */
export function isTransientTopicError(error: unknown): boolean {
  const e = error as { retriable?: unknown; type?: unknown };
  return (
    e.retriable === true ||
    (typeof e.type === 'string' &&
      (SETTLING.has(e.type) ||
        e.type === 'NOT_LEADER_FOR_PARTITION' ||
        e.type === 'NOT_CONTROLLER'))
  );
}

/**
 * The topics' metadata, waiting (bounded) while a topic created a moment ago — by us or by a
 * process that won the race to create it — is not yet known to the broker we ask.
 */
async function settledMetadata(
  admin: ReturnType<Kafka['admin']>,
  specs: readonly TopicSpec[],
  waitMs = 15_000,
) {
  const deadline = Date.now() + waitMs;
  for (let delay = 100; ; delay = Math.min(1_000, delay * 2)) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.topic) });
      const unsettled = specs.some(
        (spec) => (topics.find((t) => t.name === spec.topic)?.partitions.length ?? 0) === 0,
      );
      if (!unsettled || Date.now() > deadline) return topics;
    } catch (error) {
      const type = (error as { type?: unknown }).type;
      if (typeof type !== 'string' || !SETTLING.has(type) || Date.now() > deadline) throw error;
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

/**
 * Creates `missing`, asking again (bounded by `waitMs`) while the broker answers with a
 * transient error; each attempt creates only what is still missing, and a topic another
 * process created meanwhile is fine (the partition check in ensureTopics still applies).
 */
async function createMissing(
  admin: ReturnType<Kafka['admin']>,
  missing: readonly TopicSpec[],
  waitMs: number,
): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (let delay = 200, todo = missing; todo.length > 0; delay = Math.min(2_000, delay * 2)) {
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: todo.map((s) => ({
          topic: s.topic,
          numPartitions: s.partitions,
          replicationFactor: s.replicationFactor,
          configEntries: Object.entries(s.config ?? {}).map(([name, value]) => ({ name, value })),
        })),
      });
      return;
    } catch (cause) {
      if (!isTransientTopicError(cause) || Date.now() > deadline)
        throw new KafkaError(
          'KAFKA.TOPIC_CREATE_FAILED',
          `could not create topics ${todo.map((s) => s.topic).join(', ')}: ${(cause as Error).message}`,
          { topics: todo.map((s) => s.topic) },
          { cause },
        );
    }
    await new Promise((r) => setTimeout(r, delay));
    const known = new Set(await admin.listTopics());
    todo = todo.filter((s) => !known.has(s.topic));
  }
}

export async function ensureTopics(
  kafka: Kafka,
  specs: readonly TopicSpec[],
  logger?: Logger,
  createWaitMs = 30_000,
): Promise<EnsureTopicsResult> {
  if (specs.length === 0) return { created: [], existing: [] };
  const admin = kafka.admin();
  await admin.connect();
  try {
    const known = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !known.has(s.topic));
    if (missing.length > 0) {
      await createMissing(admin, missing, createWaitMs);
      logger?.info(
        { topics: missing.map((s) => `${s.topic}(${s.partitions}x${s.replicationFactor})`) },
        'created topics',
      );
    }
    const topics = await settledMetadata(admin, specs);
    for (const spec of specs) {
      const actual = topics.find((t) => t.name === spec.topic)?.partitions.length ?? 0;
      if (actual !== spec.partitions) {
        throw new KafkaError(
          'KAFKA.TOPIC_PARTITIONS_MISMATCH',
          `topic ${spec.topic} has ${actual} partitions, the code expects ${spec.partitions}; ` +
            'changing the count moves keys to other partitions, so it needs a planned migration',
          { topic: spec.topic, expected: spec.partitions, actual },
        );
      }
    }
    return {
      created: missing.map((s) => s.topic),
      existing: specs.filter((s) => known.has(s.topic)).map((s) => s.topic),
    };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
