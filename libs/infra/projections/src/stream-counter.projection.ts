// The example projection: per stream, how many events were applied and the last revision
// seen, plus a counter of out-of-order arrivals. Tests and benchmarks use it because each
// of its numbers exposes a delivery bug: a duplicate inflates `events`, a loss leaves it
// short, a reordering bumps `outOfOrder`. Real domain projections live in libs/<domain>/projections.
import { EntitySchema } from 'typeorm';
import type { EventEnvelope } from '@atelier/market-messages';
import { marketEvents } from './formats';
import type { Projection } from './projection';

export interface StreamCounter {
  streamName: string;
  events: number;
  lastRevision: string;
  outOfOrder: number;
}

export const StreamCounterEntity = new EntitySchema<StreamCounter>({
  name: 'StreamCounter',
  tableName: 'stream_counters',
  columns: {
    streamName: { name: 'stream_name', type: 'text', primary: true },
    events: { type: 'integer' },
    lastRevision: { name: 'last_revision', type: 'bigint' },
    outOfOrder: { name: 'out_of_order', type: 'integer', default: 0 },
  },
});

/** `name` lets several copies run side by side (tests, benchmarks). */
export function streamCounterProjection(name = 'stream-counter'): Projection<EventEnvelope> {
  return {
    name,
    format: marketEvents,
    entities: [StreamCounterEntity],
    // One row per stream, the key of its messages: a KafkaProjector applies partitions at once
    // (the exactly-once spec kills it mid-stream that way).
    partitionsIndependent: true,
    async apply(event, tx) {
      const table = tx.connection.getMetadata(StreamCounterEntity).tablePath;
      // One upsert per event; out_of_order counts any revision that is not last + 1.
      await tx.query(
        `INSERT INTO ${table} AS c (stream_name, events, last_revision, out_of_order) VALUES ($1, 1, $2, 0)
         ON CONFLICT (stream_name) DO UPDATE SET
           events = c.events + 1,
           out_of_order = c.out_of_order + CASE WHEN EXCLUDED.last_revision = c.last_revision + 1 THEN 0 ELSE 1 END,
           last_revision = EXCLUDED.last_revision`,
        [event.streamName, event.streamRevision.toString()],
      );
    },
  };
}
