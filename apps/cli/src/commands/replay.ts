// atelier replay: rebuilds a projection into a fresh state by replaying history, with a
// progress bar, counts and time. Projections of market events (orders) are rebuilt from the
// event store by the projections library's own rebuild CLI (infra/bin/rebuild-projection.sh
// with ../replay/catalog.ts): it drops the model's tables and checkpoints under the
// projection's exclusive lock (live projectors wait), replays and prints the bar and the
// final line itself. This command adds the starting point: --from-position N or --from-time
// ISO become an exclusive start position the catalog's log begins after.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Pool } from 'pg';
import { ORDERS_PROJECTION } from '@atelier/market-projections';
import { quoteIdent } from '@atelier/persistence';
import { EXIT_USAGE, json, parse, usageError, wholeNumber, type Command } from '../cli';
import { loadCliConfig } from '../config';

const REBUILD_EXIT_USAGE = 64;
const MARKET_PROJECTIONS = [ORDERS_PROJECTION];

const help = `usage: atelier replay <projection> [--from-position N | --from-time ISO] [--batch-size N] [--json]
  drops the projection's read-model tables and checkpoints and replays the event store's log into
  it (live projectors of it wait meanwhile), with a progress bar on stderr and the counts and time
  on stdout
  projections: ${MARKET_PROJECTIONS.join(', ')} (market events, from the event store)
  --from-position N   start at global position N (events before it are not applied)
  --from-time ISO     start at the first event recorded at or after this time
                      (with either, the projection holds only what happened since: a fresh
                      projection from that point, not the full state)
  --from-block N      is for projections of chain facts, which this command does not rebuild yet
                      (they are rebuilt from their chain.* topics by a new consumer group)
  --batch-size N      events per transaction (default 1000)
Reads GATEWAY_DATABASE_URL, READ_MODEL_SCHEMA (the model) and EVENT_STORE_SCHEMA (the log).`;

export const replayCommand: Command = {
  name: 'replay',
  summary: 'rebuild a projection from the event store (all history, or from a position or time)',
  help,
  async run(args, io) {
    const { values, positionals } = parse(args, {
      'from-position': { type: 'string' },
      'from-block': { type: 'string' },
      'from-time': { type: 'string' },
      'batch-size': { type: 'string' },
      json: { type: 'boolean' },
    });
    const [projection, ...extra] = positionals;
    if (!projection) throw usageError(`name the projection: ${MARKET_PROJECTIONS.join(', ')}`);
    if (extra.length) throw usageError(`unexpected arguments: ${extra.join(' ')}`);
    if (!MARKET_PROJECTIONS.includes(projection))
      throw usageError(`unknown projection '${projection}' (${MARKET_PROJECTIONS.join(', ')})`);
    const starts = (['from-position', 'from-block', 'from-time'] as const).filter(
      (k) => values[k] !== undefined,
    );
    if (starts.length > 1) throw usageError(`give one of --${starts.join(', --')}, not several`);
    if (values['from-block'] !== undefined)
      throw usageError(
        `${projection} is a projection of market events: they have positions and times, not blocks (use --from-position or --from-time)`,
      );
    const batch = values['batch-size'] ? wholeNumber('batch-size', values['batch-size']) : 1000n;
    if (batch < 1n || batch > 100_000n) throw usageError('--batch-size must be 1..100000');
    let fromTime: Date | undefined;
    if (values['from-time'] !== undefined) {
      const t = Date.parse(values['from-time']);
      if (!/^\d{4}-\d{2}-\d{2}/.test(values['from-time']) || Number.isNaN(t))
        throw usageError(`--from-time must be an ISO 8601 time, not '${values['from-time']}'`);
      fromTime = new Date(t);
    }
    const fromPosition =
      values['from-position'] !== undefined
        ? wholeNumber('from-position', values['from-position'])
        : undefined;

    const config = loadCliConfig([
      'ATELIER_ROOT',
      'GATEWAY_DATABASE_URL',
      'READ_MODEL_SCHEMA',
      'EVENT_STORE_SCHEMA',
    ]);
    // The log starts after this exclusive position (0: everything).
    let after = 0n;
    if (fromPosition !== undefined) after = fromPosition > 0n ? fromPosition - 1n : 0n;
    if (fromTime) {
      const pool = new Pool({ connectionString: config.GATEWAY_DATABASE_URL, max: 1 });
      try {
        const { rows } = await pool.query<{ p: string | null }>(
          `SELECT max(position)::text AS p FROM ${quoteIdent(config.EVENT_STORE_SCHEMA)}.events WHERE recorded_at < $1`,
          [fromTime.toISOString()],
        );
        after = BigInt(rows[0]?.p ?? '0');
      } finally {
        await pool.end();
      }
    }
    if (after > 0n) io.err(`replaying ${projection} from after global position ${after}`);

    const root = config.ATELIER_ROOT;
    const child = spawn(
      'bash',
      [
        join(root, 'infra/bin/rebuild-projection.sh'),
        '--catalog',
        join(root, 'apps/cli/src/replay/catalog.ts'),
        '--projection',
        projection,
        '--batch-size',
        batch.toString(),
      ],
      {
        stdio: ['ignore', values.json ? 'pipe' : 'inherit', 'inherit'],
        env: {
          ...process.env,
          PROJECTIONS_DATABASE_URL: config.GATEWAY_DATABASE_URL,
          PROJECTIONS_SCHEMA: config.READ_MODEL_SCHEMA,
          EVENT_STORE_DATABASE_URL: config.GATEWAY_DATABASE_URL,
          EVENT_STORE_SCHEMA: config.EVENT_STORE_SCHEMA,
          ATELIER_REPLAY_AFTER: after.toString(),
        },
      },
    );
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
    });
    if (code === REBUILD_EXIT_USAGE) return EXIT_USAGE;
    if (values.json && code === 0) {
      // "rebuilt orders: 12 events replayed, 12 applied, 0 duplicates skipped, up to position P, in 0.10 s (120 events/s)"
      const m =
        /rebuilt (\S+): (\d+) events replayed, (\d+) applied, (\d+) duplicates skipped, up to position (\d+), in ([\d.]+) s/.exec(
          stdout,
        );
      if (!m) {
        io.err(`unexpected output of the rebuild: ${stdout.trim()}`);
        return 1;
      }
      io.out(
        json({
          projection: m[1],
          fromPosition: after > 0n ? (after + 1n).toString() : '0',
          events: Number(m[2]),
          applied: Number(m[3]),
          duplicates: Number(m[4]),
          position: m[5],
          seconds: Number(m[6]),
        }),
      );
    }
    return code;
  },
};
