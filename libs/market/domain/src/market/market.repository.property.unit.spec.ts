// The market through two caching repositories on one store (as the gateway's intake and its
// fillability tracker each hold one): random batches run concurrently on either, conflicting
// with each other, and after every round the state each repository's cache holds, and what it
// decides from it, must be those of a fresh fold of the stream.
import fc from 'fast-check';
import {
  EventSourcedRepository,
  InMemoryEventStore,
  type CommandContext,
} from '@atelier/eventsourcing';
import { NonceMap, SKIP, type HashIndex } from './book';
import { marketDecider, type MarketCommand } from './decide';
import { marketAggregate } from './market.aggregate';
import { ANY_TOKEN, cloneMarket, type MarketState } from './market';
import { fundsKey, OrderKind, tokenKey } from './order';
import { SKIP_REASONS } from './skip-reasons';
import { FEE, NOW, USD, EUR, atOf, maker, order, signed, submit } from '../testing/market-fixtures';

const MAKERS = [maker(1), maker(2), maker(3), maker(4)];
const CURRENCIES = [USD, EUR];
const TOKENS = [1, 2, 3, 4];
type Step =
  | {
      kind: 'submit';
      k: 0 | 1 | 2;
      m: number;
      token: number;
      price: number;
      cur: number;
      nonce: number;
      /** What the intake read from the chain: the seller owns the token; the buyer's balance. */
      owns: boolean;
      balance: number;
    }
  | { kind: 'token'; token: number; owner: number; approved: boolean }
  | { kind: 'funds'; m: number; cur: number; balance: number }
  | { kind: 'counter'; m: number; counter: number }
  | { kind: 'nonce'; m: number; nonce: number; state: 'open' | 'filled' | 'cancelled' }
  | { kind: 'cancel'; m: number; pick: number }
  /** fill: 0 settle, 1 settle then the nonces filled by its orders (as the tracker sends them),
   *  2 those nonces alone (the tracker's answer to a settlement it takes for another's). */
  | { kind: 'settle'; pick: number; fill: 0 | 1 | 2 }
  | { kind: 'unsettle'; pick: number }
  | { kind: 'release'; pick: number; reason: number }
  | { kind: 'tick'; seconds: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('submit' as const),
      k: fc.constantFrom(0 as const, 1 as const, 2 as const),
      m: fc.nat(3),
      token: fc.integer({ min: 1, max: 4 }),
      price: fc.integer({ min: 1, max: 20 }),
      cur: fc.nat(1),
      nonce: fc.nat(30),
      owns: fc.constantFrom(true, true, true, false),
      balance: fc.integer({ min: 0, max: 120 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('token' as const),
      token: fc.integer({ min: 1, max: 4 }),
      owner: fc.nat(3),
      approved: fc.constantFrom(true, true, true, false),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('funds' as const),
      m: fc.nat(3),
      cur: fc.nat(1),
      balance: fc.integer({ min: 0, max: 120 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('counter' as const),
      m: fc.nat(3),
      counter: fc.constantFrom(0, 0, 0, 1),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('nonce' as const),
      m: fc.nat(3),
      nonce: fc.nat(30),
      state: fc.constantFrom('open' as const, 'filled' as const, 'cancelled' as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('cancel' as const), m: fc.nat(3), pick: fc.nat(50) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('settle' as const),
      pick: fc.nat(50),
      fill: fc.constantFrom(0 as const, 1 as const, 2 as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unsettle' as const), pick: fc.nat(50) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('release' as const),
      pick: fc.nat(50),
      reason: fc.nat(SKIP_REASONS.length - 1),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('tick' as const),
      seconds: fc.integer({ min: 1, max: 600 }),
    }),
  },
);

/** Turns a step into a command against the current state (picks among what exists). */
function toCommand(
  s: Step,
  state: MarketState,
  clock: { now: bigint; block: bigint },
): MarketCommand | MarketCommand[] | undefined {
  const now = clock.now;
  const at = atOf(now);
  const block = ++clock.block;
  const trades = [...state.trades.values()];
  const pick = <T>(list: readonly T[], n: number): T | undefined =>
    list.length ? list[n % list.length] : undefined;
  switch (s.kind) {
    case 'submit': {
      const o = order({
        maker: MAKERS[s.m]!,
        kind: s.k,
        price: BigInt(s.price),
        tokenId: s.k === OrderKind.CollectionBid ? 0n : BigInt(s.token),
        currency: CURRENCIES[s.cur]!,
        nonce: BigInt(s.nonce),
        counter: state.counters.get(MAKERS[s.m]!)?.counter ?? 0n,
        expiry: now + 3_600n,
      });
      const observed =
        s.k === OrderKind.Ask
          ? {
              tokens: [
                {
                  tokenId: o.tokenId,
                  owner: s.owns ? o.maker : MAKERS[(s.m + 1) % 4]!,
                  approved: true,
                  block,
                },
              ],
            }
          : {
              funds: [{ maker: o.maker, currency: o.currency, balance: BigInt(s.balance), block }],
            };
      return {
        ...submit(signed(o), observed, now),
        requireFillable: s.owns && s.balance % 2 === 0,
      };
    }
    case 'token':
      return {
        type: 'Observe',
        observed: {
          tokens: [
            { tokenId: BigInt(s.token), owner: MAKERS[s.owner]!, approved: s.approved, block },
          ],
        },
        now,
        at,
      };
    case 'funds':
      return {
        type: 'Observe',
        observed: {
          funds: [
            {
              maker: MAKERS[s.m]!,
              currency: CURRENCIES[s.cur]!,
              balance: BigInt(s.balance),
              block,
            },
          ],
        },
        now,
        at,
      };
    case 'counter':
      return {
        type: 'Observe',
        observed: { counters: [{ maker: MAKERS[s.m]!, counter: BigInt(s.counter), block }] },
        now,
        at,
      };
    case 'nonce':
      return {
        type: 'Observe',
        observed: {
          nonces: [{ maker: MAKERS[s.m]!, nonce: BigInt(s.nonce), state: s.state, block }],
        },
        now,
        at,
      };
    case 'cancel': {
      const mine = [...state.orders.values()].filter((o) => o.order.maker === MAKERS[s.m]);
      const o = pick(mine, s.pick);
      return o
        ? {
            type: 'CancelOrders',
            cancelId: `cancel-${block}`,
            maker: MAKERS[s.m]!,
            hashes: [o.hash],
            now,
            at,
          }
        : undefined;
    }
    case 'settle': {
      const t = pick(
        trades.filter((x) => !x.settled),
        s.pick,
      );
      if (!t) return undefined;
      const settle: MarketCommand = {
        type: 'SettleTrade',
        askHash: t.askHash,
        bidHash: t.bidHash,
        transactionHash: `0x${'aa'.repeat(32)}`,
        block,
        now,
        at,
      };
      const nonces = [t.askHash, t.bidHash].map((h) => {
        const o = state.orders.get(h)!.order;
        return { maker: o.maker, nonce: o.nonce, state: 'filled' as const, filledBy: h, block };
      });
      const fill: MarketCommand = { type: 'Observe', observed: { nonces }, now, at };
      return s.fill === 0 ? settle : s.fill === 1 ? [settle, fill] : fill;
    }
    case 'unsettle': {
      const t = pick(
        trades.filter((x) => x.settled),
        s.pick,
      );
      return t
        ? { type: 'UnsettleTrade', askHash: t.askHash, bidHash: t.bidHash, now, at }
        : undefined;
    }
    case 'release': {
      const t = pick(
        trades.filter((x) => !x.settled),
        s.pick,
      );
      return t
        ? { type: 'ReleaseTrade', tradeId: t.tradeId, reason: SKIP_REASONS[s.reason]!, now, at }
        : undefined;
    }
    case 'tick':
      clock.now += BigInt(s.seconds);
      return { type: 'Tick', now: clock.now, at: atOf(clock.now) };
  }
}

/** The state as plain sorted data, ranked indexes included (read in rank order by a scan). */
function normalized(state: MarketState) {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(state)) {
    if (v instanceof Map)
      out[k] = [...v.entries()].sort(([a], [b]) => (String(a) < String(b) ? -1 : 1));
    else if (v instanceof NonceMap)
      out[k] = [...(v as NonceMap<unknown>).entries()]
        .map(([maker, nonce, value]) => [`${maker}:${nonce}`, value] as const)
        .sort(([a], [b]) => (a < b ? -1 : 1));
    else if (k === 'fillable') out[k] = [...state.fillable.values()].map((o) => o.hash).sort();
    else if (k === 'askRanks' || k === 'bidRanks' || k === 'bidsByFunds') continue;
    else if (k === 'byMaker' || k === 'byToken' || k === 'collectionBids') continue;
    else out[k] = v;
  }
  const ranked = (index: MarketState['askRanks'], key: string) => {
    const seen: string[] = [];
    index.best(key, (e) => {
      seen.push(e.hash);
      return SKIP;
    });
    return seen;
  };
  const hashes = <K>(index: HashIndex<K>, key: K) => [...index.get(key)].sort();
  const tokenKeys = [ANY_TOKEN, ...TOKENS.map((t) => tokenKey(BigInt(t)))];
  const fundsKeys = MAKERS.flatMap((m) => CURRENCIES.map((c) => fundsKey(m, c)));
  out.askRanks = tokenKeys.map((k) => ranked(state.askRanks, k));
  out.bidRanks = tokenKeys.map((k) => ranked(state.bidRanks, k));
  out.bidsByFunds = fundsKeys.map((k) => ranked(state.bidsByFunds, k));
  out.byMaker = MAKERS.map((m) => hashes(state.byMaker, m));
  out.byToken = tokenKeys.map((k) => hashes(state.byToken, k));
  out.collectionBids = hashes(state.collectionBids, 'all' as const);
  return JSON.parse(
    JSON.stringify(out, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)),
  ) as unknown;
}

/** What a state decides for `command`, decided on a copy (the state itself is left alone). */
const decisionOf = (state: MarketState, command: MarketCommand) =>
  normalizedDecision(marketDecider.decide(command, cloneMarket(state)));
const normalizedDecision = (r: ReturnType<typeof marketDecider.decide>) =>
  JSON.parse(
    JSON.stringify(r.ok ? r.value : r.error.code, (_k, v: unknown) =>
      typeof v === 'bigint' ? `${v}n` : v,
    ),
  ) as unknown;

const ctx: CommandContext = { correlationId: 'c', actor: 'spec' };
const ID = 'market-spec';

describe('market through two caching repositories on one store (random concurrent batches)', () => {
  it('a settlement batch of many trades, as the tracker sends it, decides as on a fresh fold', async () => {
    const store = new InMemoryEventStore();
    const options = { cachedStreams: 4, retryJitterMs: 0 };
    const intake = new EventSourcedRepository(marketAggregate, store, options);
    const tracker = new EventSourcedRepository(marketAggregate, store, options);
    const fresh = new EventSourcedRepository(marketAggregate, store);
    const now = NOW;
    const at = atOf(now);
    await intake.handleAll(ID, [{ type: 'Observe', observed: { fee: FEE }, now, at }], ctx);
    let block = 100n;
    const pairs: { ask: string; bid: string }[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 20; i++) {
        const tokenId = BigInt(round * 100 + i + 1);
        const seller = MAKERS[i % 2]!;
        const buyer = MAKERS[2 + (i % 2)]!;
        const a = signed(
          order({ maker: seller, kind: OrderKind.Ask, price: 10n, tokenId, expiry: now + 3600n }),
        );
        const b = signed(
          order({
            maker: buyer,
            kind: OrderKind.TokenBid,
            price: 10n,
            tokenId,
            expiry: now + 3600n,
          }),
        );
        block++;
        await intake.handleAll(
          ID,
          [
            {
              ...submit(a, { tokens: [{ tokenId, owner: seller, approved: true, block }] }, now),
              requireFillable: true,
            },
          ],
          ctx,
        );
        await intake.handleAll(
          ID,
          [
            {
              ...submit(
                b,
                { funds: [{ maker: buyer, currency: USD, balance: 1000n, block }] },
                now,
              ),
              requireFillable: true,
            },
          ],
          ctx,
        );
        pairs.push({ ask: a.hash, bid: b.hash });
      }
      block++;
      const batch = pairs.splice(0);
      const commands: MarketCommand[] = batch.map((p) => ({
        type: 'SettleTrade',
        askHash: p.ask as never,
        bidHash: p.bid as never,
        transactionHash: `0x${'cc'.repeat(32)}`,
        block,
        now,
        at,
      }));
      commands.push({
        type: 'Observe',
        observed: { funds: MAKERS.map((m) => ({ maker: m, currency: USD, balance: 900n, block })) },
        now,
        at,
      });
      const expected = (await fresh.load(ID)).state;
      const want = normalizedDecision(marketDecider.decide(commands[0]!, cloneMarket(expected)));
      const outcome = await tracker.handleAll(ID, commands, ctx);
      expect(outcome.outcomes.filter((o) => !o.ok)).toEqual([]);
      expect(want).not.toEqual('TRADE.UNKNOWN');
      const folded = await fresh.load(ID);
      for (const repo of [intake, tracker]) {
        const cached = await repo.handleAll(ID, [], ctx);
        expect(normalized(cached.state)).toEqual(normalized(folded.state));
      }
    }
  });

  it('every cached state, and what it decides, equals a fresh fold of the stream', async () => {
    let conflicts = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.array(
            fc.record({ on: fc.nat(1), steps: fc.array(step, { minLength: 1, maxLength: 3 }) }),
            {
              minLength: 1,
              maxLength: 3,
            },
          ),
          { minLength: 5, maxLength: 30 },
        ),
        async (rounds) => {
          const store = new InMemoryEventStore();
          const options = {
            cachedStreams: 4,
            retryJitterMs: 0,
            maxAttempts: 50,
            onConflict: () => conflicts++,
          };
          const repos = [
            new EventSourcedRepository(marketAggregate, store, options),
            new EventSourcedRepository(marketAggregate, store, options),
          ];
          const fresh = new EventSourcedRepository(marketAggregate, store);
          const clock = { now: NOW, block: 100n };
          await repos[0]!.handleAll(
            ID,
            [{ type: 'Observe', observed: { fee: FEE }, now: NOW, at: atOf(NOW) }],
            ctx,
          );
          for (const round of rounds) {
            const truth = (await fresh.load(ID)).state;
            await Promise.all(
              round.map(({ on, steps }) => {
                const commands = steps.flatMap((s) => toCommand(s, truth, clock) ?? []);
                return repos[on]!.handleAll(ID, commands, ctx);
              }),
            );
            const folded = await fresh.load(ID);
            const probes: MarketCommand[] = [
              ...[...folded.state.trades.values()].map((t): MarketCommand => ({
                type: 'SettleTrade',
                askHash: t.askHash,
                bidHash: t.bidHash,
                transactionHash: `0x${'bb'.repeat(32)}`,
                block: clock.block + 1n,
                now: clock.now,
                at: atOf(clock.now),
              })),
              { type: 'Tick', now: clock.now + 60n, at: atOf(clock.now + 60n) },
            ];
            for (const repo of repos) {
              // No command: the repository catches its cache up and hands back that state.
              const cached = await repo.handleAll(ID, [], ctx);
              expect(cached.revision).toBe(folded.revision);
              expect(normalized(cached.state)).toEqual(normalized(folded.state));
              for (const probe of probes)
                expect(decisionOf(cached.state, probe)).toEqual(decisionOf(folded.state, probe));
            }
          }
        },
      ),
      { numRuns: 60 },
    );
    // The batches really raced: the repositories conflicted and decided again.
    expect(conflicts).toBeGreaterThan(20);
  }, 120_000);
});
