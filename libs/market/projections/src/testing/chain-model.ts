// Harness of the chain-fact read models' int specs: a model in its own PostgreSQL schema,
// messages delivered through the real runner (ProjectionStore.apply) partition by partition in
// chunks, partitions interleaved by a seeded PRNG (no order across partitions is promised),
// and a dump of every row of the model's tables for comparisons. Not exported.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { ChainFactEnvelope } from '@atelier/chain-messages';
import { createProjectionDataSource, ProjectionStore, type Projection } from '@atelier/projections';
import { partitioned, rng } from './chain-history';

const run = randomUUID().slice(0, 8);
const opened: { ds: DataSource; schema: string }[] = [];

export interface ChainModel {
  readonly ds: DataSource;
  readonly store: ProjectionStore;
  readonly projection: Projection<ChainFactEnvelope>;
  readonly schema: string;
  /** Delivers `messages` as Kafka would: per partition in order, partitions interleaved. */
  deliver(messages: readonly ChainFactEnvelope[], seed?: number): Promise<void>;
}

export async function openChainModel(
  tag: string,
  projection: Projection<ChainFactEnvelope>,
): Promise<ChainModel> {
  const schema = `chainrm_${run}_${tag}`;
  const ds = await createProjectionDataSource({
    url: process.env['GATEWAY_DATABASE_URL']!,
    schema,
    projections: [projection],
  });
  opened.push({ ds, schema });
  const store = new ProjectionStore(ds, schema);
  await store.ensureSchema();
  const offsets = new Map<string, bigint>();
  return {
    ds,
    store,
    projection,
    schema,
    async deliver(messages, seed = 1) {
      const random = rng(seed);
      const queues = [...partitioned(messages).entries()].map(([ref, list]) => ({ ref, list }));
      while (queues.some((q) => q.list.length > 0)) {
        const open = queues.filter((q) => q.list.length > 0);
        const q = open[Math.floor(random() * open.length)]!;
        const chunk = q.list.splice(0, 1 + Math.floor(random() * 3));
        let offset = offsets.get(q.ref) ?? 0n;
        const items = chunk.map((envelope) => ({ position: offset++, envelope }));
        offsets.set(q.ref, offset);
        const [source, partition] = q.ref.split('/');
        await store.apply(projection, { source: source!, partition: Number(partition) }, items);
      }
    },
  };
}

/** Every row of the given tables, ordered, as plain JSON. */
export async function dump(ds: DataSource, tables: Record<string, string>) {
  const out: Record<string, unknown> = {};
  for (const [name, sql] of Object.entries(tables))
    out[name] = JSON.parse(JSON.stringify(await ds.query(sql)));
  return out;
}

export async function closeChainModels(): Promise<void> {
  for (const { ds, schema } of opened.splice(0)) {
    await ds.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await ds.destroy();
  }
}
