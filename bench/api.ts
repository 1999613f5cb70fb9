// `npm run bench:api` (issue 10): the gateway's read endpoints under HTTP load (autocannon), REST
// and GraphQL, over a seeded market, each against a bare Fastify route answering the same JSON
// from memory in the same run (ratio = ours / bare, requests/s).
//
// Seeded (bench/lib/market-seed.ts): a fresh schema of the bench stack's gateway database filled
// through the real projections (ProjectionStore.apply with the orders, chain-artworks,
// chain-trades and chain-ledgers projections, checkpoints and all), not through the chain or
// Kafka: BENCH_ARTWORKS works (default 10,000) minted on one registry, BENCH_ACCOUNTS accounts
// (default 1,000) with a deposit each, BENCH_TRADES settled trades (default 2,000) with their
// royalty/attribution credits and transfers, and BENCH_ORDERS OrderAccepted events (default
// 100,000): 40 % on the registry's collection, the rest over 20 other collections, one in four
// fillable. The events and facts are synthetic but valid: market events through the market's
// codec, chain facts through chainFact/toJsonArgs, in the shapes the decider and the relay emit.
//
// The gateway is the production build (dist/, `infra/bin/build.sh gateway`, as the bench stack
// runs it) in a process of its own with PIPELINE_ENABLED=false (no relay, projectors or Kafka:
// it serves the seeded rows) and its reads pointed at the seeded schema (the stack's anvil and
// contracts are started only because the gateway reads their deployments file at boot); the bare server is
// another process (bench/lib/bare-server.ts); autocannon runs here. Endpoints, one fixed URL
// each: the registry's collection book, one work (with a parent, a contributor and a sale), one
// account's ledger (deposit, purchases, sales, royalties); GraphQL asks for the fields the REST
// answer has. Each pass lasts BENCH_SECONDS (default 10) with BENCH_CONNECTIONS (default 10),
// ours then bare, after a short warm-up. Then one fixed-rate pass of the REST book at
// BENCH_RATE (default 1,000) req/s for its p99: evenly paced, latency from each request's due
// time (bench/lib/paced-load.ts), ours and bare; and autocannon's overallRate for comparison.
// Goals: ratio >= 0.5 for the order book; p99 < 20 ms at 1,000 req/s. The gateway answers books
// from memory (read/order-book-cache.ts: the book is loaded on its first read, the check below,
// and its JSON rebuilt once a second since `at` moves) and limits keyless reads in process.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Pool } from 'pg';
import { benchEnv, benchRoot, report, round, type BenchRow } from './lib/harness';
import { pacedLoad } from './lib/paced-load';
import { seedMarket, type SeededMarket } from './lib/market-seed';

const num = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const SIZE = {
  artworks: num('BENCH_ARTWORKS', 10_000),
  orders: num('BENCH_ORDERS', 100_000),
  accounts: num('BENCH_ACCOUNTS', 1_000),
  trades: num('BENCH_TRADES', 2_000),
};
const SECONDS = num('BENCH_SECONDS', 10);
const WARMUP_SECONDS = num('BENCH_WARMUP_SECONDS', 2);
const CONNECTIONS = num('BENCH_CONNECTIONS', 10);
const RATE = num('BENCH_RATE', 1_000);
/** BENCH_ENDPOINTS=orderBook,ledger/rest: only those endpoints' (or endpoint/transport) passes;
 *  the fixed-rate pass always runs. */
const ONLY = process.env['BENCH_ENDPOINTS']?.split(',').map((s) => s.trim());
/** Extra node flags for the gateway process alone (e.g. --cpu-prof --cpu-prof-dir=/tmp/p, or V8's
 *  --trace-gc with BENCH_CHILD_LOG_DIR), space-separated. */
const GATEWAY_NODE_ARGS = (process.env['BENCH_GATEWAY_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
const GOAL_RATIO = 0.5;
const GOAL_P99_MS = 20;
const root = join(benchRoot, '..');
const log = (msg: string): void => console.log(`[bench:api] ${msg}`);

interface Target {
  readonly endpoint: 'orderBook' | 'artwork' | 'ledger';
  readonly transport: 'rest' | 'graphql';
  readonly method: 'GET' | 'POST';
  /** Path on both servers; GraphQL posts to /graphql on ours and a route of its own on bare. */
  readonly path: string;
  readonly barePath: string;
  readonly body?: string;
}

const SIDE =
  'levels { price count total } orders priceLevels best { hash maker kind tokenId price }';
const BOOK = `collection tokenId at levels position { market }
  currencies { currency floor spread asks { ${SIDE} } bids { ${SIDE} } tokenBids { ${SIDE} } }`;
const ARTWORK = `collection tokenId creator owner
  provenance { provenanceHash modelId modelHash promptHash seed manifestHash manifestURI }
  royalty { receiver bps } parentCount contributorCount minted { block logIndex transactionHash at }
  parentTokenIds contributors { account bps }`;
const LEDGER = `account position { block market } currencies {
  currency deposited withdrawn paid credited { royalty attribution fee proceeds } balance
  pending { trades paid credited { royalty attribution fee proceeds } net } balanceAfterPending }`;

function targets(m: SeededMarket): Target[] {
  const gql = (endpoint: Target['endpoint'], query: string): Target => ({
    endpoint,
    transport: 'graphql',
    method: 'POST',
    path: '/graphql',
    barePath: `/graphql-${endpoint}`,
    body: JSON.stringify({ query }),
  });
  const rest = (endpoint: Target['endpoint'], path: string): Target => ({
    endpoint,
    transport: 'rest',
    method: 'GET',
    path,
    barePath: path,
  });
  return [
    rest('orderBook', `/v1/collections/${m.registry}/book`),
    gql('orderBook', `{ orderBook(collection: "${m.registry}") { ${BOOK} } }`),
    rest('artwork', `/v1/artworks/${m.registry}/${m.artworkTokenId}`),
    gql(
      'artwork',
      `{ artwork(collection: "${m.registry}", tokenId: "${m.artworkTokenId}") { artwork { ${ARTWORK} } position { block } } }`,
    ),
    rest('ledger', `/v1/ledgers/${m.ledgerAccount}`),
    gql('ledger', `{ ledger(account: "${m.ledgerAccount}") { ${LEDGER} } }`),
  ];
}

/*//////////////////////////////////////////////////////////////
                            PROCESSES
//////////////////////////////////////////////////////////////*/

const children: ChildProcess[] = [];
/** Children that ended, with the tail of their output: a wait on them fails at once. */
const exited = new Map<string, string>();

function start(cmd: string, args: string[], env: NodeJS.ProcessEnv, name: string): ChildProcess {
  const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let tail = '';
  const keep = (d: Buffer) => {
    tail = (tail + d.toString()).slice(-4_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  // BENCH_CHILD_LOG_DIR: each child's whole output in <dir>/<name>.log (e.g. with --trace-gc).
  const dir = process.env['BENCH_CHILD_LOG_DIR'];
  if (dir) {
    const file = createWriteStream(join(dir, `${name}.log`));
    child.stdout!.pipe(file);
    child.stderr!.pipe(file);
  }
  child.on('exit', (code) => {
    exited.set(name, `${name} exited with ${code}: ${tail}`);
  });
  return child;
}

async function waitFor(url: string, init: RequestInit = {}, seconds = 90): Promise<void> {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    if (exited.size > 0) throw new Error([...exited.values()].join('\n'));
    const res = await fetch(url, init).catch(() => null);
    if (res?.ok) return;
    if (Date.now() > until) throw new Error(`${url} did not answer 200 within ${seconds} s (last ${res?.status})`); // prettier-ignore
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** The gateway's Prometheus text (`GET /metrics`); scraping also resets prom-client's
 *  event-loop-lag window, so a scrape before a pass and one after it frame that pass. */
async function scrape(base: string): Promise<string> {
  const res = await fetch(`${base}/metrics`);
  return res.ok ? res.text() : '';
}

/** `name{labels} value` lines of a metric, labels parsed. */
function samples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const open = line.indexOf('{');
    const close = line.lastIndexOf('}');
    const labels: Record<string, string> = {};
    if (open >= 0 && open < name.length + 1)
      for (const m of line.slice(open + 1, close).matchAll(/(\w+)="([^"]*)"/g))
        labels[m[1]!] = m[2]!;
    out.push({ labels, value: Number(line.slice((close >= 0 ? close : name.length) + 1).trim()) });
  }
  return out;
}

/**
 * What the gateway itself saw of a pass, from its metrics before and after: the share of the
 * route's requests its own timer (Fastify's onRequest to onResponse) put over 5, 10 and 25 ms,
 * and the event loop's delay p99 over the pass. Tells a tail made inside the process from one
 * made outside it (sockets, the load generator, the machine).
 */
function serverSide(before: string, after: string, route: string) {
  const buckets = (text: string) =>
    new Map(
      samples(text, 'atelier_http_request_duration_seconds_bucket')
        .filter((s) => s.labels['route'] === route && s.labels['method'] === 'GET')
        .map((s) => [s.labels['le']!, s.value]),
    );
  const a = buckets(before);
  const b = buckets(after);
  const count = (le: string) => (b.get(le) ?? 0) - (a.get(le) ?? 0);
  const total = count('+Inf');
  const over = (le: string) => (total > 0 ? round((total - count(le)) / total, 4) : null);
  const lag = samples(after, 'atelier_nodejs_eventloop_lag_p99_seconds')[0]?.value;
  return {
    requests: total,
    shareOver5Ms: over('0.005'),
    shareOver10Ms: over('0.01'),
    shareOver25Ms: over('0.025'),
    eventLoopLagP99Ms: lag === undefined ? null : round(lag * 1000, 2),
  };
}

/*//////////////////////////////////////////////////////////////
                              LOAD
//////////////////////////////////////////////////////////////*/

interface Pass {
  readonly requestsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  /** Requests autocannon gave up on (10 s): counted, never hidden (only the fixed-rate pass may have any). */
  readonly timeouts: number;
}

async function load(
  base: string,
  t: Target,
  path: string,
  opts: { seconds: number; connections?: number; overallRate?: number; allowTimeouts?: boolean },
): Promise<Pass> {
  const result = await autocannon({
    url: `${base}${path}`,
    method: t.method,
    ...(t.body ? { body: t.body, headers: { 'content-type': 'application/json' } } : {}),
    connections: opts.connections ?? CONNECTIONS,
    duration: opts.seconds,
    ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
  });
  // autocannon's `errors` include its timeouts.
  const bad = result.non2xx + result.errors - (opts.allowTimeouts ? result.timeouts : 0);
  if (bad > 0)
    throw new Error(`${t.endpoint} ${t.transport} on ${base}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`); // prettier-ignore
  return {
    requestsPerSec: round(result.requests.average, 1),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    timeouts: result.timeouts,
  };
}

/*//////////////////////////////////////////////////////////////
                               MAIN
//////////////////////////////////////////////////////////////*/

async function main(): Promise<void> {
  const env = benchEnv();
  const tag = randomBytes(4).toString('hex');
  const schemas = {
    readModel: `bench_api_rm_${tag}`,
    eventStore: `bench_api_es_${tag}`,
    access: `bench_api_ac_${tag}`,
  };
  const loadBefore = loadavg().map((l) => round(l));
  try {
    log(`seeding ${JSON.stringify(SIZE)} into ${schemas.readModel}`);
    const seedStarted = Date.now();
    const market = await seedMarket(env.GATEWAY_DATABASE_URL, schemas.readModel, SIZE, log);
    const seedSeconds = round((Date.now() - seedStarted) / 1000, 1);
    log(`seeded in ${seedSeconds} s: ${JSON.stringify(market.counts)}`);

    log('building the gateway (dist/, as the bench stack runs it)');
    execFileSync('bash', ['infra/bin/build.sh', 'gateway'], { cwd: root, stdio: 'inherit' });
    const ours = `http://127.0.0.1:${env.GATEWAY_PORT}`;
    start(
      'node',
      [...GATEWAY_NODE_ARGS, 'dist/apps/gateway/src/main.js'],
      {
        ...process.env,
        LOG_LEVEL: 'warn',
        PIPELINE_ENABLED: 'false',
        READ_MODEL_SCHEMA: schemas.readModel,
        EVENT_STORE_SCHEMA: schemas.eventStore,
        ACCESS_SCHEMA: schemas.access,
        // One client IP sends everything here: keyless reads must not be rate limited.
        ACCESS_IP_RPS: '1000000',
        ACCESS_IP_BURST: '1000000',
      },
      'gateway',
    );
    const list = targets(market);
    await waitFor(`${ours}${list[0]!.path}`);

    // What ours answers is what bare answers, byte for byte.
    const routes = [];
    for (const t of list) {
      const res = await fetch(`${ours}${t.path}`, {
        method: t.method,
        ...(t.body ? { body: t.body, headers: { 'content-type': 'application/json' } } : {}),
      });
      const body = await res.text();
      if (res.status !== 200 || body.includes('"errors"'))
        throw new Error(`${t.endpoint} ${t.transport}: ${res.status} ${body.slice(0, 500)}`);
      routes.push({ method: t.method, url: t.barePath, body });
    }
    const book = JSON.parse(routes[0]!.body) as {
      currencies: {
        asks: { orders: number };
        bids: { orders: number };
        tokenBids: { orders: number };
      }[];
    };
    const c0 = book.currencies[0];
    if (!c0 || c0.asks.orders === 0) throw new Error('the seeded book has no asks');
    log(
      `book of the registry: ${c0.asks.orders} asks, ${c0.bids.orders} collection bids, ` +
        `${c0.tokenBids.orders} token bids (fillable); bodies ${routes.map((r) => r.body.length).join(', ')} bytes`,
    );
    const barePort = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'bench-api-'));
    writeFileSync(join(dir, 'routes.json'), JSON.stringify({ port: barePort, routes }));
    start('tsx', ['bench/lib/bare-server.ts', join(dir, 'routes.json')], process.env, 'bare');
    const bare = `http://127.0.0.1:${barePort}`;
    await waitFor(`${bare}${list[0]!.barePath}`);

    const endpoints: Record<string, Record<string, Pass & { bare: Pass; ratio: number }>> = {};
    const rows: BenchRow[] = [];
    for (const t of list) {
      if (ONLY && !ONLY.includes(t.endpoint) && !ONLY.includes(`${t.endpoint}/${t.transport}`))
        continue;
      await load(ours, t, t.path, { seconds: WARMUP_SECONDS });
      await load(bare, t, t.barePath, { seconds: WARMUP_SECONDS });
      const a = await load(ours, t, t.path, { seconds: SECONDS });
      const b = await load(bare, t, t.barePath, { seconds: SECONDS });
      const ratio = round(a.requestsPerSec / b.requestsPerSec, 3);
      (endpoints[t.endpoint] ??= {})[t.transport] = { ...a, bare: b, ratio };
      log(
        `${t.endpoint} ${t.transport}: ${a.requestsPerSec} req/s (p50 ${a.p50Ms} ms, p99 ${a.p99Ms} ms); ` +
          `bare ${b.requestsPerSec} req/s (p50 ${b.p50Ms}, p99 ${b.p99Ms}); ratio ${ratio}`,
      );
      const name = `${t.endpoint} ${t.transport}`;
      rows.push(
        {
          figure: `${name} requests/s`,
          value: a.requestsPerSec,
          unit: 'req/s',
          baseline: { figure: 'bare Fastify, same JSON', value: b.requestsPerSec },
          ...(t.endpoint === 'orderBook' ? { goal: `ratio >= ${GOAL_RATIO}` } : {}),
        },
        { figure: `${name} p50`, value: a.p50Ms, unit: 'ms' },
        { figure: `${name} p99`, value: a.p99Ms, unit: 'ms' },
      );
    }

    // The p99 at a fixed rate: an evenly paced open-loop load (bench/lib/paced-load.ts: latency
    // from each request's due time), ours then bare. autocannon's overallRate pass follows for
    // comparison only (it bursts each second's requests and weighs slow answers by their latency:
    // see paced-load.ts).
    const bookRest = list[0]!;
    const paced = (base: string, path: string) =>
      pacedLoad({ url: `${base}${path}`, rate: RATE, seconds: SECONDS, connections: 50 });
    log(`fixed rate: ${bookRest.path} at ${RATE} req/s for ${SECONDS} s, evenly paced`);
    await paced(ours, bookRest.path); // warm-up of the paced client's connections
    const metricsBefore = await scrape(ours);
    const fixed = await paced(ours, bookRest.path);
    const inGateway = serverSide(
      metricsBefore,
      await scrape(ours),
      '/v1/collections/:address/book',
    );
    // The same rate on the bare server: the latency this machine and the load generator add anyway.
    const fixedBare = await paced(bare, bookRest.barePath);
    log(
      `fixed rate, paced: ${fixed.requestsPerSec} req/s, p50 ${fixed.p50Ms} ms, p90 ${fixed.p90Ms} ms, p99 ${fixed.p99Ms} ms, max ${fixed.maxMs} ms, ${fixed.failed} failed (${fixed.timeouts} timeouts), send lag p99 ${fixed.sendLagP99Ms} ms; ` +
        `bare p50 ${fixedBare.p50Ms} ms, p99 ${fixedBare.p99Ms} ms, max ${fixedBare.maxMs} ms; in the gateway: ${JSON.stringify(inGateway)}`,
    );
    const burst = {
      seconds: SECONDS,
      connections: Math.max(CONNECTIONS, 50),
      overallRate: RATE,
      allowTimeouts: true,
    };
    const autocannonRate = await load(ours, bookRest, bookRest.path, burst);
    const autocannonRateBare = await load(bare, bookRest, bookRest.barePath, burst);
    log(
      `fixed rate, autocannon overallRate (bursts, latency-weighted): p99 ${autocannonRate.p99Ms} ms, bare ${autocannonRateBare.p99Ms} ms`,
    );
    rows.push(
      {
        figure: `orderBook rest p99 at ${RATE} req/s (evenly paced, from due time)`,
        value: fixed.p99Ms,
        unit: 'ms',
        baseline: { figure: 'bare Fastify at the same rate', value: fixedBare.p99Ms },
        goal: `< ${GOAL_P99_MS} ms`,
      },
      {
        figure: `orderBook rest p99 at ${RATE} req/s (autocannon overallRate: per-second bursts, latency-weighted samples)`,
        value: autocannonRate.p99Ms,
        unit: 'ms',
        baseline: { figure: 'bare Fastify, same load', value: autocannonRateBare.p99Ms },
      },
    );
    const loadAfter = loadavg().map((l) => round(l));
    const goals = {
      orderBookRatioRest: (endpoints['orderBook']?.['rest']?.ratio ?? 0) >= GOAL_RATIO,
      orderBookRatioGraphql: (endpoints['orderBook']?.['graphql']?.ratio ?? 0) >= GOAL_RATIO,
      p99UnderGoalAtFixedRate:
        fixed.p99Ms < GOAL_P99_MS && fixed.failed === 0 && fixed.requestsPerSec >= RATE * 0.95,
    };
    log(
      `load average before ${loadBefore.join(' ')}, after ${loadAfter.join(' ')}; goals ${JSON.stringify(goals)}`,
    );
    report('api', rows, {
      seeded: {
        how: 'synthetic events and facts applied through the real projections (ProjectionStore.apply: market-orders, chain-artworks, chain-trades, chain-ledgers) into a fresh schema of the bench gateway database; no chain, no Kafka',
        size: SIZE,
        rows: market.counts,
        seconds: seedSeconds,
      },
      gateway: 'dist build, own process, PIPELINE_ENABLED=false',
      baseline: 'bare Fastify (own process) answering the same JSON bytes from memory',
      settings: { seconds: SECONDS, warmupSeconds: WARMUP_SECONDS, connections: CONNECTIONS },
      loadAverage: { before: loadBefore, after: loadAfter },
      endpoints,
      fixedRate: {
        path: 'orderBook rest',
        how: 'evenly paced open loop (bench/lib/paced-load.ts), latency from each request due time, 50 keep-alive connections',
        ...fixed,
        bare: fixedBare,
        inGateway,
        autocannonOverallRate: { ...autocannonRate, bare: autocannonRateBare },
      },
      goals: { ratio: GOAL_RATIO, p99Ms: GOAL_P99_MS, met: goals },
    });
  } finally {
    for (const c of children) c.kill('SIGTERM');
    const pool = new Pool({ connectionString: env.GATEWAY_DATABASE_URL, max: 1 });
    for (const s of Object.values(schemas))
      await pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`).catch(() => undefined);
    await pool.end();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  for (const c of children) c.kill('SIGTERM');
  process.exit(1);
});
