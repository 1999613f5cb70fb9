// Settlement end to end: TRADES matched trades published to Kafka as the gateway's outbox writes
// TradeMatched, taken in by the real settlement worker process (src/main.ts: its PostgreSQL event
// store, consumer, submitter) and settled on anvil by settleBatch, for batch windows (SETTLEMENT_BATCH_SIZE) of 1,
// 10 and 50 trades. The window of 1 (one trade per transaction) is the baseline of the ratios.
//
// Each window runs on a fresh anvil of its own (apps/settlement/test/support/private-anvil.ts,
// contracts deployed by contracts/script/deploy.ts), so every window starts from the same chain.
// Parties are repeat market makers: ten sellers and ten buyers trade all TRADES among themselves
// (works with a 5 % royalty to one of five creators and two training-data contributors from a
// pool of ten, as Atelier works carry), and all of them traded once before the measurement (a
// warm-up round through the same worker), so their ledger, nonce-word and NFT-balance slots are
// non-zero, as ADR 0006's market-maker case assumes.
//
// Figures, per window: trades settled per second (first TradeMatched published -> last batch
// confirmed), time from match to confirmed p50/p99 (matchedAt -> the worker's BatchConfirmed;
// all TRADES are published at once, so this is latency under a burst that the worker drains),
// and gas per trade (receipt gasUsed summed over the measured batches / trades). Goal at 50:
// <= 55,000 gas per trade. Every trade is checked settled exactly once (stream and chain).
//
// Env: BENCH_SETTLEMENT_TRADES (default 1000), BENCH_SETTLEMENT_WINDOWS (default "1,10,50");
// the stack's SETTLEMENT_DATABASE_URL and KAFKA_BROKERS (infra/bin/bench.sh sets them).
import { loadavg } from 'node:os';
import pino from 'pino';
import type { Address, PrivateKeyAccount } from 'viem';
import type { SettlementState } from '@atelier/settlement-domain';
import {
  MarketFixture,
  PRICE,
  type TradeMatchedEvent,
} from '../apps/settlement/test/support/market-fixture';
import { startPrivateAnvil, until } from '../apps/settlement/test/support/private-anvil';
import { startWorkerProcess } from '../apps/settlement/test/support/worker-process';
import { type BenchRow, percentile, report, round } from './lib/harness';

const TRADES = Number(process.env['BENCH_SETTLEMENT_TRADES'] ?? 1000);
const WINDOWS = (process.env['BENCH_SETTLEMENT_WINDOWS'] ?? '1,10,50').split(',').map(Number);
const SELLERS = 10;
const BUYERS = 10;
const logger = pino({ level: process.env['BENCH_LOG_LEVEL'] ?? 'silent' });

interface WindowResult {
  readonly window: number;
  readonly trades: number;
  readonly batches: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly gasPerTrade: number;
}

const log = (msg: string) => process.stdout.write(`[bench:settlement] ${msg}\n`);

async function runWindow(window: number): Promise<WindowResult> {
  const anvil = await startPrivateAnvil();
  const fx = new MarketFixture(anvil.rpcUrl, anvil.deploymentsPath, logger);
  let worker: Awaited<ReturnType<typeof startWorkerProcess>> | undefined;
  try {
    const operator = await fx.makeOperator('operator');
    const creators = Array.from({ length: 5 }, (_, i) => fx.account(`creator ${i}`).address);
    const contributors = Array.from(
      { length: 10 },
      (_, i) => fx.account(`contributor ${i}`).address,
    );
    const perSeller = Math.ceil(TRADES / SELLERS) + 1; // +1: the warm-up trade
    const perBuyer = Math.ceil(TRADES / BUYERS) + 1;
    log(`window ${window}: minting ${SELLERS * perSeller} works, funding ${BUYERS} buyers`);
    const sellers = await Promise.all(
      Array.from({ length: SELLERS }, (_, i) =>
        fx.makeSeller(`seller ${i}`, perSeller, {
          royaltyBps: 500,
          royaltyReceiver: creators[i % creators.length]! as Address,
          contributors: [
            { account: contributors[i % 10]!, bps: 150 },
            { account: contributors[(i + 1) % 10]!, bps: 100 },
          ],
        }),
      ),
    );
    const buyers: PrivateKeyAccount[] = await Promise.all(
      Array.from({ length: BUYERS }, (_, i) =>
        fx.makeBuyer(`buyer ${i}`, PRICE * BigInt(perBuyer + 1)),
      ),
    );
    const next = sellers.map(() => 0);
    const trade = (k: number): Promise<TradeMatchedEvent> => {
      const si = k % SELLERS;
      // Each seller meets every buyer in turn: ten buyers x ten sellers, many times each.
      const bi = (k + Math.floor(k / SELLERS)) % BUYERS;
      const s = sellers[si]!;
      return fx.matchedTrade(s.seller, buyers[bi]!, s.tokens[next[si]!++]!);
    };
    const warmup: TradeMatchedEvent[] = [];
    for (let k = 0; k < Math.max(SELLERS, BUYERS); k++) warmup.push(await trade(k));
    const measured: TradeMatchedEvent[] = [];
    for (let k = 0; k < TRADES; k++) measured.push(await trade(k + SELLERS));

    worker = await startWorkerProcess(`bench${window}`, {
      RPC_URL: anvil.rpcUrl,
      ATELIER_DEPLOYMENTS: anvil.deploymentsPath,
      SETTLEMENT_OPERATOR_KEY: operator.key,
      SETTLEMENT_BATCH_SIZE: String(window),
      SETTLEMENT_BATCH_WINDOW_MS: '200',
      SETTLEMENT_POLL_MS: '50',
      LOG_LEVEL: 'warn',
    });
    const w = worker;
    const settledAll = (ids: readonly string[]) =>
      until(
        `${ids.length} trades settled`,
        async () => {
          const s: SettlementState = await w.state(operator.address);
          return ids.every((id) => s.trades.get(id)?.status === 'settled') ? s : undefined;
        },
        1_800_000,
      );
    log(`window ${window}: warm-up (${warmup.length} trades)`);
    await fx.publishMarket(w.marketTopic, warmup);
    await settledAll(warmup.map((t) => t.data.tradeId));

    log(`window ${window}: ${TRADES} trades`);
    const started = Date.now();
    const matchedAt = new Date(started).toISOString();
    await fx.publishMarket(
      w.marketTopic,
      measured.map((t) => ({ ...t, data: { ...t.data, matchedAt } }) as TradeMatchedEvent),
    );
    const ids = measured.map((t) => t.data.tradeId);
    const state = await settledAll(ids);

    // Confirmation times and gas from the worker's own stream (BatchConfirmed).
    const idSet = new Set(ids);
    const confirmedAt = new Map<string, number>();
    let gas = 0n;
    let batches = 0;
    for (const e of await w.events(operator.address)) {
      if (e.type !== 'BatchConfirmed') continue;
      const d = e.data as {
        at: string;
        gasUsed: string | number;
        results: { tradeId: string; outcome: string }[];
      };
      if (!d.results.some((r) => idSet.has(r.tradeId))) continue;
      if (d.results.some((r) => !idSet.has(r.tradeId)))
        throw new Error('a measured batch also holds warm-up trades');
      batches++;
      gas += BigInt(d.gasUsed);
      for (const r of d.results)
        if (r.outcome === 'settled') confirmedAt.set(r.tradeId, Date.parse(d.at));
    }
    for (const id of ids) {
      if (state.trades.get(id)?.settledCount !== 1) throw new Error(`${id} not settled once`);
      if (!confirmedAt.has(id)) throw new Error(`${id} has no BatchConfirmed`);
    }
    const onChain = await fx.tradeSettledLogs(0n);
    const asks = new Set<string>(measured.map((t) => t.data.ask.hash));
    const filled = onChain.filter((l) => asks.has(l.args.askHash!)).length;
    if (filled !== TRADES) throw new Error(`${filled} TradeSettled on chain for ${TRADES} trades`);

    const latencies = ids.map((id) => (confirmedAt.get(id)! - started) / 1000);
    const seconds = (Math.max(...confirmedAt.values()) - started) / 1000;
    const result: WindowResult = {
      window,
      trades: TRADES,
      batches,
      seconds: round(seconds),
      perSecond: round(TRADES / seconds, 1),
      p50: round(percentile(latencies, 50), 2),
      p99: round(percentile(latencies, 99), 2),
      gasPerTrade: Math.round(Number(gas) / TRADES),
    };
    log(`window ${window}: ${JSON.stringify(result)}`);
    return result;
  } finally {
    await worker?.close();
    await anvil.stop();
  }
}

async function main(): Promise<void> {
  const results: WindowResult[] = [];
  const load = loadavg()[0];
  for (const w of WINDOWS) results.push(await runWindow(w));
  const base = results.find((r) => r.window === 1) ?? results[0]!;
  const rows: BenchRow[] = [];
  for (const r of results) {
    const isBase = r === base;
    const b = (figure: string, value: number) =>
      isBase ? {} : { baseline: { figure: `${figure} (window ${base.window})`, value } };
    rows.push(
      {
        figure: `trades settled/s (window ${r.window})`,
        value: r.perSecond,
        unit: 'trades/s',
        ...b('trades settled/s', base.perSecond),
      },
      {
        figure: `match->confirmed p50 (window ${r.window})`,
        value: r.p50,
        unit: 's',
        ...b('match->confirmed p50', base.p50),
      },
      {
        figure: `match->confirmed p99 (window ${r.window})`,
        value: r.p99,
        unit: 's',
        ...b('match->confirmed p99', base.p99),
      },
      {
        figure: `gas per trade (window ${r.window})`,
        value: r.gasPerTrade,
        unit: 'gas',
        ...b('gas per trade', base.gasPerTrade),
        ...(r.window === 50 ? { goal: '<= 55,000' } : {}),
      },
    );
  }
  report('settlement', rows, {
    trades: TRADES,
    windows: WINDOWS,
    parties: `${SELLERS} sellers x ${BUYERS} buyers, all warmed up by one trade first`,
    works: '5 % royalty to one of 5 creators, 2 contributors (1.5 % + 1 %) from a pool of 10',
    arrival: 'all trades published to Kafka at once (a burst the worker drains)',
    chain: 'a fresh anvil per window (automine)',
    batches: Object.fromEntries(results.map((r) => [r.window, r.batches])),
    seconds: Object.fromEntries(results.map((r) => [r.window, r.seconds])),
    loadAvg1mAtStart: round(load ?? 0, 2),
    loadAvg1mAtEnd: round(loadavg()[0] ?? 0, 2),
  });
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
