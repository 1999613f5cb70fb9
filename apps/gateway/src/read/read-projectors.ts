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
import type { PipelineSettings } from '../pipeline/pipeline.config';

export type ProjectorState = 'stopped' | 'starting' | 'running' | 'failed';

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
  readonly states: Record<string, ProjectorState> = {};
  readonly errors: Record<string, string> = {};
  private stopping = false;

  constructor(
    kafka: Kafka,
    readModel: DataSource,
    schema: string,
    settings: PipelineSettings,
    private readonly logger: Logger,
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
      this.states[projection.name] = 'stopped';
    }
    this.projectors = map;
  }

  /** Starts every projector without waiting (Kafka may come up after the gateway). */
  start(): void {
    for (const [name, projector] of this.projectors) {
      this.states[name] = 'starting';
      projector.start().then(
        () => {
          if (!this.stopping) this.states[name] = 'running';
        },
        (e: unknown) => {
          this.states[name] = 'failed';
          this.errors[name] = (e as Error).message;
          this.logger.error({ err: e, projection: name }, 'read projector failed');
        },
      );
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.projectors.values()].map((p) => p.stop()));
    for (const name of Object.keys(this.states))
      if (this.states[name] !== 'failed') this.states[name] = 'stopped';
  }

  health(): { ok: boolean; details: Record<string, unknown> } {
    return {
      ok: Object.values(this.states).every((s) => s === 'running' || s === 'starting'),
      details: {
        states: { ...this.states },
        ...(Object.keys(this.errors).length ? { errors: { ...this.errors } } : {}),
        stats: Object.fromEntries([...this.projectors].map(([name, p]) => [name, { ...p.stats }])),
      },
    };
  }
}
