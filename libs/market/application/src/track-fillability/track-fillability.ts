// The fillability tracker: keeps every order's status current from chain facts. For the facts
// of one Kafka chunk it works out what each means (fact-effects.ts), asks the order directory
// which markets are concerned, re-reads all of it in one multicall at the chain's head
// (MarketChainReader.readObservations), and sends each concerned market one decision batch:
// the trade commands the facts imply (SettleTrade, UnsettleTrade, ReleaseTrade) then one
// `Observe` with everything read for it. The decider announces the status changes.
//
// The directory is the orders read model, filled asynchronously: before it is asked anything
// about a chunk, it must have caught up with the event store as it was when the chunk arrived
// (read-model-catch-up.ts), else the chunk fails and comes again. A batch settlement names its
// collection, so SettleTrade / UnsettleTrade go to that market without asking the read model;
// the market itself says whether the pair is a trade of ours (TRADE.UNKNOWN: another
// operator's settlement, whose orders' nonces are then re-read in a second round).
//
// Redelivery is harmless: a fact seen again re-reads the same chain state, and the decider
// emits nothing for an observation that changes nothing; settling a settled trade or
// releasing a released one is a no-op too.
import { systemClock, type Address, type Clock, type OrderHash } from '@atelier/kernel';
import type { CommandContext, EventStore } from '@atelier/eventsourcing';
import type { ChainFactEnvelope } from '@atelier/chain-messages';
import { marketId, type MarketCommand, type Observations } from '@atelier/market-domain';
import type { MarketChainReader, ObservationRequest, OrderDirectory } from '../ports';
import type { MarketRepository } from '../submit-orders/submit-orders';
import { effectsOf, type FactEffect } from './fact-effects';
import {
  ReadModelCatchUp,
  type ReadModelCatchUpOptions,
  type ReadModelPositions,
} from './read-model-catch-up';

export { ChainFactArgsError, effectsOf, type FactEffect } from './fact-effects';
export { ReadModelBehindError, ReadModelCatchUp, type StoreMark } from './read-model-catch-up';

/** What the tracker asks of the orders read model, beyond the intake's directory. */
export interface FillabilityDirectory extends OrderDirectory, ReadModelPositions {
  /** Those of `collections` that have a market. */
  marketsAmong(collections: readonly Address[]): Promise<ReadonlySet<Address>>;
  /** Markets where `maker` has orders that may still trade. */
  marketsOfMaker(maker: Address): Promise<readonly Address[]>;
  /** Token ids of `maker`'s asks in `collection` that may still trade. */
  askTokensOf(maker: Address, collection: Address): Promise<readonly bigint[]>;
  /** Our latest trade pairing these orders. */
  tradeOf(
    askHash: OrderHash,
    bidHash: OrderHash,
  ): Promise<{ readonly tradeId: string; readonly collection: Address } | null>;
  get(hash: OrderHash): Promise<{
    readonly collection: Address;
    readonly maker: Address;
    readonly nonce: bigint;
  } | null>;
}

type TradeCommand = Extract<
  MarketCommand,
  { type: 'SettleTrade' | 'UnsettleTrade' | 'ReleaseTrade' }
>;
type Timeless<C> = C extends unknown ? Omit<C, 'now' | 'at'> : never;

type SettlementEffect = Extract<FactEffect, { type: 'settlement' }>;

/** What one market must re-read and decide. */
class MarketPlan {
  readonly tokens = new Map<string, bigint>();
  readonly funds = new Map<string, { maker: Address; currency: Address }>();
  readonly counters = new Set<Address>();
  readonly nonces = new Map<
    string,
    { maker: Address; nonce: bigint; filledBy: OrderHash | null }
  >();
  fee = false;
  /** Each with the settlement it comes from, if it does (to hear the market's TRADE.UNKNOWN). */
  readonly commands: { command: Timeless<TradeCommand>; settlement?: SettlementEffect }[] = [];

  get observes(): boolean {
    return (
      this.tokens.size + this.funds.size + this.counters.size + this.nonces.size > 0 || this.fee
    );
  }
}

export interface TrackResult {
  /** Markets that received a decision batch. */
  readonly markets: number;
  readonly events: number;
  /** Trade commands the market refused (e.g. TRADE.UNKNOWN for a trade already released). */
  readonly refused: readonly { readonly collection: Address; readonly code: string }[];
  /** Global position of the last event appended, if any. */
  readonly position: bigint | null;
  /**
   * Settlement commands the market answered TRADE.UNKNOWN from its cached state and accepted
   * on a fresh fold of its stream (set when any): each one is a stale cache caught (issue 12).
   */
  readonly settledOnReload?: number;
}

export interface TrackFillabilityOptions {
  readonly clock?: Clock;
  /** How long a chunk waits for the orders read model to catch up (ReadModelCatchUp). */
  readonly catchUp?: ReadModelCatchUpOptions;
}

const key = (...parts: readonly (string | bigint)[]) => parts.join(':');

export class TrackFillability {
  private readonly clock: Clock;
  private readonly catchUp: ReadModelCatchUp;

  constructor(
    private readonly markets: MarketRepository,
    private readonly chain: MarketChainReader,
    private readonly directory: FillabilityDirectory,
    /** The store the markets live in: the directory must have caught up with it. */
    store: Pick<EventStore, 'readStream'>,
    options: TrackFillabilityOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.catchUp = new ReadModelCatchUp(
      store,
      directory,
      (c) => markets.streamName(marketId(c)),
      options.catchUp,
    );
  }

  /**
   * Plans, reads and decides for the facts of one chunk, in their order.
   * @throws ReadModelBehindError when the orders read model does not catch up with the store
   *   in time: nothing was decided, the chunk must be handed over again.
   */
  async track(
    facts: readonly ChainFactEnvelope[],
    context?: Partial<CommandContext>,
  ): Promise<TrackResult> {
    const effects = facts.flatMap((f) => effectsOf(f));
    if (effects.length === 0) return { markets: 0, events: 0, refused: [], position: null };
    // Whatever these facts concern of ours is stored by now: the read model must know it too
    // before a miss there is taken for "not ours".
    await this.catchUp.reach(await this.catchUp.mark());
    // After a retraction the chain may be shorter than what was observed on the dropped
    // branch: the re-read is the truth however low its block (see Observations.afterReorg).
    const afterReorg = facts.some((f) => f.kind === 'retracted');
    const ctx: CommandContext = {
      correlationId: context?.correlationId ?? facts[0]?.id ?? 'chain',
      causationId: context?.causationId ?? facts[facts.length - 1]?.id ?? null,
      actor: context?.actor ?? 'system:fillability-tracker',
    };
    const first = await this.decide(await this.plan(effects), afterReorg, ctx);
    if (first.foreign.length === 0) return first.result;
    // Settlements no market of ours matched: another operator's, of orders we may know. Their
    // nonces are used (or, retracted, open again): re-read them like a direct fill's.
    const second = await this.decide(
      await this.plan(
        first.foreign.flatMap((s): FactEffect[] => [
          { type: 'filled-order', hash: s.askHash },
          { type: 'filled-order', hash: s.bidHash },
        ]),
      ),
      afterReorg,
      ctx,
    );
    const a = first.result;
    const b = second.result;
    return {
      markets: new Set([...first.touched, ...second.touched]).size,
      events: a.events + b.events,
      refused: [...a.refused, ...b.refused],
      position: b.position ?? a.position,
      ...(a.settledOnReload ? { settledOnReload: a.settledOnReload } : {}),
    };
  }

  /** Reads what the plans need and sends each market its decision batch. */
  private async decide(
    plans: ReadonlyMap<Address, MarketPlan>,
    afterReorg: boolean,
    ctx: CommandContext,
  ): Promise<{ result: TrackResult; foreign: SettlementEffect[]; touched: Address[] }> {
    const foreign: SettlementEffect[] = [];
    const touched: Address[] = [];
    if (plans.size === 0)
      return { result: { markets: 0, events: 0, refused: [], position: null }, foreign, touched };
    const observed = await this.read(plans, afterReorg);
    const nowMs = this.clock.now().getTime();
    const now = BigInt(Math.floor(nowMs / 1000));
    const at = new Date(nowMs).toISOString();
    let events = 0;
    let position: bigint | null = null;
    const refused: { collection: Address; code: string }[] = [];
    let settledOnReload = 0;
    for (const [collection, plan] of plans) {
      const commands: MarketCommand[] = plan.commands.map(
        (c) => ({ ...c.command, now, at }) as MarketCommand,
      );
      const observations = observed.get(collection);
      if (observations) commands.push({ type: 'Observe', observed: observations, now, at });
      if (commands.length === 0) continue;
      touched.push(collection);
      const id = marketId(collection);
      const outcome = await this.markets.handleAll(id, commands, ctx);
      const outcomes = [...outcome.outcomes];
      let last = outcome.position;
      // A settlement the market does not know is taken for another operator's below. Before
      // that, the market decides it once more on a fresh fold of its stream (the cached state
      // dropped): a safeguard, so that a cache that lacked trades its log has could never turn a
      // settlement of ours into a foreign one. No such cache was ever found (the losses first
      // blamed on it came from the old read-model lookup; see docs/market.md). Costs a full load
      // only when some are unknown, e.g. another operator's batch.
      const unknown = [...outcomes.keys()].filter((i) => {
        const o = outcomes[i]!;
        return !o.ok && o.error.code === 'TRADE.UNKNOWN' && plan.commands[i]?.settlement;
      });
      if (unknown.length > 0) {
        await this.markets.forget(id);
        const again = await this.markets.handleAll(
          id,
          unknown.map((i) => commands[i]!),
          ctx,
        );
        again.outcomes.forEach((o, j) => {
          if (o.ok) settledOnReload++;
          outcomes[unknown[j]!] = o;
        });
        if (again.position !== undefined && (last === undefined || again.position > last))
          last = again.position;
      }
      for (const [i, o] of outcomes.entries()) {
        if (o.ok) {
          events += o.events.length;
          continue;
        }
        const settlement = plan.commands[i]?.settlement;
        if (settlement && o.error.code === 'TRADE.UNKNOWN') foreign.push(settlement);
        else refused.push({ collection, code: o.error.code });
      }
      if (last !== undefined && (position === null || last > position)) position = last;
    }
    const result: TrackResult = { markets: touched.length, events, refused, position };
    return {
      result: settledOnReload > 0 ? { ...result, settledOnReload } : result,
      foreign,
      touched,
    };
  }

  /** Which markets each effect concerns, and what they must re-read or decide. */
  private async plan(effects: readonly FactEffect[]): Promise<Map<Address, MarketPlan>> {
    const plans = new Map<Address, MarketPlan>();
    const planOf = (c: Address) => {
      let p = plans.get(c);
      if (!p) plans.set(c, (p = new MarketPlan()));
      return p;
    };
    const memo = new Map<string, Promise<unknown>>();
    const once = <T>(k: string, f: () => Promise<T>): Promise<T> => {
      if (!memo.has(k)) memo.set(k, f());
      return memo.get(k) as Promise<T>;
    };
    const ofMaker = (maker: Address) =>
      once(`maker:${maker}`, () => this.directory.marketsOfMaker(maker));
    const hasMarket = async (c: Address) =>
      (await once(`market:${c}`, () => this.directory.marketsAmong([c]))).has(c);
    const filledOrder = async (hash: OrderHash) => {
      const order = await this.directory.get(hash);
      if (!order) return; // not ours: no order of ours is known to hold its nonce
      for (const c of await ofMaker(order.maker))
        planOf(c).nonces.set(key(order.maker, order.nonce), {
          maker: order.maker,
          nonce: order.nonce,
          filledBy: c === order.collection ? hash : null,
        });
      planOf(order.collection).nonces.set(key(order.maker, order.nonce), {
        maker: order.maker,
        nonce: order.nonce,
        filledBy: hash,
      });
    };

    for (const e of effects) {
      switch (e.type) {
        case 'token':
          if (await hasMarket(e.collection))
            planOf(e.collection).tokens.set(key(e.tokenId), e.tokenId);
          break;
        case 'operator':
          if (await hasMarket(e.collection))
            for (const tokenId of await this.directory.askTokensOf(e.owner, e.collection))
              planOf(e.collection).tokens.set(key(tokenId), tokenId);
          break;
        case 'funds':
          for (const c of await ofMaker(e.maker))
            planOf(c).funds.set(key(e.maker, e.currency), { maker: e.maker, currency: e.currency });
          break;
        case 'counter':
          for (const c of await ofMaker(e.maker)) planOf(c).counters.add(e.maker);
          break;
        case 'nonce':
          for (const c of await ofMaker(e.maker)) {
            const p = planOf(c);
            const k = key(e.maker, e.nonce);
            if (!p.nonces.has(k))
              p.nonces.set(k, { maker: e.maker, nonce: e.nonce, filledBy: null });
          }
          break;
        case 'filled-order':
          await filledOrder(e.hash);
          break;
        case 'fee':
          for (const c of await once('all', () => this.directory.markets())) planOf(c).fee = true;
          break;
        case 'settlement':
          // Straight to the market of the collection the chain names: the market knows its
          // trades (the read model may not yet). TRADE.UNKNOWN there: not ours (see decide).
          planOf(e.collection).commands.push({
            settlement: e,
            command: e.retracted
              ? { type: 'UnsettleTrade', askHash: e.askHash, bidHash: e.bidHash }
              : {
                  type: 'SettleTrade',
                  askHash: e.askHash,
                  bidHash: e.bidHash,
                  transactionHash: e.transactionHash,
                  block: e.block,
                },
          });
          break;
        case 'skipped': {
          // A skip names no collection: the read model (caught up, see track) finds the trade.
          const trade = await this.directory.tradeOf(e.askHash, e.bidHash);
          if (trade)
            planOf(trade.collection).commands.push({
              command: { type: 'ReleaseTrade', tradeId: trade.tradeId, reason: e.reason },
            });
          break;
        }
        default: {
          const _exhaustive: never = e;
          return _exhaustive;
        }
      }
    }
    return plans;
  }

  /** One multicall for every market's needs; each market's Observations from the answers. */
  private async read(
    plans: ReadonlyMap<Address, MarketPlan>,
    afterReorg: boolean,
  ): Promise<Map<Address, Observations>> {
    const tokens = new Map<string, { collection: Address; tokenId: bigint }>();
    const funds = new Map<string, { maker: Address; currency: Address }>();
    const counters = new Set<Address>();
    const nonces = new Map<string, { maker: Address; nonce: bigint }>();
    let fee = false;
    for (const [collection, p] of plans) {
      for (const tokenId of p.tokens.values())
        tokens.set(key(collection, tokenId), { collection, tokenId });
      for (const [k, f] of p.funds) funds.set(k, f);
      for (const m of p.counters) counters.add(m);
      for (const [k, n] of p.nonces) nonces.set(k, { maker: n.maker, nonce: n.nonce });
      fee ||= p.fee;
    }
    const out = new Map<Address, Observations>();
    if (tokens.size + funds.size + counters.size + nonces.size === 0 && !fee) return out;
    const request: ObservationRequest = {
      ...(tokens.size ? { tokens: [...tokens.values()] } : {}),
      ...(funds.size ? { funds: [...funds.values()] } : {}),
      ...(counters.size ? { counters: [...counters] } : {}),
      ...(nonces.size ? { nonces: [...nonces.values()] } : {}),
      ...(fee ? { fee: true } : {}),
    };
    const reading = await this.chain.readObservations(request);
    const { block } = reading;
    const tokenOf = new Map(reading.tokens.map((t) => [key(t.collection, t.tokenId), t]));
    const balanceOf = new Map(reading.funds.map((f) => [key(f.maker, f.currency), f.balance]));
    const counterOf = new Map(reading.counters.map((c) => [c.maker, c.counter]));
    const nonceOf = new Map(reading.nonces.map((n) => [key(n.maker, n.nonce), n.state]));
    for (const [collection, p] of plans) {
      if (!p.observes) continue;
      const o: {
        -readonly [K in keyof Observations]: Observations[K];
      } = {};
      const t = [...p.tokens.values()].flatMap((tokenId) => {
        const r = tokenOf.get(key(collection, tokenId));
        return r ? [{ tokenId, owner: r.owner, approved: r.approved, block }] : [];
      });
      if (t.length) o.tokens = t;
      if (p.funds.size)
        o.funds = await Promise.all(
          [...p.funds].flatMap(([k, f]) => {
            const balance = balanceOf.get(k);
            if (balance === undefined) return [];
            return [
              this.directory
                .reservedElsewhere(f.maker, f.currency, collection)
                .then((reservedElsewhere) => ({ ...f, balance, reservedElsewhere, block })),
            ];
          }),
        );
      const c = [...p.counters].flatMap((maker) => {
        const counter = counterOf.get(maker);
        return counter === undefined ? [] : [{ maker, counter, block }];
      });
      if (c.length) o.counters = c;
      const n = [...p.nonces].flatMap(([k, x]) => {
        const state = nonceOf.get(k);
        return state === undefined ? [] : [{ ...x, state, block }];
      });
      if (n.length) o.nonces = n;
      if (p.fee && reading.fee) o.fee = { ...reading.fee, block };
      if (afterReorg) o.afterReorg = true;
      out.set(collection, o);
    }
    return out;
  }
}
