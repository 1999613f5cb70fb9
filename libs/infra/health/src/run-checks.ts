// Runs readiness probes outside NestJS (the Ponder indexer has no Nest): each probe gets
// its own timeout, all run at once, and the result names every failing dependency.
import { abortable, type DependencyCheck } from './dependency-check';

export interface DependencyStatus {
  readonly status: 'up' | 'down';
  readonly responseTime: number;
  readonly [detail: string]: unknown;
}

export interface ReadinessReport {
  readonly status: 'ok' | 'error';
  readonly details: Record<string, DependencyStatus>;
}

export async function runChecks(
  checks: readonly DependencyCheck[],
  timeoutMs = 3000,
): Promise<ReadinessReport> {
  const entries = await Promise.all(
    checks.map(async (c): Promise<[string, DependencyStatus]> => {
      const started = performance.now();
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        const details = await abortable(c.check(signal), signal);
        return [
          c.name,
          { ...details, status: 'up', responseTime: Math.round(performance.now() - started) },
        ];
      } catch (e) {
        return [
          c.name,
          {
            status: 'down',
            message: signal.aborted ? `timed out after ${timeoutMs}ms` : (e as Error).message,
            responseTime: Math.round(performance.now() - started),
          },
        ];
      }
    }),
  );
  const details = Object.fromEntries(entries);
  return { status: entries.every(([, s]) => s.status === 'up') ? 'ok' : 'error', details };
}
