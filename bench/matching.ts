// `npm run bench:matching`: the market decider in process, no stack. One collection of 1,000
// tokens, its sellers and buyers funded and approved (one Observe, with the protocol fee), then
// a synthetic flow of signed orders — asks and token bids, a few collection bids — priced so
// that about a fifth cross on arrival. Each order is `marketDecider.decide` then `evolve` of
// every event it yields (OrderAccepted, TradeMatched with its full split, status changes), as
// the repository runs it. Compared in the same run with the npm `nodejs-order-book` on the same
// flow: one OrderBook per token, a size-1 limit order per order (see FLOW_NOTE).
// Goals (issue 9): ratio >= 1.0 while producing our events; aim >= 500,000 orders/s.
import { OrderBook, SelfTradePreventionMode, Side } from 'nodejs-order-book';
import {
  asAddress,
  asOrderHash,
  type Address,
  type OrderHash,
  seededRandom,
} from '@atelier/kernel';
import {
  marketDecider,
  OrderKind,
  type MarketCommand,
  type MarketEvent,
  type MarketState,
  type Order,
  type RoyaltyTerms,
} from '@atelier/market-domain';
import { loadavg } from 'node:os';
import { percentile, report, round } from './lib/harness';

const TOKENS = 1_000;
const ORDERS = Number(process.env['BENCH_ORDERS'] ?? 100_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const SELLERS = 100; // token t belongs to seller t % SELLERS
const BUYERS = 500;
/** Share of asks and token bids priced to cross the book on arrival. */
const AGGRESSIVE = 0.2;
const COLLECTION_BIDS = 0.01;
const SEED = 9;

const FLOW_NOTE =
  'Same orders in the same sequence for both. Ours: one market (1,000 tokens), asks by the ' +
  "token's owner, token bids and collection bids by 500 funded buyers. Baseline: one " +
  'nodejs-order-book OrderBook per token, every order a GTC limit of size 1 at the same price ' +
  '(ask = sell, bid = buy) with accountId = maker and STP; a collection bid becomes a buy on ' +
  'the token it was drawn with (the baseline has no cross-book bid). Passive asks rest at ' +
  '1100-1199, passive bids at 800-899; aggressive asks at 800, aggressive bids at 1200.';

const log = (msg: string): void => console.log(`[bench:matching] ${msg}`);

/*//////////////////////////////////////////////////////////////
                              FLOW
//////////////////////////////////////////////////////////////*/

const address = (prefix: string, n: number): Address =>
  asAddress(`0x${prefix}${n.toString(16).padStart(40 - prefix.length, '0')}`);
const COLLECTION = address('c0', 1);
const USD = address('5d', 1);
const FEE = { recipient: address('fe', 1), bps: 250, block: 1n };
const ROYALTY: RoyaltyTerms = {
  kind: 'atelier',
  royaltyReceiver: address('c7', 1),
  royaltyBps: 500,
  contributors: [
    { account: address('cb', 1), bps: 200 },
    { account: address('cb', 2), bps: 100 },
  ],
};
const sellers = Array.from({ length: SELLERS }, (_, i) => address('a0', i + 1));
const buyers = Array.from({ length: BUYERS }, (_, i) => address('b0', i + 1));
const NOW = 1_800_000_000n;
const AT = new Date(Number(NOW) * 1000).toISOString();
/** Prices are whole units of 10^15 (a thousandth of a token of 18 decimals) for us. */
const UNIT = 10n ** 15n;

interface FlowOrder {
  readonly command: Extract<MarketCommand, { type: 'SubmitOrder' }>;
  readonly baseline: {
    readonly book: number;
    readonly id: string;
    readonly side: Side;
    readonly price: number;
    readonly accountId: string;
  };
}

function makeFlow(n: number): FlowOrder[] {
  const rand = seededRandom(SEED);
  const nonces = new Map<Address, bigint>();
  const flow: FlowOrder[] = [];
  for (let i = 0; i < n; i++) {
    const token = Math.floor(rand() * TOKENS);
    const r = rand();
    const kind =
      r < COLLECTION_BIDS ? OrderKind.CollectionBid : r < 0.5 ? OrderKind.Ask : OrderKind.TokenBid;
    const aggressive = kind !== OrderKind.CollectionBid && rand() < AGGRESSIVE;
    const passive = Math.floor(rand() * 100);
    const price =
      kind === OrderKind.Ask
        ? aggressive
          ? 800
          : 1100 + passive
        : aggressive
          ? 1200
          : 800 + passive;
    const maker =
      kind === OrderKind.Ask ? sellers[token % SELLERS]! : buyers[Math.floor(rand() * BUYERS)]!;
    const nonce = (nonces.get(maker) ?? 0n) + 1n;
    nonces.set(maker, nonce);
    const hash: OrderHash = asOrderHash(`0x${(i + 1).toString(16).padStart(64, '0')}`);
    const order: Order = {
      maker,
      kind,
      collection: COLLECTION,
      tokenId: kind === OrderKind.CollectionBid ? 0n : BigInt(token),
      currency: USD,
      price: BigInt(price) * UNIT,
      start: 0n,
      expiry: NOW + 86_400n,
      counter: 0n,
      nonce,
    };
    flow.push({
      command: {
        type: 'SubmitOrder',
        collection: COLLECTION,
        order: { hash, order, signature: `0x${'11'.repeat(65)}` },
        royalty: kind === OrderKind.Ask ? ROYALTY : null,
        observed: {},
        now: NOW,
        at: AT,
      },
      baseline: {
        book: token,
        id: hash,
        side: kind === OrderKind.Ask ? Side.SELL : Side.BUY,
        price,
        accountId: maker,
      },
    });
  }
  return flow;
}

/** The market before the flow: every token owned and approved, every buyer funded, the fee. */
const setup: MarketCommand = {
  type: 'Observe',
  observed: {
    tokens: Array.from({ length: TOKENS }, (_, t) => ({
      tokenId: BigInt(t),
      owner: sellers[t % SELLERS]!,
      approved: true,
      block: 10n,
    })),
    funds: buyers.map((maker) => ({ maker, currency: USD, balance: 10n ** 30n, block: 10n })),
    fee: FEE,
  },
  now: NOW,
  at: AT,
};

/*//////////////////////////////////////////////////////////////
                              RUNS
//////////////////////////////////////////////////////////////*/

function decideAndFold(state: MarketState, command: MarketCommand): readonly MarketEvent[] {
  const result = marketDecider.decide(command, state);
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  for (const e of result.value) marketDecider.evolve(state, e);
  return result.value;
}

function freshMarket(): MarketState {
  const state = marketDecider.initialState;
  decideAndFold(state, setup);
  return state;
}

interface OursRun {
  seconds: number;
  /** CPU time of the process over the run (all its threads, the collector's included). */
  cpuSeconds: number;
  events: number;
  trades: number;
  crossed: number;
  decideMs?: number[];
}

/** Every order decided and folded; with `timeDecide`, each decide timed on its own. */
function runOurs(flow: readonly FlowOrder[], timeDecide = false): OursRun {
  const state = freshMarket();
  const decideMs: number[] = [];
  let events = 0;
  let trades = 0;
  let crossed = 0;
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (const { command } of flow) {
    let result;
    if (timeDecide) {
      const t0 = process.hrtime.bigint();
      result = marketDecider.decide(command, state);
      decideMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    } else result = marketDecider.decide(command, state);
    if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
    const produced = result.value;
    let matched = 0;
    for (let k = 0; k < produced.length; k++) {
      const e = produced[k]!;
      if (e.type === 'TradeMatched') matched++;
      marketDecider.evolve(state, e);
    }
    events += produced.length;
    trades += matched;
    if (matched > 0) crossed++;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuSeconds = cpuOf(process.cpuUsage(cpu));
  return { seconds, cpuSeconds, events, trades, crossed, ...(timeDecide ? { decideMs } : {}) };
}

const cpuOf = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1e6;

interface BaselineRun {
  seconds: number;
  cpuSeconds: number;
  crossed: number;
}

function runBaseline(flow: readonly FlowOrder[]): BaselineRun {
  const books = Array.from({ length: TOKENS }, () => new OrderBook());
  let crossed = 0;
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (const { baseline: b } of flow) {
    const result = books[b.book]!.limit({
      id: b.id,
      side: b.side,
      size: 1,
      price: b.price,
      accountId: b.accountId,
      stpMode: SelfTradePreventionMode.EXPIRE_TAKER,
    });
    if (result.err) throw new Error(`baseline: ${result.err.message}`);
    if (result.done.length > 0) crossed++;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, cpuSeconds: cpuOf(process.cpuUsage(cpu)), crossed };
}

const median = (xs: readonly number[]): number => percentile(xs, 50);

function main(): void {
  const t0 = Date.now();
  log(`flow: ${ORDERS} orders on ${TOKENS} tokens, ${ROUNDS} rounds after a warm-up`);
  const flow = makeFlow(ORDERS);
  const kinds = { ask: 0, tokenBid: 0, collectionBid: 0 };
  for (const { command } of flow) {
    const k = command.order.order.kind;
    if (k === OrderKind.Ask) kinds.ask++;
    else if (k === OrderKind.TokenBid) kinds.tokenBid++;
    else kinds.collectionBid++;
  }

  // Warm-up: both engines once, unmeasured (JIT, inline caches, allocation sites).
  runOurs(flow);
  runBaseline(flow);
  const ours: OursRun[] = [];
  const base: BaselineRun[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Interleaved, so a load spike from other work on the machine hits both alike.
    ours.push(runOurs(flow));
    base.push(runBaseline(flow));
    log(
      `round ${r + 1}: ours ${Math.round(ORDERS / ours[r]!.seconds)} orders/s, ` +
        `baseline ${Math.round(ORDERS / base[r]!.seconds)} orders/s`,
    );
  }
  const latency = runOurs(flow, true);

  const ordersPerSec = median(ours.map((x) => ORDERS / x.seconds));
  const baselineOrdersPerSec = median(base.map((x) => ORDERS / x.seconds));
  const ratio = round(ordersPerSec / baselineOrdersPerSec, 3);
  // The same rounds by CPU time: on a machine shared with other work, time spent descheduled
  // is in the wall-clock figures above but is neither engine's doing.
  const cpuOrdersPerSec = median(ours.map((x) => ORDERS / x.cpuSeconds));
  const baselineCpuOrdersPerSec = median(base.map((x) => ORDERS / x.cpuSeconds));
  const cpuRatio = round(cpuOrdersPerSec / baselineCpuOrdersPerSec, 3);
  const p50Ms = percentile(latency.decideMs!, 50);
  const p99Ms = percentile(latency.decideMs!, 99);
  const last = ours[ours.length - 1]!;
  const eventsPerOrder = last.events / ORDERS;
  const crossingFraction = last.crossed / ORDERS;
  const baselineCrossingFraction = base[base.length - 1]!.crossed / ORDERS;

  log(
    `ours ${Math.round(ordersPerSec)} orders/s, baseline ${Math.round(baselineOrdersPerSec)}` +
      ` orders/s, ratio ours/baseline ${ratio}; by CPU time ${Math.round(cpuOrdersPerSec)} vs ` +
      `${Math.round(baselineCpuOrdersPerSec)}, ratio ${cpuRatio}`,
  );
  report(
    'matching',
    [
      {
        figure: 'ordersPerSec',
        value: ordersPerSec,
        unit: 'orders/s (decide + evolve, median of rounds)',
        baseline: { figure: 'baselineOrdersPerSec', value: baselineOrdersPerSec },
        goal: 'ratio >= 1.0; aim >= 500,000 orders/s',
      },
      {
        figure: 'cpuOrdersPerSec',
        value: cpuOrdersPerSec,
        unit: 'orders/s of process CPU time (same rounds, median)',
        baseline: { figure: 'baselineCpuOrdersPerSec', value: baselineCpuOrdersPerSec },
      },
      { figure: 'p50Ms', value: p50Ms, unit: 'ms per decide' },
      { figure: 'p99Ms', value: p99Ms, unit: 'ms per decide' },
      { figure: 'eventsPerOrder', value: eventsPerOrder, unit: 'events' },
      { figure: 'crossingFraction', value: crossingFraction, unit: 'of orders' },
    ],
    {
      ordersPerSec: Math.round(ordersPerSec),
      baselineOrdersPerSec: Math.round(baselineOrdersPerSec),
      ratio,
      cpuOrdersPerSec: Math.round(cpuOrdersPerSec),
      baselineCpuOrdersPerSec: Math.round(baselineCpuOrdersPerSec),
      cpuRatio,
      p50Ms: round(p50Ms, 4),
      p99Ms: round(p99Ms, 4),
      eventsPerOrder: round(eventsPerOrder, 3),
      tradesPerOrder: round(last.trades / ORDERS, 3),
      orders: ORDERS,
      tokens: TOKENS,
      kinds,
      crossingFraction: round(crossingFraction, 3),
      baselineCrossingFraction: round(baselineCrossingFraction, 3),
      rounds: ROUNDS,
      roundsOrdersPerSec: ours.map((x) => Math.round(ORDERS / x.seconds)),
      roundsBaselineOrdersPerSec: base.map((x) => Math.round(ORDERS / x.seconds)),
      roundsCpuOrdersPerSec: ours.map((x) => Math.round(ORDERS / x.cpuSeconds)),
      roundsBaselineCpuOrdersPerSec: base.map((x) => Math.round(ORDERS / x.cpuSeconds)),
      loadAverage: loadavg().map((x) => round(x, 1)),
      sellers: SELLERS,
      buyers: BUYERS,
      flow: FLOW_NOTE,
      node: process.version,
      date: new Date().toISOString(),
      totalSeconds: round((Date.now() - t0) / 1000, 1),
    },
  );
}

main();
