// atelier replay: rebuilds a projection into a fresh state by replaying history, with a
// progress bar, counts and time. Projections of market events (orders) are rebuilt from the
// event store by the projections library's own rebuild CLI (infra/bin/rebuild-projection.sh
// with ../replay/catalog.ts): it drops the model's tables and checkpoints under the
// projection's exclusive lock (live projectors wait), replays and prints the bar and the
// final line itself. This command adds the starting point: --from-position N or --from-time
// ISO become an exclusive start position the catalog's log begins after. Projections of chain
// facts (chain-artworks, chain-trades, chain-ledgers) are rebuilt from their chain.* topics
// (../replay/chain-replay.ts), from a block or a time if asked.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Pool } from 'pg';
import { ORDERS_PROJECTION } from '@atelier/market-projections';
import { quoteIdent } from '@atelier/persistence';
import { EXIT_USAGE, json, parse, usageError, wholeNumber, type Command, type Io } from '../cli';
import { loadCliConfig } from '../config';
import { CHAIN_PROJECTIONS, replayChainProjection } from '../replay/chain-replay';

const REBUILD_EXIT_USAGE = 64;
const MARKET_PROJECTIONS = [ORDERS_PROJECTION];
const ALL = [...MARKET_PROJECTIONS, ...Object.keys(CHAIN_PROJECTIONS)];

const help = `usage: atelier replay <projection> [--from-position N | --from-block N | --from-time ISO] [--json]
  drops the projection's read-model tables and checkpoints and replays its history into it (live
  projectors of it wait meanwhile), with a progress bar on stderr and the counts and time on stdout
  ${MARKET_PROJECTIONS.join(', ')}: market events, from the event store's log
  ${Object.keys(CHAIN_PROJECTIONS).join(', ')}: chain facts, from their chain.* topics
    (read up to where they end when the replay starts, by a consumer group of its own)
  --from-position N   (market events) start at global position N
  --from-block N      (chain facts) start at block N
  --from-time ISO     start at the first event recorded (market) or block mined (chain) at or
                      after this time
                      with a start, the projection holds only what happened since: a fresh
                      projection from that point, not the full state
  --batch-size N      (market events) events per transaction (default 1000)
Reads GATEWAY_DATABASE_URL, READ_MODEL_SCHEMA (the model), EVENT_STORE_SCHEMA (the log),
KAFKA_BROKERS and PIPELINE_CHAIN_TOPIC_PREFIX (default chain; the topics).`;

const parseTime = (value: string): Date => {
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(t))
    throw usageError(`--from-time must be an ISO 8601 time, not '${value}'`);
  return new Date(t);
};

async function replayChain(
  projection: string,
  fromBlock: bigint | undefined,
  fromTime: Date | undefined,
  asJson: boolean,
  io: Io,
): Promise<number> {
  const config = loadCliConfig([
    'GATEWAY_DATABASE_URL',
    'READ_MODEL_SCHEMA',
    'KAFKA_BROKERS',
    'PIPELINE_CHAIN_TOPIC_PREFIX',
  ]);
  const r = await replayChainProjection({
    url: config.GATEWAY_DATABASE_URL,
    schema: config.READ_MODEL_SCHEMA,
    brokers: config.KAFKA_BROKERS,
    topicPrefix: config.PIPELINE_CHAIN_TOPIC_PREFIX,
    projection,
    ...(fromBlock !== undefined ? { fromBlock } : {}),
    ...(fromTime ? { fromTime: Math.floor(fromTime.getTime() / 1000) } : {}),
  });
  if (asJson)
    io.out(
      json({
        ...r,
        fromBlock: fromBlock?.toString() ?? null,
        fromTime: fromTime?.toISOString() ?? null,
      }),
    );
  else
    io.out(
      `rebuilt ${r.projection}: ${r.messages} messages of ${r.topic} replayed, ${r.applied} applied, ` +
        `${r.skippedBefore} before the start skipped, ${r.duplicates} duplicates skipped, in ${r.seconds.toFixed(2)} s ` +
        `(${r.joinSeconds.toFixed(2)} s of it joining the consumer group) ` +
        `(${Math.round(r.messages / Math.max(r.seconds, 0.001))} messages/s)`,
    );
  return 0;
}

export const replayCommand: Command = {
  name: 'replay',
  summary: 'rebuild a projection from its history (all of it, or from a position, block or time)',
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
    if (!projection) throw usageError(`name the projection: ${ALL.join(', ')}`);
    if (extra.length) throw usageError(`unexpected arguments: ${extra.join(' ')}`);
    if (!ALL.includes(projection))
      throw usageError(`unknown projection '${projection}' (${ALL.join(', ')})`);
    const starts = (['from-position', 'from-block', 'from-time'] as const).filter(
      (k) => values[k] !== undefined,
    );
    if (starts.length > 1) throw usageError(`give one of --${starts.join(', --')}, not several`);
    const fromTimeArg =
      values['from-time'] !== undefined ? parseTime(values['from-time']) : undefined;
    if (CHAIN_PROJECTIONS[projection]) {
      if (values['from-position'] !== undefined)
        throw usageError(
          `${projection} is a projection of chain facts: they have blocks and times, not store positions (use --from-block or --from-time)`,
        );
      if (values['batch-size'] !== undefined)
        throw usageError('--batch-size is for projections of market events');
      const fromBlock =
        values['from-block'] !== undefined
          ? wholeNumber('from-block', values['from-block'])
          : undefined;
      return replayChain(projection, fromBlock, fromTimeArg, !!values.json, io);
    }
    if (values['from-block'] !== undefined)
      throw usageError(
        `${projection} is a projection of market events: they have positions and times, not blocks (use --from-position or --from-time)`,
      );
    const batch = values['batch-size'] ? wholeNumber('batch-size', values['batch-size']) : 1000n;
    if (batch < 1n || batch > 100_000n) throw usageError('--batch-size must be 1..100000');
    const fromTime = fromTimeArg;
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
