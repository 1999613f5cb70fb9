// rebuild: drop a projection's read-model tables and checkpoints and replay the event log
// into it from position 0, with a progress bar and a final count.
//
//   node -r @swc-node/register libs/infra/projections/src/cli/rebuild.ts \
//     --catalog <module exporting `catalog`> --projection <name> [--batch-size 5000]
//   (infra/bin/rebuild-projection.sh fills in the stack's database URL)
//
// Environment: PROJECTIONS_DATABASE_URL (default GATEWAY_DATABASE_URL), PROJECTIONS_SCHEMA
// (default read_models), plus whatever the catalog's openLog reads. Exit codes: 0 done,
// 1 failed, 64 bad usage. Live projectors of the same projection pause while it runs.
// swc-node rather than tsx: read-model entities may use decorators with emitted metadata (0004).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import pino from 'pino';
import type { ProjectionCatalog } from '../catalog';
import { createProjectionDataSource } from '../data-source';
import { ProjectionStore } from '../projection-store';
import { rebuildProjection, REPLAY_BATCH_SIZE } from '../replay';

const EXIT_USAGE = 64;

function usage(message: string): never {
  process.stderr.write(
    `${message}\nusage: rebuild --catalog <module> --projection <name> [--batch-size n]\n`,
  );
  process.exit(EXIT_USAGE);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      catalog: { type: 'string' },
      projection: { type: 'string' },
      'batch-size': { type: 'string', default: String(REPLAY_BATCH_SIZE) },
    },
  });
  if (!values.catalog) usage('--catalog is required');
  if (!values.projection) usage('--projection is required');
  const batchSize = Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    usage('--batch-size must be a positive integer');
  const url = process.env['PROJECTIONS_DATABASE_URL'] ?? process.env['GATEWAY_DATABASE_URL'];
  if (!url) usage('PROJECTIONS_DATABASE_URL (or GATEWAY_DATABASE_URL) must be set');
  const schema = process.env['PROJECTIONS_SCHEMA'] ?? 'read_models';

  const mod = require(resolve(values.catalog)) as { catalog?: ProjectionCatalog };
  const catalog = mod.catalog;
  if (!catalog) usage(`${values.catalog} does not export a 'catalog'`);
  const projection = catalog.projections.find((p) => p.name === values.projection);
  if (!projection)
    usage(
      `unknown projection '${values.projection}'; known: ${catalog.projections.map((p) => p.name).join(', ')}`,
    );

  const logger = pino(
    { name: 'rebuild', level: process.env['LOG_LEVEL'] ?? 'warn' },
    pino.destination(2),
  );
  const opened = await catalog.openLog(process.env);
  const dataSource = await createProjectionDataSource({
    url,
    schema,
    projections: catalog.projections,
    applicationName: 'atelier-rebuild',
  });
  const total = (await opened.count?.()) ?? 0;
  const bar = new SingleBar(
    {
      format: `${projection.name} [{bar}] {percentage}% | {value}/{total} events | position {position} | {rate} ev/s`,
      stream: process.stderr,
      hideCursor: true,
      // also when stderr is a file or a pipe (CI, the spec): one line per second instead of redraws
      noTTYOutput: true,
      notTTYSchedule: 1000,
      etaBuffer: 50,
    },
    Presets.shades_classic,
  );
  const started = Date.now();
  bar.start(total, 0, { position: '0', rate: 0 });
  try {
    const result = await rebuildProjection(
      new ProjectionStore(dataSource, schema),
      projection,
      opened.log,
      {
        batchSize,
        logger,
        onProgress: ({ events, position }) => {
          if (events > bar.getTotal()) bar.setTotal(events); // appended while replaying
          bar.update(events, {
            position: position.toString(),
            rate: Math.round(events / Math.max(0.001, (Date.now() - started) / 1000)),
          });
        },
      },
    );
    bar.update(result.events);
    bar.stop();
    const rate = result.seconds > 0 ? Math.round(result.events / result.seconds) : result.events;
    process.stdout.write(
      `rebuilt ${projection.name}: ${result.events} events replayed, ${result.applied} applied, ${result.duplicates} duplicates skipped, ` +
        `up to position ${result.position ?? 0n}, in ${result.seconds.toFixed(2)} s (${rate} events/s)\n`,
    );
  } finally {
    bar.stop();
    await dataSource.destroy();
    await opened.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`rebuild failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
