// A chain.* reader for specs and benchmarks: consumes topics from the beginning, read_committed
// as every chain.* consumer must, decodes every message with the shared schema (a message that
// does not parse fails the spec), and keeps them in arrival order with their partition and key. A message the consumer group delivers
// twice (a rebalance before its offset was committed) is kept once: specs count what the relay
// sent, not what the group redelivered.
import type { Consumer } from 'kafkajs';
import pino from 'pino';
import { createKafka } from '@atelier/kafka';
import { decodeChainFact, foldChainFacts, type ChainFactEnvelope } from '@atelier/chain-messages';

export interface Received {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string;
  readonly envelope: ChainFactEnvelope;
  readonly receivedAt: number;
}

export class ChainTopicReader {
  readonly received: Received[] = [];
  private readonly errors: Error[] = [];
  private readonly seen = new Set<string>();
  private listeners: (() => void)[] = [];

  private constructor(private readonly consumer: Consumer) {}

  static async start(
    brokers: readonly string[],
    topics: readonly string[],
    groupId: string,
  ): Promise<ChainTopicReader> {
    const kafka = createKafka({
      clientId: 'atelier-indexer-spec',
      brokers,
      logger: pino({ level: 'silent' }),
    });
    // read_committed (kafkajs' default, stated here because the specs depend on it): only
    // committed transactions, as every consumer of chain.* must read.
    const consumer = kafka.consumer({
      readUncommitted: false,
      groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 100,
    });
    const reader = new ChainTopicReader(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const position = `${topic}/${partition}/${message.offset}`;
        if (reader.seen.has(position)) return;
        reader.seen.add(position);
        try {
          reader.received.push({
            topic,
            partition,
            offset: message.offset,
            key: message.key?.toString() ?? '',
            envelope: decodeChainFact(message.value),
            receivedAt: Date.now(),
          });
        } catch (e) {
          reader.errors.push(e as Error);
        }
        for (const l of reader.listeners) l();
      },
    });
    return reader;
  }

  /** What a consumer believes: per fact id the last message wins (in partition order). */
  believed(): Map<string, ChainFactEnvelope> {
    const byPartition = new Map<string, Received[]>();
    for (const r of this.received) {
      const k = `${r.topic}/${r.partition}`;
      const list = byPartition.get(k);
      if (list) list.push(r);
      else byPartition.set(k, [r]);
    }
    const believed = new Map<string, ChainFactEnvelope>();
    for (const list of byPartition.values()) {
      foldChainFacts(
        list.sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset))).map((r) => r.envelope),
        believed,
      );
    }
    return believed;
  }

  /** Message ids received more than once (a delivery is counted once per topic, partition, offset). */
  duplicateIds(): string[] {
    const seen = new Set<string>();
    const twice = new Set<string>();
    for (const r of this.received) {
      if (seen.has(r.envelope.id)) twice.add(r.envelope.id);
      seen.add(r.envelope.id);
    }
    return [...twice];
  }

  /**
   * Per topic and key, the facts a consumer ends up believing must have arrived in chain order
   * (block, log index). Facts later retracted are left out: a reorg legitimately follows them
   * with lower blocks of the new branch. A second copy of a fact counts as a message of its own.
   * Returns the neighbours that run backwards.
   */
  orderViolations(): { key: string; before: string; after: string }[] {
    const retracted = new Set(
      this.received.filter((r) => r.envelope.kind === 'retracted').map((r) => r.envelope.factId),
    );
    const last = new Map<string, ChainFactEnvelope>();
    const violations: { key: string; before: string; after: string }[] = [];
    for (const r of this.inPartitionOrder()) {
      const e = r.envelope;
      if (e.kind !== 'fact' || retracted.has(e.factId)) continue;
      const k = `${r.topic}/${r.key}`;
      const prev = last.get(k);
      if (
        prev &&
        (prev.blockNumber > e.blockNumber ||
          (prev.blockNumber === e.blockNumber && prev.logIndex >= e.logIndex))
      )
        violations.push({ key: k, before: prev.id, after: e.id });
      last.set(k, e);
    }
    return violations;
  }

  /**
   * A reorg replaced every block from `forkBlock` on: in each partition, every retraction of a
   * fact of a dropped block (`droppedHashes`) must come before any fact of the new branch
   * (a block at or above `forkBlock` with another hash). Returns the replacements that came first.
   */
  replacedBeforeRetracted(
    forkBlock: number,
    droppedHashes: ReadonlySet<string>,
  ): { partition: string; replacement: string; laterRetraction: string }[] {
    const byPartition = new Map<string, Received[]>();
    for (const r of this.inPartitionOrder()) {
      const k = `${r.topic}/${r.partition}`;
      byPartition.set(k, [...(byPartition.get(k) ?? []), r]);
    }
    const violations: { partition: string; replacement: string; laterRetraction: string }[] = [];
    for (const [partition, list] of byPartition) {
      const firstReplacement = list.findIndex(
        (r) =>
          r.envelope.kind === 'fact' &&
          r.envelope.blockNumber >= forkBlock &&
          !droppedHashes.has(r.envelope.blockHash),
      );
      if (firstReplacement < 0) continue;
      for (const r of list.slice(firstReplacement + 1)) {
        if (r.envelope.kind === 'retracted' && droppedHashes.has(r.envelope.blockHash))
          violations.push({
            partition,
            replacement: list[firstReplacement]!.envelope.id,
            laterRetraction: r.envelope.id,
          });
      }
    }
    return violations;
  }

  private inPartitionOrder(): Received[] {
    return [...this.received].sort((a, b) =>
      a.topic !== b.topic
        ? a.topic.localeCompare(b.topic)
        : a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)),
    );
  }

  decodeErrors(): readonly Error[] {
    return this.errors;
  }

  async waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = probe();
      if (v !== undefined) return v;
      if (Date.now() > deadline)
        throw new Error(
          `timed out after ${timeoutMs}ms waiting for ${what} (${this.received.length} messages read)`,
        );
      // Woken by the next message, but probing at most every 100 ms: a probe may fold everything.
      await new Promise<void>((ok) => {
        const t = setTimeout(ok, 500);
        this.listeners.push(() => (clearTimeout(t), ok()));
      });
      this.listeners = [];
      await new Promise((ok) => setTimeout(ok, 100));
    }
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
  }
}
