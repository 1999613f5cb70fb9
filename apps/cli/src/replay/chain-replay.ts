// Rebuilding a projection of chain facts (artworks, settled trades, ledgers). Their source is
// their chain.* topics, kept forever, not the event store (docs/messaging.md, "Rebuild"): under
// the projection's exclusive lock (live projectors of it wait, as for a store rebuild) its
// tables and checkpoints are dropped and created again, and the topics are read from offset 0
// up to the end offsets they had when the rebuild began, by a consumer group of its own
// (deleted afterwards), each chunk applied through the projection runner with its checkpoint.
// A start (--from-block, --from-time) skips facts of earlier blocks: a fresh projection of
// what happened since, like a replay of the store from a position.
import { Presets, SingleBar } from 'cli-progress';
import pino from 'pino';
import type { ChainFactEnvelope } from '@atelier/chain-messages';
import { chainFactCodec, chainTopic } from '@atelier/chain-messages';
import { createKafka, EnvelopeConsumer, type Delivery } from '@atelier/kafka';
import {
  artworksProjection,
  chainTradesProjection,
  ledgersProjection,
} from '@atelier/market-projections';
import {
  CONCURRENT_PARTITIONS,
  createProjectionDataSource,
  PIPELINED_FETCH_BYTES,
  REPLAY_BATCH_SIZE,
  ProjectionStore,
  type Projection,
} from '@atelier/projections';
import { CliError } from '../cli';

/** Each chain projection and the contract whose topic feeds it (as the gateway runs them). */
export const CHAIN_PROJECTIONS: Readonly<
  Record<string, { contract: string; make: () => Projection<ChainFactEnvelope> }>
> = {
  'chain-artworks': { contract: 'ArtworkRegistry', make: artworksProjection },
  'chain-trades': { contract: 'Marketplace', make: chainTradesProjection },
  'chain-ledgers': { contract: 'Marketplace', make: ledgersProjection },
};

export interface ChainReplayOptions {
  readonly url: string;
  readonly schema: string;
  readonly brokers: readonly string[];
  readonly topicPrefix: string;
  readonly projection: string;
  readonly fromBlock?: bigint;
  /** Unix seconds. */
  readonly fromTime?: number;
}

export interface ChainReplayResult {
  readonly projection: string;
  readonly topic: string;
  readonly messages: number;
  readonly applied: number;
  readonly skippedBefore: number;
  readonly duplicates: number;
  readonly seconds: number;
  /** Of `seconds`, the time until the consumer group was joined (seconds, whatever the size). */
  readonly joinSeconds: number;
}

export async function replayChainProjection(o: ChainReplayOptions): Promise<ChainReplayResult> {
  const spec = CHAIN_PROJECTIONS[o.projection]!;
  const inner = spec.make();
  let skippedBefore = 0;
  const before = (fact: ChainFactEnvelope) =>
    (o.fromBlock !== undefined && BigInt(fact.blockNumber) < o.fromBlock) ||
    (o.fromTime !== undefined && fact.blockTimestamp < o.fromTime);
  // Same name (its checkpoints and tables), facts before the start left out, one at a time and
  // in a batch alike (the runner prefers applyBatch for a chunk).
  const { applyBatch } = inner;
  const projection: Projection<ChainFactEnvelope> = {
    ...inner,
    apply: async (fact, tx) => {
      if (before(fact)) {
        skippedBefore++;
        return;
      }
      await inner.apply(fact, tx);
    },
    ...(applyBatch
      ? {
          applyBatch: async (facts, tx) => {
            const kept = facts.filter((f) => !before(f));
            skippedBefore += facts.length - kept.length;
            if (kept.length > 0) await applyBatch.call(inner, kept, tx);
          },
        }
      : {}),
  };
  const topic = chainTopic(spec.contract, o.topicPrefix);
  const logger = pino({ level: process.env['LOG_LEVEL'] ?? 'warn' }, pino.destination(2));
  const kafka = createKafka({ clientId: 'atelier-cli-replay', brokers: o.brokers, logger });
  const admin = kafka.admin();
  await admin.connect();
  const started = Date.now();
  const ds = await createProjectionDataSource({
    url: o.url,
    schema: o.schema,
    projections: [projection],
    applicationName: 'atelier-cli-replay',
  });
  const store = new ProjectionStore(ds, o.schema);
  const groupId = `atelier-cli.replay.${o.projection}.${process.pid}.${Date.now()}`;
  let consumer: EnvelopeConsumer<ChainFactEnvelope> | undefined;
  let stopping: Promise<void> | undefined;
  const bar = new SingleBar(
    {
      format: `${o.projection} [{bar}] {percentage}% | {value}/{total} messages | {rate} msg/s`,
      stream: process.stderr,
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 1000,
    },
    Presets.shades_classic,
  );
  try {
    const topics = await admin.listTopics();
    if (!topics.includes(topic))
      throw new CliError(
        'CLI.NOT_FOUND',
        `topic ${topic} does not exist on ${o.brokers.join(',')} (PIPELINE_CHAIN_TOPIC_PREFIX=${o.topicPrefix})`,
      );
    // Where the topic ends now: the rebuild reads up to here.
    const ends = new Map<number, { low: bigint; high: bigint }>();
    for (const p of await admin.fetchTopicOffsets(topic))
      ends.set(p.partition, { low: BigInt(p.low), high: BigInt(p.high) });
    const total = [...ends.values()].reduce((n, e) => n + Number(e.high - e.low), 0);
    const next = new Map([...ends].map(([p, e]) => [p, e.low]));
    const done = () => [...ends].every(([p, e]) => next.get(p)! >= e.high);

    await store.ensureSchema();
    const lock = await store.lockExclusively(projection);
    let messages = 0;
    let applied = 0;
    let duplicates = 0;
    let indexed = false;
    let joined: number | undefined;
    try {
      await store.reset(projection, lock.tx);
      await store.ensureSchema();
      // Loaded without the indexes only readers use; built once when done (or failed), before
      // the lock is released (Projection.readIndexes).
      await store.dropReadIndexes(projection, lock.tx);
      bar.start(total, 0, { rate: 0 });
      if (!done()) {
        let finish!: () => void;
        let fail!: (e: unknown) => void;
        const finished = new Promise<void>((res, rej) => {
          finish = res;
          fail = rej;
        });
        consumer = new EnvelopeConsumer(
          kafka,
          chainFactCodec,
          {
            groupId,
            topics: [topic],
            fromBeginning: true,
            deadLetterTopic: `${topic}.replay.dlq`,
            // At the end of the topic a fetch waits this long for more before it answers, and
            // stopping the consumer waits for that fetch: the consumer's 1 s default added about
            // a second to every replay.
            maxWaitTimeMs: 100,
            // As a replay of the store: chunks (transactions) of REPLAY_BATCH_SIZE facts for a
            // projection with applyBatch (chain facts run ~1 kB; the consumer's default chunk of
            // 200 spent a commit per 200 facts), filled from fetches made while the chunk before
            // is written (pipelined, as a KafkaProjector fetches: see PIPELINED_FETCH_BYTES).
            pipelined: true,
            ...(projection.applyBatch
              ? { chunkSize: REPLAY_BATCH_SIZE, maxBytesPerPartition: PIPELINED_FETCH_BYTES }
              : {}),
            // Partitions at once where no row spans two, as a KafkaProjector runs them: one
            // partition's chunk is written while another's is decoded and folded.
            partitionsConsumedConcurrently: projection.partitionsIndependent
              ? CONCURRENT_PARTITIONS
              : 1,
          },
          logger,
        );
        consumer.on(consumer.events.GROUP_JOIN, () => {
          joined ??= Date.now();
        });
        // The relay publishes in Kafka transactions, so every partition ends with a commit
        // marker no handler ever sees: the end offsets taken above lie past the last message,
        // and waiting for a message there hung the replay for good. The consumer reports how far
        // each partition is handled, control records included (also a batch of markers only):
        // progress follows that too. (kafkajs's END_BATCH_PROCESS says when a batch is queued.)
        consumer.onProgress((p) => {
          if (p.next > (next.get(p.partition) ?? 0n)) next.set(p.partition, p.next);
          if (done()) finish();
        });
        await consumer.start({
          eachChunk: async (deliveries: readonly Delivery<ChainFactEnvelope>[]) => {
            const partition = deliveries[0]!.partition;
            const end = ends.get(partition)?.high ?? 0n;
            const items = deliveries
              .filter((d) => BigInt(d.offset) < end)
              .map((d) => ({ position: BigInt(d.offset), envelope: d.envelope }));
            try {
              if (items.length) {
                // The exclusive lock is ours: the runner must not wait for the shared one.
                const r = await store.apply(projection, { source: topic, partition }, items, {
                  sharedLock: false,
                });
                applied += r.applied;
                duplicates += r.duplicates;
                messages += items.length;
                bar.update(messages, {
                  rate: Math.round(messages / Math.max(0.001, (Date.now() - started) / 1000)),
                });
              }
              const last = BigInt(deliveries[deliveries.length - 1]!.offset) + 1n;
              if (last > (next.get(partition) ?? 0n)) next.set(partition, last);
              if (done()) finish();
            } catch (e) {
              fail(e);
              throw e;
            }
          },
        });
        await finished;
        // Leaving the group (a last offset commit, a fetch finishing) goes on while the indexes
        // are built: about 50-90 ms of a replay that takes well under a second.
        stopping = consumer.stop();
      }
      bar.update(messages);
      bar.stop();
      await store.createReadIndexes(projection);
      indexed = true;
    } finally {
      if (!indexed) await store.createReadIndexes(projection).catch(() => undefined);
      await lock.release();
    }
    return {
      projection: o.projection,
      topic,
      messages,
      applied: applied - skippedBefore,
      skippedBefore,
      duplicates,
      seconds: (Date.now() - started) / 1000,
      joinSeconds: ((joined ?? started) - started) / 1000,
    };
  } finally {
    bar.stop();
    await (stopping ?? consumer?.stop());
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
    await ds.destroy();
  }
}
