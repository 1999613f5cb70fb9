// The catalog `atelier replay` hands to the projections library's rebuild CLI
// (libs/infra/projections/src/cli/rebuild.ts, through infra/bin/rebuild-projection.sh): the
// projections of market events the gateway keeps (the orders model, market-orders) and the event store's
// log. A replay that starts later than position 0 (--from-position, --from-time) gets a log
// that begins after ATELIER_REPLAY_AFTER (an exclusive global position the command computed),
// so the rebuilt projection holds only what happened since: the "fresh projection from a
// position or a time" analysts ask for. Loaded by path, never imported.
import { Pool } from 'pg';
import { PostgresEventStore } from '@atelier/event-store';
import type { ReadAllOptions } from '@atelier/eventsourcing';
import { ordersProjection } from '@atelier/market-projections';
import { quoteIdent } from '@atelier/persistence';
import type { ProjectionCatalog } from '@atelier/projections';

export const catalog: ProjectionCatalog = {
  projections: [ordersProjection()],
  async openLog(env) {
    const url = env['EVENT_STORE_DATABASE_URL'] ?? env['GATEWAY_DATABASE_URL'];
    if (!url) throw new Error('EVENT_STORE_DATABASE_URL (or GATEWAY_DATABASE_URL) must be set');
    const schema = env['EVENT_STORE_SCHEMA'] ?? 'event_store';
    const after = BigInt(env['ATELIER_REPLAY_AFTER'] ?? '0');
    const pool = new Pool({ connectionString: url, max: 3, application_name: 'atelier-replay' });
    const store = new PostgresEventStore({ pool, schema, listen: false, notify: false });
    return {
      log: {
        readAll: (options: ReadAllOptions = {}) =>
          store.readAll({
            ...options,
            after: options.after === undefined || options.after < after ? after : options.after,
          }),
      },
      async count() {
        const { rows } = await pool.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM ${quoteIdent(schema)}.events WHERE position > $1`,
          [after.toString()],
        );
        return Number(rows[0]?.n ?? 0);
      },
      async close() {
        await store.close();
        await pool.end();
      },
    };
  },
};
