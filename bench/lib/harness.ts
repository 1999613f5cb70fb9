// What every benchmark shares: the bench stack's addresses, timing, percentiles, a printed
// table with ratios against the baseline measured in the same run, and the results file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { stackEnv, type StackEnv } from '@atelier/testing';

export const benchRoot = resolve(__dirname, '..');

/** Addresses of the running bench stack (started by infra/bin/bench.sh). */
export function benchEnv(): StackEnv {
  process.env['ATELIER_STACK'] ??= 'bench';
  return stackEnv();
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = process.hrtime.bigint();
  const value = await fn();
  return { value, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

export interface BenchRow {
  readonly figure: string;
  readonly value: number;
  readonly unit: string;
  /** The baseline figure this one is compared with, measured in the same run. */
  readonly baseline?: { readonly figure: string; readonly value: number };
  readonly goal?: string;
}

/** Prints the table and writes bench/results/<name>.json; ratios are value / baseline. */
export function report(
  name: string,
  rows: readonly BenchRow[],
  context: Record<string, unknown> = {},
): void {
  const withRatio = rows.map((r) => ({
    ...r,
    ratio: r.baseline ? round(r.value / r.baseline.value, 3) : undefined,
  }));
  const table = withRatio.map((r) => ({
    figure: r.figure,
    value: `${round(r.value)} ${r.unit}`,
    baseline: r.baseline ? `${r.baseline.figure} = ${round(r.baseline.value)}` : '',
    ratio: r.ratio ?? '',
    goal: r.goal ?? '',
  }));
  console.table(table);
  const dir = join(benchRoot, 'results');
  mkdirSync(dir, { recursive: true });
  const figures = Object.fromEntries(
    withRatio.map((r) => [
      r.figure,
      r.ratio === undefined ? r.value : { value: r.value, baseline: r.baseline, ratio: r.ratio },
    ]),
  );
  const file = join(dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        bench: name,
        measuredAt: new Date().toISOString(),
        machine: { cpus: cpus().length, node: process.version },
        context,
        figures,
        rows: withRatio,
      },
      null,
      2,
    ) + '\n',
  );
  console.log(`wrote ${file}`);
}
