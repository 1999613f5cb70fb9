// The chain-fact projectors of the read side, run in the gateway like the orders projector of
// ../pipeline (same Kafka client settings, topic prefix, partitions and group naming): one
// KafkaProjector per read model, each in its own consumer group, so a rebuild or a stuck model
// never holds back another. Artworks read chain.artwork-registry; settled trades and ledgers
// read chain.marketplace. Each chunk is applied with its checkpoint in one transaction.
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { chainTopic, type ChainFactEnvelope } from '@atelier/chain-messages';
import {
  artworksProjection,
  chainTradesProjection,
  ledgersProjection,
} from '@atelier/market-projections';
import type { Logger } from '@atelier/observability';
import { KafkaProjector, ProjectionStore, type Projection } from '@atelier/projections';
import { LoopSupervisor, type LoopState } from '../pipeline/loop-supervisor';
import type { PipelineSettings } from '../pipeline/pipeline.config';

export type ProjectorState = LoopState;

export const chainReadProjections = (): readonly Projection<ChainFactEnvelope>[] => [
  artworksProjection(),
  chainTradesProjection(),
  ledgersProjection(),
];

const CONTRACT_OF: Readonly<Record<string, string>> = {
  'chain-artworks': 'ArtworkRegistry',
  'chain-trades': 'Marketplace',
  'chain-ledgers': 'Marketplace',
};

export class ChainReadProjectors {
  readonly projectors: ReadonlyMap<string, KafkaProjector<ChainFactEnvelope>>;
  /** Restarts a projector whose start failed (Kafka not ready yet), with a backoff. */
  private readonly loops: LoopSupervisor<string>;

  constructor(
    kafka: Kafka,
    readModel: DataSource,
    schema: string,
    settings: PipelineSettings,
    logger: Logger,
  ) {
    const store = new ProjectionStore(readModel, schema);
    const map = new Map<string, KafkaProjector<ChainFactEnvelope>>();
    for (const projection of chainReadProjections()) {
      const topic = chainTopic(CONTRACT_OF[projection.name]!, settings.chainTopicPrefix);
      map.set(
        projection.name,
        new KafkaProjector(
          kafka,
          store,
          projection,
          {
            topics: [topic],
            groupId: `${settings.group}.read.${projection.name}`,
            fromBeginning: true,
            replicationFactor: settings.replicationFactor,
            // The chain relay creates them too; whoever starts first does (same settings).
            ensureTopics: [
              {
                topic,
                partitions: settings.chainPartitions,
                replicationFactor: settings.replicationFactor,
              },
            ],
          },
          logger,
        ),
      );
    }
    this.projectors = map;
    this.loops = new LoopSupervisor(logger);
    for (const [name, projector] of map)
      this.loops.add(name, {
        kind: 'starts',
        start: () => projector.start(),
        stop: () => projector.stop(),
        onFailure: (listener) => projector.onFailure(listener),
      });
  }

  get states(): Readonly<Record<string, ProjectorState>> {
    return this.loops.states;
  }

  /** Starts every projector without waiting (Kafka may come up after the gateway). */
  start(): void {
    this.loops.start();
  }

  async stop(): Promise<void> {
    await this.loops.stop();
  }

  health(): { ok: boolean; details: Record<string, unknown> } {
    return {
      ok: this.loops.healthy(),
      details: {
        states: { ...this.loops.states },
        ...(Object.keys(this.loops.errors).length ? { errors: { ...this.loops.errors } } : {}),
        restarts: { ...this.loops.restarts },
        stats: Object.fromEntries([...this.projectors].map(([name, p]) => [name, { ...p.stats }])),
      },
    };
  }
}
