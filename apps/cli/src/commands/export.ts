// atelier export: a history (trades, ledgers, provenance, lineage, events) to a CSV or
// Parquet file through DuckDB, with the dataset's filters. See ../export/ for the datasets
// and the writer.
import { resolve } from 'node:path';
import { createPool } from '@atelier/persistence';
import { json, parse, usageError, type Command } from '../cli';
import { loadCliConfig } from '../config';
import { DATASETS, datasetQuery, filterValue, type Dataset } from '../export/datasets';
import { writeDataset, type ExportFormat } from '../export/writer';

const FORMATS: readonly ExportFormat[] = ['csv', 'parquet'];

const help = `usage: atelier export <${DATASETS.map((d) => d.name).join('|')}> --format csv|parquet --out FILE [filters] [--json]

${DATASETS.map(
  (d) =>
    `  ${d.name.padEnd(11)} ${d.summary}\n${Object.entries(d.filters)
      .map(([name, f]) => `      --${name.padEnd(14)} ${f.describe}`)
      .join('\n')}`,
).join('\n')}

Rows come from the read models (READ_MODEL_SCHEMA) and the event store (EVENT_STORE_SCHEMA) in
GATEWAY_DATABASE_URL, read in one consistent snapshot. Amounts and token ids are exact decimal
strings; blocks and positions BIGINT; times TIMESTAMPTZ in UTC; event data JSON.
Prints what it wrote (--json: as JSON) on stdout.`;

const allFilters = Object.fromEntries(
  DATASETS.flatMap((d) => Object.keys(d.filters)).map((name) => [
    name,
    { type: 'string' as const },
  ]),
);

export const exportCommand: Command = {
  name: 'export',
  summary: 'export trades, ledgers, provenance, lineage or events to CSV or Parquet',
  help,
  async run(args, io) {
    const { values, positionals } = parse(args, {
      ...allFilters,
      format: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
    });
    const [name, ...extra] = positionals;
    if (!name) throw usageError('name what to export: ' + DATASETS.map((d) => d.name).join(', '));
    if (extra.length) throw usageError(`unexpected arguments: ${extra.join(' ')}`);
    const dataset: Dataset | undefined = DATASETS.find((d) => d.name === name);
    if (!dataset)
      throw usageError(`unknown dataset '${name}' (${DATASETS.map((d) => d.name).join(', ')})`);
    const format = values.format as string | undefined;
    if (!format) throw usageError('--format is required (csv or parquet)');
    if (!FORMATS.includes(format as ExportFormat))
      throw usageError(`--format must be csv or parquet, not '${format}'`);
    const outArg = values.out as string | undefined;
    if (!outArg) throw usageError('--out FILE is required');
    const filters: Record<string, string> = {};
    for (const [key, value] of Object.entries(values)) {
      if (key === 'format' || key === 'out' || key === 'json' || value === undefined) continue;
      const filter = dataset.filters[key];
      if (!filter) throw usageError(`--${key} does not filter ${dataset.name}`);
      filters[key] = filterValue(key, filter, value as string);
    }

    const config = loadCliConfig([
      'GATEWAY_DATABASE_URL',
      'READ_MODEL_SCHEMA',
      'EVENT_STORE_SCHEMA',
    ]);
    const pool = createPool(config.GATEWAY_DATABASE_URL, 'atelier-cli-export', 1);
    const out = resolve(outArg);
    try {
      const query = datasetQuery(
        dataset,
        { readModels: config.READ_MODEL_SCHEMA, eventStore: config.EVENT_STORE_SCHEMA },
        filters,
      );
      const result = await writeDataset(pool, query, dataset.columns, format as ExportFormat, out);
      const summary = {
        dataset: dataset.name,
        format,
        file: out,
        rows: result.rows,
        bytes: result.bytes,
        seconds: Number(result.seconds.toFixed(3)),
        filters,
      };
      if (values.json) io.out(json(summary));
      else
        io.out(
          `exported ${result.rows} ${dataset.name} rows to ${out} (${format}, ${result.bytes} bytes) in ${result.seconds.toFixed(2)} s`,
        );
      return 0;
    } finally {
      await pool.end();
    }
  },
};
