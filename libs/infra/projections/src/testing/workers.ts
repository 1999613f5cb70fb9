// Entry scripts the exactly-once spec runs as child processes (and kills with SIGKILL):
//   node -r @swc-node/register workers.ts relay|projector
// Configured through the environment by the spec; they log JSON lines to stdout.
import pino from 'pino';
import { marketRoutes } from '@atelier/market-messages';
import { createKafka, onShutdownSignals } from '@atelier/kafka';
import { OutboxRelay, OutboxRelayCheckpoints } from '@atelier/outbox';
import { createProjectionDataSource } from '../data-source';
import { KafkaProjector } from '../kafka-projector';
import { ProjectionStore } from '../projection-store';
import { streamCounterProjection } from '../stream-counter.projection';
import { openTestStore } from './store';

/**
 * Fault injection for the spec: wait between Kafka's ack and the checkpoint write, so a
 * SIGKILL is likely to land in that window and the restarted relay republishes a batch.
 */
class SlowCheckpoints extends OutboxRelayCheckpoints {
  constructor(
    options: ConstructorParameters<typeof OutboxRelayCheckpoints>[0],
    logger: ConstructorParameters<typeof OutboxRelayCheckpoints>[1],
    private readonly delayMs: number,
  ) {
    super(options, logger);
  }

  override async save(relay: string, position: bigint): Promise<void> {
    await new Promise((r) => setTimeout(r, this.delayMs));
    await super.save(relay, position);
  }
}

const need = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

async function relay(): Promise<void> {
  const logger = pino({ name: 'relay-worker', level: process.env['LOG_LEVEL'] ?? 'info' });
  const schema = need('PG_SCHEMA');
  const prefix = need('TOPIC_PREFIX');
  const { store, close } = openTestStore(need('DATABASE_URL'), need('EVENT_STORE_SCHEMA'), 2);
  const kafka = createKafka({
    clientId: 'relay-worker',
    brokers: need('KAFKA_BROKERS').split(','),
    logger,
  });
  const relay = new OutboxRelay(
    {
      source: store,
      kafka,
      checkpoints: new SlowCheckpoints(
        { connection: need('DATABASE_URL'), schema },
        logger,
        Number(process.env['RELAY_CHECKPOINT_DELAY_MS'] ?? 0),
      ),
      logger,
    },
    {
      name: 'market',
      batchSize: Number(process.env['RELAY_BATCH'] ?? 200),
      pollIntervalMs: 50,
      standbyPollMs: 200,
      routes: marketRoutes(['artwork', 'orderbook'], prefix),
      topics: { partitions: Number(need('PARTITIONS')), replicationFactor: 1 },
    },
  );
  onShutdownSignals(async () => {
    await relay.stop();
    await close();
  }, logger);
  await relay.run();
}

async function projector(): Promise<void> {
  const logger = pino({ name: 'projector-worker', level: process.env['LOG_LEVEL'] ?? 'info' });
  const schema = need('PG_SCHEMA');
  const topics = need('TOPICS').split(',');
  const projection = streamCounterProjection();
  const dataSource = await createProjectionDataSource({
    url: need('DATABASE_URL'),
    schema,
    projections: [projection],
  });
  const kafka = createKafka({
    clientId: 'projector-worker',
    brokers: need('KAFKA_BROKERS').split(','),
    logger,
  });
  const projector = new KafkaProjector(
    kafka,
    new ProjectionStore(dataSource, schema),
    projection,
    {
      topics,
      groupId: need('GROUP_ID'),
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 500,
      chunkSize: 100,
      ensureTopics: topics.map((topic) => ({
        topic,
        partitions: Number(need('PARTITIONS')),
        replicationFactor: 1,
      })),
    },
    logger,
  );
  onShutdownSignals(async () => {
    await projector.stop();
    await dataSource.destroy();
  }, logger);
  await projector.start();
}

const role = process.argv[2];
(role === 'relay'
  ? relay()
  : role === 'projector'
    ? projector()
    : Promise.reject(new Error(`unknown role ${role}`))
).catch((e: unknown) => {
  process.stderr.write(`${role} worker failed: ${(e as Error).stack}\n`);
  process.exit(1);
});
