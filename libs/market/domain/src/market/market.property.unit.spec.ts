// Properties of the market decider over random histories: submits of every kind, chain
// observations moving tokens, balances, counters and nonces both ways, cancels, settlements,
// skipped pairs, reorgs and time. After every command the folded market must hold the
// invariants the contract and the book rely on.
import fc from 'fast-check';
import type { Address, OrderHash } from '@atelier/kernel';
import { fold } from '@atelier/eventsourcing';
import { marketDecider, type MarketCommand } from './decide';
import { marketEventCodec } from './market.codec';
import { statusOf, freeFunds, type MarketEvent, type MarketState } from './market';
import { fundsKey, isActiveAt, isAsk, OrderKind } from './order';
import { SKIP_REASONS } from './skip-reasons';
import {
  FEE,
  NOW,
  USD,
  EUR,
  atOf,
  maker,
  nextHash,
  order,
  signed,
  submit,
} from '../testing/market-fixtures';

const MAKERS = [maker(1), maker(2), maker(3), maker(4)];
const CURRENCIES = [USD, EUR];

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
  | { kind: 'settle'; pick: number }
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
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('settle' as const), pick: fc.nat(50) }) },
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
): MarketCommand | undefined {
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
      return submit(signed(o), observed, now);
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
      return t
        ? {
            type: 'SettleTrade',
            askHash: t.askHash,
            bidHash: t.bidHash,
            transactionHash: `0x${'aa'.repeat(32)}`,
            block,
            now,
            at,
          }
        : undefined;
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

function must(condition: boolean, what: string): void {
  if (!condition) throw new Error(`invariant broken: ${what}`);
}

function checkInvariants(state: MarketState, events: readonly MarketEvent[], now: bigint): void {
  // Every trade runs at the ask's price, within the bid's ceiling, between two makers, one item.
  const inTrades = new Map<OrderHash, string>();
  const reserved = new Map<string, bigint>();
  for (const t of state.trades.values()) {
    const a = state.orders.get(t.askHash)!;
    const b = state.orders.get(t.bidHash)!;
    must(isAsk(a.order) && !isAsk(b.order), 'ask against bid');
    must(t.price === a.order.price, 'trade at the ask price');
    must(b.order.price >= a.order.price, 'within the bid ceiling');
    must(a.order.maker !== b.order.maker, 'no self-trade');
    must(a.order.currency === b.order.currency, 'one currency');
    must(
      b.order.kind === OrderKind.CollectionBid || b.order.tokenId === a.order.tokenId,
      'one item',
    );
    for (const h of [t.askHash, t.bidHash]) {
      must(!inTrades.has(h), 'no order in two trades');
      inTrades.set(h, t.tradeId);
    }
    if (!t.settled) {
      const key = fundsKey(t.buyer, t.currency);
      reserved.set(key, (reserved.get(key) ?? 0n) + t.price);
      must(a.status === 'reserved' && b.status === 'reserved', 'pending trade orders reserved');
    } else {
      must(a.status === 'filled' && b.status === 'filled', 'settled trade orders filled');
    }
  }
  expect(new Map([...(state.reserved as Map<string, bigint>)])).toEqual(reserved);
  // Each recorded status is the derived one; the fillable index is exactly the fillable orders.
  let fillable = 0;
  for (const o of state.orders.values()) {
    if (o.status !== statusOf(state, o).status)
      throw new Error(`order ${o.hash} is ${o.status}, derived ${statusOf(state, o).status}`);
    if (o.status === 'fillable') {
      fillable++;
      must(state.fillable.has(o.hash), 'fillable index');
    }
  }
  expect([...state.fillable.values()]).toHaveLength(fillable);
  // The book is uncrossed: no fillable, active ask that a fillable, active, funded bid covers.
  if (state.fee) {
    const open = [...state.fillable.values()].filter((o) => isActiveAt(o.order, now));
    for (const a of open.filter((o) => isAsk(o.order)))
      for (const b of open.filter((o) => !isAsk(o.order))) {
        const crosses =
          a.order.currency === b.order.currency &&
          a.order.maker !== b.order.maker &&
          b.order.price >= a.order.price &&
          (b.order.kind === OrderKind.CollectionBid || b.order.tokenId === a.order.tokenId) &&
          (freeFunds(state, b.order.maker, b.order.currency) ?? -1n) >= a.order.price;
        must(!crosses, `uncrossed book: ask ${a.hash} / bid ${b.hash}`);
      }
  }
  // Splits add up to the price, to the unit.
  for (const e of events)
    if (e.type === 'TradeMatched') {
      const s = e.data.split;
      must(
        s.protocolFee + s.royalty + s.attribution + s.sellerProceeds === e.data.price,
        'split sums to the price',
      );
      must(s.sellerProceeds >= 0n, 'proceeds not negative');
    }
}

const stateDump = (state: MarketState): string =>
  JSON.stringify(
    Object.entries(state).map(([k, v]) => [k, v instanceof Map ? [...v.entries()].sort() : v]),
    (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v),
  );

/** The state as plain sorted data, for a comparison that ignores key order. */
const normalized = (state: MarketState) =>
  Object.fromEntries(
    Object.entries(state).map(([k, v]) => [
      k,
      v instanceof Map ? [...v.entries()].sort(([a], [b]) => (String(a) < String(b) ? -1 : 1)) : v,
    ]),
  );

describe('market decider properties (random histories)', () => {
  it('holds every invariant after every command; deciding never mutates; replay from storage is identical', () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(fc.array(step, { minLength: 20, maxLength: 80 }), (steps) => {
        const clock = { now: NOW, block: 100n };
        const all: MarketEvent[] = [];
        let state = fold(
          marketDecider,
          marketDecider.decide(
            { type: 'Observe', observed: { fee: FEE }, now: NOW, at: atOf(NOW) },
            marketDecider.initialState,
          ).ok
            ? [{ type: 'ProtocolFeeObserved', data: FEE }]
            : [],
        );
        all.push({ type: 'ProtocolFeeObserved', data: FEE });
        for (const s of steps) {
          const command = toCommand(s, state, clock);
          if (!command) continue;
          const before = stateDump(state);
          const result = marketDecider.decide(command, state);
          expect(stateDump(state)).toBe(before);
          if (!result.ok) {
            seen.set(
              `refused:${result.error.code}`,
              (seen.get(`refused:${result.error.code}`) ?? 0) + 1,
            );
            continue;
          }
          for (const e of result.value) state = marketDecider.evolve(state, e);
          all.push(...result.value);
          for (const e of result.value) seen.set(e.type, (seen.get(e.type) ?? 0) + 1);
          checkInvariants(state, result.value, clock.now);
        }
        const replayed = fold(
          marketDecider,
          all.map((e) =>
            marketEventCodec.decode(JSON.parse(JSON.stringify(marketEventCodec.encode(e)))),
          ),
        );
        expect(normalized(replayed)).toEqual(normalized(state));
      }),
      { numRuns: 150 },
    );
    // The histories really exercise the book: trades match, settle, unsettle and get released.
    for (const type of [
      'TradeMatched',
      'TradeSettled',
      'TradeUnsettled',
      'TradeReleased',
      'OrderStatusChanged',
    ])
      expect(seen.get(type) ?? 0).toBeGreaterThan(3);
  });

  it('hash stand-ins are unique (fixture sanity)', () => {
    const hashes = new Set(Array.from({ length: 100 }, () => nextHash()));
    expect(hashes.size).toBe(100);
    expect(MAKERS.every((m: Address) => /^0x[0-9a-f]{40}$/.test(m))).toBe(true);
  });
});
