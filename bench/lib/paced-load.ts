// An open-loop load at a fixed rate, for a latency percentile "at N requests/s": request i is
// due at start + i / rate and is sent when it is due, over a pool of keep-alive connections;
// its latency runs from when it was due to the last byte of its answer. A server (or this
// generator) that stalls is charged for every request that should have gone out meanwhile, and
// a request that finds every connection busy waits in the pool on the clock: coordinated
// omission is accounted for by construction (as wrk2 does), not corrected after the fact.
//
// Why not autocannon's overallRate: each of its connections sends its share of a second's
// requests back to back at the top of every second and then idles (httpClient.js:
// reqsMadeThisSecond), so N requests/s arrive as one burst a second; and its correction records
// each answer with an expected interval of Math.ceil(1 / rate) (rate per connection, per second:
// 1 ms instead of 1000 / rate ms), which adds a sample for every millisecond of each answer's
// latency, so the percentiles weigh slow answers by their own latency.
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface PacedLoadOptions {
  readonly url: string;
  readonly method?: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  /** Requests per second, evenly spaced. */
  readonly rate: number;
  readonly seconds: number;
  /** Keep-alive connections at most (default 50). */
  readonly connections?: number;
  /** A request without its answer after this long counts as timed out (default 10 s). */
  readonly timeoutMs?: number;
}

export interface PacedLoadResult {
  readonly rate: number;
  readonly sent: number;
  readonly ok: number;
  /** Answers other than 2xx, connection errors and timeouts. */
  readonly failed: number;
  readonly timeouts: number;
  /** Answers per second over the pass (first due time to last answer). */
  readonly requestsPerSec: number;
  /** Latency from due time to the answer's last byte, ms. */
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  /** How late this generator sent requests (send time - due time), ms: its own share of the tail. */
  readonly sendLagP99Ms: number;
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
const ms = (v: number) => Math.round(v * 100) / 100;

export async function pacedLoad(options: PacedLoadOptions): Promise<PacedLoadResult> {
  const url = new URL(options.url);
  const method = options.method ?? 'GET';
  const total = Math.round(options.rate * options.seconds);
  if (!(total > 0))
    throw new Error(`pacedLoad: ${options.rate} req/s for ${options.seconds} s is no request`);
  const interval = 1000 / options.rate;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections ?? 50 });
  const headers = {
    ...(options.body ? { 'content-type': 'application/json' } : {}),
    ...options.headers,
  };
  const latencies: number[] = [];
  const lags: number[] = [];
  let ok = 0;
  let failed = 0;
  let timeouts = 0;
  let done = 0;
  let lastAnswer = 0;
  const start = performance.now();

  const finished = new Promise<void>((resolve) => {
    const settle = () => {
      if (++done === total) resolve();
    };
    const send = (due: number) => {
      lags.push(performance.now() - due);
      let answered = false;
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: `${url.pathname}${url.search}`,
          method,
          headers,
        },
        (res) => {
          res.on('data', () => undefined);
          res.on('end', () => {
            if (answered) return;
            answered = true;
            const now = performance.now();
            lastAnswer = now;
            latencies.push(now - due);
            if (res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300) ok++;
            else failed++;
            settle();
          });
        },
      );
      req.setTimeout(timeoutMs, () => {
        if (answered) return;
        answered = true;
        timeouts++;
        failed++;
        req.destroy();
        settle();
      });
      req.on('error', () => {
        if (answered) return;
        answered = true;
        failed++;
        settle();
      });
      req.end(options.body);
    };

    let next = 0;
    const tick = () => {
      const now = performance.now();
      for (; next < total && start + next * interval <= now; next++) send(start + next * interval);
      if (next < total) setTimeout(tick, Math.max(0, start + next * interval - performance.now()));
    };
    tick();
  });
  await finished;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  lags.sort((a, b) => a - b);
  return {
    rate: options.rate,
    sent: total,
    ok,
    failed,
    timeouts,
    requestsPerSec: Math.round((ok / ((lastAnswer - start) / 1000)) * 10) / 10,
    p50Ms: ms(percentile(latencies, 0.5)),
    p90Ms: ms(percentile(latencies, 0.9)),
    p99Ms: ms(percentile(latencies, 0.99)),
    p999Ms: ms(percentile(latencies, 0.999)),
    maxMs: ms(latencies[latencies.length - 1] ?? 0),
    sendLagP99Ms: ms(percentile(lags, 0.99)),
  };
}
