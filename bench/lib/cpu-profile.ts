// BENCH_CPU_PROFILE=<dir>: a V8 CPU profile of one timed phase of a benchmark, written to
// <dir>/<label>.cpuprofile (open it in Chrome DevTools, or summarize it by self time). Without the
// variable, `profiled` just runs the phase. The profiler samples the bench process only (the
// projector, the load generator...), and slows it a little: figures of a profiled run are not
// the benchmark's figures.
import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

const DIR = process.env['BENCH_CPU_PROFILE'];

export async function profiled<T>(label: string, phase: () => Promise<T>): Promise<T> {
  if (!DIR) return phase();
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    try {
      return await phase();
    } finally {
      const { profile } = await session.post('Profiler.stop');
      await mkdir(DIR, { recursive: true });
      await writeFile(
        join(DIR, `${label.replace(/[^\w.-]+/g, '_')}.cpuprofile`),
        JSON.stringify(profile),
      );
    }
  } finally {
    session.disconnect();
  }
}
