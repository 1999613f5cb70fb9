// The outbox relay: the one way appended events leave the event store for Kafka. The
// store's global log is the outbox (events are committed there, atomically with the
// aggregate, before anything is published); the relay reads it forward from its
// checkpoint, publishes each batch through an idempotent producer (@atelier/kafka with the
// market envelope codec) to the topic its routing table names for the stream's category, and
// moves the checkpoint only after every in-sync replica acknowledged the batch.
// Consequences: nothing is lost (a crash before the checkpoint write republishes the
// batch), order per stream holds (key = stream name, one request in flight), and a crash
// between ack and checkpoint duplicates at most one batch, which consumers discard by event
// id / stream revision (docs/messaging.md).
import type { Kafka } from 'kafkajs';
import { marketEnvelopeCodec, type EventEnvelope } from '@atelier/market-messages';
import { EnvelopeProducer, ensureTopics, type TopicSpec } from '@atelier/kafka';
import type { Logger } from '@atelier/observability';
import type { OutboxRelayCheckpoints } from './checkpoints';
import { OutboxRelayError } from './errors';
import type { GlobalLogReader, LoggedEvent } from './global-log';
import { routeOf, type OutboxRoutes } from './routing';
import { toEnvelope } from './to-envelope';

export interface TopicSettings {
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly config?: Readonly<Record<string, string>>;
}

export interface OutboxRelayOptions {
  /** Names the checkpoint and the leadership lock; one relay per name publishes at a time. */
  readonly name: string;
  /** Events read and published per round trip. */
  readonly batchSize?: number;
  /** Pause when the log has nothing new. */
  readonly pollIntervalMs?: number;
  /** How often a standby checks whether the leader is gone. */
  readonly standbyPollMs?: number;
  /**
   * Stream category -> topic. An event of a category missing here stops the relay with
   * RELAY.UNROUTED_CATEGORY (nothing of its batch is published).
   */
  readonly routes: OutboxRoutes;
  /** Settings of every topic the relay creates (idempotently, on first use). */
  readonly topics: TopicSettings;
}

export interface OutboxRelayDeps {
  readonly source: GlobalLogReader;
  readonly kafka: Kafka;
  readonly checkpoints: OutboxRelayCheckpoints;
  readonly logger: Logger;
}

export interface OutboxRelayStatus {
  readonly leading: boolean;
  readonly position: bigint | undefined;
  readonly published: number;
}

export class OutboxRelay {
  private readonly producer: EnvelopeProducer<EventEnvelope>;
  private readonly logger: Logger;
  private readonly ensured = new Set<string>();
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private stopping = false;
  private wake: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private leading = false;
  private checkpoint: bigint | undefined;
  private published = 0;

  constructor(
    private readonly deps: OutboxRelayDeps,
    private readonly options: OutboxRelayOptions,
  ) {
    if (!options.name) throw new OutboxRelayError('RELAY.INVALID_CONFIG', 'a relay needs a name');
    this.batchSize = options.batchSize ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 100;
    this.logger = deps.logger.child({ component: 'outbox-relay', relay: options.name });
    this.producer = new EnvelopeProducer(deps.kafka, marketEnvelopeCodec, this.logger);
  }

  status(): OutboxRelayStatus {
    return { leading: this.leading, position: this.checkpoint, published: this.published };
  }

  /**
   * Runs until stop(): waits to lead, then publishes forever. Rejects when a step fails (Kafka or
   * PostgreSQL gone for longer than their clients retry), having closed its connections and given
   * up the lead; run() again resumes from the checkpoint (whoever supervises it decides when).
   */
  run(): Promise<void> {
    this.running ??= this.loop()
      .finally(() => this.close())
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** Finishes the in-flight batch (publish and checkpoint), then releases the lock and disconnects. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running?.catch(() => undefined);
  }

  /**
   * Publishes one batch from the checkpoint on; returns how many events it published.
   * `prefetched` is a read already started for this checkpoint; the next read is started
   * before publishing, so reading the log overlaps the broker's round trip.
   */
  private async step(
    prefetched?: Promise<readonly LoggedEvent[]>,
  ): Promise<{ count: number; next?: Promise<readonly LoggedEvent[]> }> {
    const after = this.checkpoint ?? 0n;
    // `after` is exclusive; the filter only guards against an adapter that repeats one.
    const events = (await (prefetched ?? this.read(after))).filter((e) => e.position > after);
    if (events.length === 0) return { count: 0 };
    const messages = events.map((e) => {
      const envelope = toEnvelope(e);
      return { topic: routeOf(this.options.routes, envelope), envelope };
    });
    const last = events[events.length - 1]!.position;
    const next = events.length >= this.batchSize ? this.read(last) : undefined;
    next?.catch(() => undefined); // a failure surfaces when it is awaited
    await this.ensureTopics(messages.map((m) => m.topic));
    await this.producer.publish(messages);
    await this.deps.checkpoints.save(this.options.name, last); // only after the broker acked
    this.checkpoint = last;
    this.published += events.length;
    this.logger.debug({ count: events.length, position: last.toString() }, 'published');
    return { count: events.length, ...(next ? { next } : {}) };
  }

  private read(after: bigint): Promise<readonly LoggedEvent[]> {
    return this.deps.source.readAll({ after, maxCount: this.batchSize });
  }

  /** Connects and becomes leader; false if stop() came first. */
  private async start(): Promise<boolean> {
    await this.deps.checkpoints.connect();
    while (!this.stopping && !(await this.deps.checkpoints.tryLead(this.options.name))) {
      if (!this.leading) this.logger.info('another relay leads; standing by');
      await this.sleep(this.options.standbyPollMs ?? 1000);
    }
    if (this.stopping) return false;
    this.leading = true;
    this.checkpoint = await this.deps.checkpoints.load(this.options.name);
    await this.producer.connect();
    this.logger.info(
      { from: this.checkpoint?.toString() ?? 'the beginning' },
      'relay leads; publishing',
    );
    return true;
  }

  private async loop(): Promise<void> {
    if (!(await this.start())) return;
    let idleLogged = false;
    let prefetched: Promise<readonly LoggedEvent[]> | undefined;
    while (!this.stopping) {
      const { count, next } = await this.step(prefetched);
      prefetched = next;
      if (count > 0) {
        idleLogged = false;
        continue;
      }
      if (!idleLogged) {
        this.logger.debug(
          { position: this.checkpoint?.toString(), published: this.published },
          'caught up',
        );
        idleLogged = true;
      }
      await this.sleep(this.pollIntervalMs);
    }
  }

  private async ensureTopics(topics: readonly string[]): Promise<void> {
    const missing = [...new Set(topics)].filter((t) => !this.ensured.has(t));
    if (missing.length === 0) return;
    const { partitions, replicationFactor, config } = this.options.topics;
    const specs: TopicSpec[] = missing.map((topic) => ({
      topic,
      partitions,
      replicationFactor,
      ...(config ? { config } : {}),
    }));
    await ensureTopics(this.deps.kafka, specs, this.logger);
    for (const t of missing) this.ensured.add(t);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async close(): Promise<void> {
    this.leading = false;
    await this.producer.disconnect().catch(() => undefined);
    await this.deps.checkpoints.close(); // ends the session: the lock goes with it
    this.logger.info(
      { position: this.checkpoint?.toString(), published: this.published },
      'relay stopped',
    );
  }
}
