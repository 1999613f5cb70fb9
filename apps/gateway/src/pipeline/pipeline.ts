// The gateway's asynchronous side, in its own process: three loops that start after the app is
// wired and stop before its clients close.
// - the outbox relay: the event store's log -> Kafka market.* (one leader per relay name across
//   gateway instances, the others stand by);
// - the orders projector: market.* -> the orders read model (exactly once, checkpoint in the
//   read model's transaction);
// - the fillability tracker: chain.* facts -> re-read the chain -> Observe / settle / release;
// - the settlement consumer: pairs the settlement worker excluded before sending -> release.
// A loop that fails is restarted with a backoff (loop-supervisor.ts), reported by /health/ready
// (the `pipeline` check) meanwhile and logged; the HTTP edge stays up, since intake and reads do
// not depend on it for correctness, only freshness.
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import type { EventStore } from '@atelier/eventsourcing';
import type { EventEnvelope } from '@atelier/market-messages';
import { marketRoutes, marketTopic } from '@atelier/market-messages';
import { MARKET_CATEGORY } from '@atelier/market-domain';
import { ordersProjection } from '@atelier/market-projections';
import type { MarketRepository, TrackFillability } from '@atelier/market-application';
import type { Logger } from '@atelier/observability';
import { OutboxRelay, OutboxRelayCheckpoints } from '@atelier/outbox';
import { KafkaProjector, ProjectionStore } from '@atelier/projections';
import { FillabilityConsumer } from './fillability-consumer';
import { LoopSupervisor, type LoopState } from './loop-supervisor';
import { SettlementConsumer } from './settlement-consumer';
import type { PipelineSettings } from './pipeline.config';

export interface PipelineDeps {
  readonly kafka: Kafka;
  readonly store: EventStore;
  readonly readModel: DataSource;
  readonly readModelSchema: string;
  readonly databaseUrl: string;
  readonly tracker: TrackFillability;
  readonly markets: MarketRepository;
  readonly logger: Logger;
}

type LoopName = 'relay' | 'projector' | 'tracker' | 'settlement';
export type { LoopState };

export class Pipeline {
  readonly relay: OutboxRelay;
  readonly projector: KafkaProjector<EventEnvelope>;
  readonly fillability: FillabilityConsumer;
  readonly settlement: SettlementConsumer;
  private readonly loops: LoopSupervisor<LoopName>;
  private readonly logger: Logger;

  constructor(
    private readonly deps: PipelineDeps,
    readonly settings: PipelineSettings,
  ) {
    this.logger = deps.logger.child({ component: 'pipeline' });
    const topics = {
      partitions: settings.partitions,
      replicationFactor: settings.replicationFactor,
    };
    this.relay = new OutboxRelay(
      {
        source: deps.store,
        kafka: deps.kafka,
        checkpoints: new OutboxRelayCheckpoints(
          { connection: deps.databaseUrl, schema: 'messaging' },
          this.logger,
        ),
        logger: this.logger,
      },
      {
        name: `${settings.group}.outbox`,
        routes: marketRoutes([MARKET_CATEGORY], settings.marketTopicPrefix),
        topics,
      },
    );
    const marketTopicName = marketTopic(MARKET_CATEGORY, settings.marketTopicPrefix);
    this.projector = new KafkaProjector(
      deps.kafka,
      new ProjectionStore(deps.readModel, deps.readModelSchema),
      ordersProjection(),
      {
        topics: [marketTopicName],
        groupId: `${settings.group}.orders`,
        fromBeginning: true,
        replicationFactor: settings.replicationFactor,
        ensureTopics: [{ topic: marketTopicName, ...topics }],
      },
      this.logger,
    );
    this.fillability = new FillabilityConsumer(
      deps.kafka,
      deps.tracker,
      {
        groupId: `${settings.group}.fillability`,
        topicPrefix: settings.chainTopicPrefix,
        ...topics,
        partitions: settings.chainPartitions,
      },
      this.logger,
    );
    this.settlement = new SettlementConsumer(
      deps.kafka,
      deps.markets,
      { groupId: `${settings.group}.settlement`, topic: settings.settlementTopic, ...topics },
      this.logger,
    );
    this.loops = new LoopSupervisor(this.logger);
    this.loops.add('relay', {
      kind: 'runs',
      start: () => this.relay.run(),
      stop: () => this.relay.stop(),
    });
    for (const [name, consumer] of [
      ['projector', this.projector],
      ['tracker', this.fillability],
      ['settlement', this.settlement],
    ] as const)
      this.loops.add(name, {
        kind: 'starts',
        start: () => consumer.start(),
        stop: () => consumer.stop(),
        onFailure: (listener) => consumer.onFailure(listener),
      });
  }

  /** Starts the loops without waiting for them (Kafka may come up after the gateway). */
  start(): void {
    this.loops.start();
  }

  /** Stops the consumers (each finishes its chunk and commits), then the relay. */
  async stop(): Promise<void> {
    await this.loops.stop();
  }

  /** Each loop's state (restarting while it waits to be started again after a failure). */
  get states(): Readonly<Record<LoopName, LoopState>> {
    return this.loops.states;
  }

  /** Healthy while every loop runs (or is still connecting). */
  health(): { ok: boolean; details: Record<string, unknown> } {
    const { states, errors, restarts } = this.loops;
    return {
      ok: this.loops.healthy(),
      details: {
        states: { ...states },
        ...(Object.keys(errors).length ? { errors: { ...errors } } : {}),
        restarts: { ...restarts },
        relay: {
          ...this.relay.status(),
          position: this.relay.status().position?.toString() ?? null,
        },
        projector: { ...this.projector.stats },
        tracker: { ...this.fillability.stats },
        settlement: { ...this.settlement.stats },
      },
    };
  }
}
