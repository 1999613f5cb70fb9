// The fillability tracker against fakes of its ports (a chain whose state the spec sets, a
// directory answering from the aggregates themselves, which a spec can hold back as a lagging
// projector would) and the real market aggregate over the in-memory store: fact -> what is
// re-read -> the commands and the statuses they move.
import { asAddress, asOrderHash, fixedClock, type Address } from '@atelier/kernel';
import { EventSourcedRepository, InMemoryEventStore } from '@atelier/eventsourcing';
import { chainFact, retractionOf, type ChainFactEnvelope } from '@atelier/chain-messages';
import {
  marketAggregate,
  marketId,
  OrderKind,
  type MarketCommand,
  type MarketState,
  type Observations,
  type Order,
  type SignedOrder,
} from '@atelier/market-domain';
import type { MarketChainReader, ObservationReading, ObservationRequest } from '../ports';
import { effectsOf } from './fact-effects';
import {
  ChainFactArgsError,
  ReadModelBehindError,
  TrackFillability,
  type FillabilityDirectory,
} from './track-fillability';

const addr = (n: number): Address => asAddress(`0x${n.toString(16).padStart(40, '0')}`);
const A = addr(0xc01);
const B = addr(0xc02);
const FOREIGN = addr(0xc99);
const MARKETPLACE = addr(0xaaaa);
const STABLE = addr(0x5d);
const USD = STABLE;
const SELLER = addr(1);
const BUYER = addr(2);
const OTHER = addr(3);
const NOW = 1_800_000_000n;
const ZERO = `0x${'0'.repeat(64)}`;

let n = 0;
const signed = (o: Partial<Order> & Pick<Order, 'maker' | 'kind' | 'price'>): SignedOrder => ({
  hash: asOrderHash(`0x${(++n).toString(16).padStart(64, 'd')}`),
  signature: `0x${'11'.repeat(65)}`,
  order: {
    collection: A,
    tokenId: o.kind === OrderKind.CollectionBid ? 0n : 1n,
    currency: USD,
    start: 0n,
    expiry: NOW + 86_400n,
    counter: 0n,
    nonce: BigInt(n),
    ...o,
  },
});

/** The chain as the spec sets it; every read is one block later. */
class FakeChain implements MarketChainReader {
  block = 100n;
  owners = new Map<string, Address>();
  approvedForAll = new Set<string>();
  balances = new Map<string, bigint>();
  counters = new Map<Address, bigint>();
  nonces = new Map<string, 'open' | 'filled' | 'cancelled'>();
  fee = { recipient: addr(0xfee) as Address | null, bps: 250 };
  readonly requests: ObservationRequest[] = [];

  readForIntake(): never {
    throw new Error('the tracker never reads for intake');
  }

  async readObservations(request: ObservationRequest): Promise<ObservationReading> {
    this.requests.push(request);
    const block = ++this.block;
    return {
      block,
      tokens: (request.tokens ?? []).map((t) => {
        const owner = this.owners.get(`${t.collection}:${t.tokenId}`) ?? addr(0);
        return {
          ...t,
          owner,
          approved: this.approvedForAll.has(`${t.collection}:${owner}`),
        };
      }),
      funds: (request.funds ?? []).map((f) => ({
        ...f,
        balance: this.balances.get(`${f.maker}:${f.currency}`) ?? 0n,
      })),
      counters: (request.counters ?? []).map((maker) => ({
        maker,
        counter: this.counters.get(maker) ?? 0n,
      })),
      nonces: (request.nonces ?? []).map((x) => ({
        ...x,
        state: this.nonces.get(`${x.maker}:${x.nonce}`) ?? 'open',
      })),
      fee: request.fee ? this.fee : null,
    };
  }
}

function setup(options: { cachedStreams?: number } = {}) {
  const store = new InMemoryEventStore();
  const markets = new EventSourcedRepository(marketAggregate, store, {
    retryJitterMs: 0,
    ...options,
  });
  const chain = new FakeChain();
  const live = async (c: Address): Promise<MarketState> => (await markets.load(marketId(c))).state;
  const head = async (c: Address) =>
    (await store.readStream(`market-${c}`, { direction: 'backwards', maxCount: 1 }))[0]?.position ??
    0n;
  // The read model: the aggregates as they are, or as they were when the spec paused it (a
  // projector that stopped, as after a broker restart), until it resumes.
  let paused: Map<Address, { state: MarketState; position: bigint }> | null = null;
  const readModel = {
    async pause() {
      paused = new Map();
      for (const c of [A, B]) paused.set(c, { state: await live(c), position: await head(c) });
    },
    resume() {
      paused = null;
    },
  };
  const view = async (c: Address) => paused?.get(c)?.state ?? live(c);
  const state = live;
  const listed = (s: MarketState) =>
    [...s.orders.values()].filter(
      (o) => !['cancelled-off-chain', 'replaced', 'expired'].includes(o.status),
    );
  const directory: FillabilityDirectory = {
    markets: async () => [A, B],
    marketsAmong: async (cs) => new Set(cs.filter((c) => c === A || c === B)),
    marketsOfMaker: async (m) => {
      const out: Address[] = [];
      for (const c of [A, B])
        if (listed(await view(c)).some((o) => o.order.maker === m)) out.push(c);
      return out;
    },
    askTokensOf: async (m, c) =>
      listed(await view(c))
        .filter((o) => o.order.maker === m && o.order.kind === OrderKind.Ask)
        .map((o) => o.order.tokenId),
    tradeOf: async (ask, bid) => {
      for (const c of [A, B])
        for (const t of (await view(c)).trades.values())
          if (t.askHash === ask && t.bidHash === bid) return { tradeId: t.tradeId, collection: c };
      return null;
    },
    get: async (hash) => {
      for (const c of [A, B]) {
        const o = (await view(c)).orders.get(hash);
        if (o) return { collection: c, maker: o.order.maker, nonce: o.order.nonce };
      }
      return null;
    },
    collectionsOf: async () => new Map(),
    reservedElsewhere: async (maker, currency, except) => {
      let sum = 0n;
      for (const c of [A, B].filter((x) => x !== except))
        for (const t of (await view(c)).trades.values())
          if (t.buyer === maker && t.currency === currency && !t.settled) sum += t.price;
      return sum;
    },
    positionReached: async (position, cs) => {
      for (const c of cs)
        if ((paused?.get(c)?.position ?? (await head(c))) < position) return false;
      return true;
    },
  };
  const tracker = new TrackFillability(markets, chain, directory, store, {
    clock: fixedClock(new Date(Number(NOW) * 1000)),
    catchUp: { waitMs: 1_000, pollMs: 10 },
  });
  const ctx = { correlationId: 'spec', actor: 'spec' };
  const submit = async (o: SignedOrder, observed: Observations) => {
    const r = await markets.handleAll(
      marketId(o.order.collection),
      [
        {
          type: 'SubmitOrder',
          collection: o.order.collection,
          order: o,
          royalty:
            o.order.kind === OrderKind.Ask ? { kind: 'erc2981', receiver: null, amount: 0n } : null,
          observed: { fee: { ...chain.fee, block: 1n }, ...observed },
          now: NOW,
          at: new Date(Number(NOW) * 1000).toISOString(),
        } satisfies MarketCommand,
      ],
      ctx,
    );
    const [outcome] = r.outcomes;
    if (!outcome?.ok) throw new Error(`refused: ${JSON.stringify(outcome)}`);
  };
  const status = async (o: SignedOrder) =>
    (await state(o.order.collection)).orders.get(o.hash)?.status;
  const types = async (c: Address, from: number) =>
    (await store.readStream(`market-${c}`)).slice(from).map((e) => e.type);
  return { markets, store, chain, tracker, submit, status, state, types, readModel };
}

let log = 0;
function fact(
  contract: 'Marketplace' | 'ArtworkRegistry' | 'TestStablecoin',
  event: string,
  args: Record<string, string | number | boolean>,
  address: Address,
  block = 50,
): ChainFactEnvelope {
  return chainFact({
    chainId: 31337,
    contract,
    address,
    event,
    blockNumber: block,
    blockHash: `0x${block.toString(16).padStart(64, 'b')}`,
    blockTimestamp: Number(NOW),
    transactionHash: `0x${(++log).toString(16).padStart(64, 'f')}`,
    transactionIndex: 0,
    logIndex: log,
    args,
  });
}
const market = (event: string, args: Record<string, string | number | boolean>, block?: number) =>
  fact('Marketplace', event, args, MARKETPLACE, block);
const registry = (c: Address, event: string, args: Record<string, string | number | boolean>) =>
  fact('ArtworkRegistry', event, args, c);

describe('effectsOf (one fact -> what to re-read)', () => {
  it('maps ERC-721 facts to the token or the owner, ERC-20 transfers to nothing', () => {
    expect(effectsOf(registry(A, 'Transfer', { from: SELLER, to: OTHER, tokenId: '7' }))).toEqual([
      { type: 'token', collection: A, tokenId: 7n },
    ]);
    expect(
      effectsOf(
        registry(A, 'ApprovalForAll', { owner: SELLER, operator: MARKETPLACE, approved: false }),
      ),
    ).toEqual([{ type: 'operator', collection: A, owner: SELLER }]);
    expect(
      effectsOf(fact('TestStablecoin', 'Transfer', { from: BUYER, to: OTHER, value: '5' }, STABLE)),
    ).toEqual([]);
  });

  it('maps a direct fill to its signed order, a batch settlement to the pair, a skip to its reason', () => {
    const h = `0x${'12'.repeat(32)}`;
    const settled = { collection: A, tokenId: '1', seller: SELLER, buyer: BUYER, currency: USD };
    expect(
      effectsOf(market('TradeSettled', { askHash: h, bidHash: ZERO, ...settled })),
    ).toContainEqual({
      type: 'filled-order',
      hash: h,
    });
    const pair = market(
      'TradeSettled',
      { askHash: h, bidHash: h.replace('12', '34'), ...settled },
      60,
    );
    expect(effectsOf(retractionOf(pair))).toContainEqual(
      expect.objectContaining({ type: 'settlement', retracted: true, block: 60n }),
    );
    expect(
      effectsOf(market('PairSkipped', { index: '0', askHash: h, bidHash: h, reason: 16 })),
    ).toEqual([{ type: 'skipped', askHash: h, bidHash: h, reason: 'BuyerUnfunded' }]);
  });

  it('refuses args that are not what the ABI says', () => {
    expect(() => effectsOf(market('Withdrawn', { account: 'nope', currency: USD }))).toThrow(
      ChainFactArgsError,
    );
    expect(() =>
      effectsOf(market('PairSkipped', { index: '0', askHash: ZERO, bidHash: ZERO, reason: 0 })),
    ).toThrow(ChainFactArgsError);
  });
});

describe('TrackFillability', () => {
  it('a withdrawal moves a bid to no-balance, a deposit back to fillable; a redelivery decides nothing', async () => {
    const t = setup();
    const bid = signed({ maker: BUYER, kind: OrderKind.TokenBid, price: 100n });
    await t.submit(bid, { funds: [{ maker: BUYER, currency: USD, balance: 500n, block: 10n }] });
    expect(await t.status(bid)).toBe('fillable');

    t.chain.balances.set(`${BUYER}:${USD}`, 40n);
    const withdrawn = market('Withdrawn', {
      account: BUYER,
      currency: USD,
      to: BUYER,
      amount: '460',
    });
    const r = await t.tracker.track([withdrawn]);
    expect(t.chain.requests.at(-1)).toEqual({ funds: [{ maker: BUYER, currency: USD }] });
    expect(r).toMatchObject({ markets: 1, events: 2, refused: [] });
    expect(await t.status(bid)).toBe('no-balance');

    const before = (await t.store.readStream(`market-${A}`)).length;
    await t.tracker.track([withdrawn]); // redelivered: re-read at a later block, same values
    expect(await t.types(A, before)).not.toContain('OrderStatusChanged');

    t.chain.balances.set(`${BUYER}:${USD}`, 140n);
    await t.tracker.track([market('Deposited', { account: BUYER, currency: USD, amount: '100' })]);
    expect(await t.status(bid)).toBe('fillable');
  });

  it('counts what trades matched in other markets reserve of the balance', async () => {
    const t = setup();
    const askB = signed({
      collection: B,
      maker: SELLER,
      kind: OrderKind.Ask,
      price: 300n,
      tokenId: 9n,
    });
    const bidB = signed({
      collection: B,
      maker: BUYER,
      kind: OrderKind.TokenBid,
      price: 300n,
      tokenId: 9n,
    });
    const bidA = signed({ maker: BUYER, kind: OrderKind.TokenBid, price: 100n });
    await t.submit(askB, { tokens: [{ tokenId: 9n, owner: SELLER, approved: true, block: 10n }] });
    await t.submit(bidB, { funds: [{ maker: BUYER, currency: USD, balance: 350n, block: 10n }] });
    await t.submit(bidA, { funds: [{ maker: BUYER, currency: USD, balance: 350n, block: 10n }] });
    expect(await t.status(bidB)).toBe('reserved');
    t.chain.balances.set(`${BUYER}:${USD}`, 350n);
    await t.tracker.track([
      market('RoyaltyCredited', { receiver: BUYER, currency: USD, amount: '0' }),
    ]);
    // 350 - 300 held by the trade in B < 100
    expect(await t.status(bidA)).toBe('no-balance');
  });

  it('a transfer makes an ask not-owner; ApprovalForAll re-reads every ask of the owner', async () => {
    const t = setup();
    const ask1 = signed({ maker: SELLER, kind: OrderKind.Ask, price: 100n, tokenId: 1n });
    const ask2 = signed({ maker: SELLER, kind: OrderKind.Ask, price: 100n, tokenId: 2n });
    for (const [o, id] of [
      [ask1, 1n],
      [ask2, 2n],
    ] as const)
      await t.submit(o, { tokens: [{ tokenId: id, owner: SELLER, approved: true, block: 10n }] });
    t.chain.owners.set(`${A}:1`, OTHER);
    t.chain.owners.set(`${A}:2`, SELLER);
    await t.tracker.track([registry(A, 'Transfer', { from: SELLER, to: OTHER, tokenId: '1' })]);
    expect(t.chain.requests.at(-1)).toEqual({ tokens: [{ collection: A, tokenId: 1n }] });
    expect(await t.status(ask1)).toBe('not-owner');
    expect(await t.status(ask2)).toBe('fillable'); // token 2 was not re-read
    // The operator approval is revoked (the fake never had it): every ask of the owner is re-read.
    await t.tracker.track([
      registry(A, 'ApprovalForAll', { owner: SELLER, operator: MARKETPLACE, approved: false }),
    ]);
    expect(t.chain.requests.at(-1)?.tokens).toHaveLength(2);
    expect(await t.status(ask2)).toBe('no-approval');
    t.chain.approvedForAll.add(`${A}:${SELLER}`);
    await t.tracker.track([
      registry(A, 'ApprovalForAll', { owner: SELLER, operator: MARKETPLACE, approved: true }),
    ]);
    expect(await t.status(ask2)).toBe('fillable');
    expect(await t.status(ask1)).toBe('not-owner');
  });

  it('facts of a collection without a market read nothing', async () => {
    const t = setup();
    expect(
      await t.tracker.track([
        registry(FOREIGN, 'Transfer', { from: SELLER, to: OTHER, tokenId: '1' }),
      ]),
    ).toMatchObject({ markets: 0, events: 0 });
    expect(t.chain.requests).toEqual([]);
  });

  it('a counter raise voids, an on-chain cancel cancels, a fee change reaches every market', async () => {
    const t = setup();
    const bid = signed({ maker: BUYER, kind: OrderKind.TokenBid, price: 100n });
    const bid2 = signed({ maker: OTHER, kind: OrderKind.TokenBid, price: 100n, collection: B });
    await t.submit(bid, { funds: [{ maker: BUYER, currency: USD, balance: 500n, block: 10n }] });
    await t.submit(bid2, { funds: [{ maker: OTHER, currency: USD, balance: 500n, block: 10n }] });
    t.chain.balances.set(`${BUYER}:${USD}`, 500n);
    t.chain.counters.set(BUYER, 1n);
    t.chain.nonces.set(`${OTHER}:${bid2.order.nonce}`, 'cancelled');
    t.chain.fee = { recipient: addr(0xfee), bps: 300 };
    await t.tracker.track([
      market('CounterIncremented', { maker: BUYER, counter: '1' }),
      market('OrderCancelled', {
        orderHash: bid2.hash,
        maker: OTHER,
        nonce: bid2.order.nonce.toString(),
      }),
      market('ProtocolFeeSet', { recipient: addr(0xfee), bps: 300 }),
    ]);
    // One multicall for the whole chunk.
    expect(t.chain.requests).toHaveLength(1);
    expect(await t.status(bid)).toBe('void');
    expect(await t.status(bid2)).toBe('cancelled');
    expect((await t.state(A)).fee?.bps).toBe(300);
    expect((await t.state(B)).fee?.bps).toBe(300);
  });

  it('settles our trade, unsettles it when the block is retracted, and releases a skipped one', async () => {
    const t = setup();
    const ask = signed({ maker: SELLER, kind: OrderKind.Ask, price: 100n, tokenId: 1n });
    const bid = signed({ maker: BUYER, kind: OrderKind.TokenBid, price: 100n, tokenId: 1n });
    await t.submit(ask, { tokens: [{ tokenId: 1n, owner: SELLER, approved: true, block: 10n }] });
    await t.submit(bid, { funds: [{ maker: BUYER, currency: USD, balance: 500n, block: 10n }] });
    expect(await t.status(bid)).toBe('reserved');
    t.chain.balances.set(`${BUYER}:${USD}`, 400n);
    t.chain.owners.set(`${A}:1`, BUYER);
    const settled = market(
      'TradeSettled',
      {
        askHash: ask.hash,
        bidHash: bid.hash,
        collection: A,
        tokenId: '1',
        seller: SELLER,
        buyer: BUYER,
        currency: USD,
      },
      60,
    );
    await t.tracker.track([settled]);
    expect([await t.status(ask), await t.status(bid)]).toEqual(['filled', 'filled']);
    expect((await t.state(A)).trades.get(`${A}:1`)?.settled?.block).toBe(60n);
    const again = await t.tracker.track([settled]);
    expect(again.refused).toEqual([]);

    await t.tracker.track([retractionOf(settled)]);
    expect([await t.status(ask), await t.status(bid)]).toEqual(['reserved', 'reserved']);
    expect((await t.state(A)).trades.get(`${A}:1`)?.settled).toBeNull();

    await t.tracker.track([
      market('PairSkipped', { index: '0', askHash: ask.hash, bidHash: bid.hash, reason: 17 }),
    ]);
    expect((await t.state(A)).trades.has(`${A}:1`)).toBe(false);
    expect(await t.status(ask)).toBe('not-owner'); // SellerNotOwner, and the chain agrees
  });

  it('settles our trade that a stale cached market state does not know: decided again on a fresh fold (issue 12)', async () => {
    const t = setup({ cachedStreams: 4 });
    const ask = signed({ maker: SELLER, kind: OrderKind.Ask, price: 100n, tokenId: 1n });
    const bid = signed({ maker: BUYER, kind: OrderKind.TokenBid, price: 100n, tokenId: 1n });
    await t.submit(ask, { tokens: [{ tokenId: 1n, owner: SELLER, approved: true, block: 10n }] });
    await t.submit(bid, { funds: [{ maker: BUYER, currency: USD, balance: 500n, block: 10n }] });
    // The repository hands back the state it caches: lose the trade from it, as the bench's
    // gateway cache did, while the log keeps its TradeMatched.
    const cached = await t.markets.handleAll(marketId(A), [], {
      correlationId: 'c',
      actor: 'spec',
    });
    (cached.state.trades as Map<string, unknown>).clear();
    t.chain.balances.set(`${BUYER}:${USD}`, 400n);
    t.chain.owners.set(`${A}:1`, BUYER);
    const settled = market(
      'TradeSettled',
      {
        askHash: ask.hash,
        bidHash: bid.hash,
        collection: A,
        tokenId: '1',
        seller: SELLER,
        buyer: BUYER,
        currency: USD,
      },
      60,
    );
    const result = await t.tracker.track([settled]);
    expect(result.settledOnReload).toBe(1);
    expect(result.refused).toEqual([]);
    expect((await t.state(A)).trades.get(`${A}:1`)?.settled?.block).toBe(60n);
    expect([await t.status(ask), await t.status(bid)]).toEqual(['filled', 'filled']);
    expect(await t.types(A, 0)).toContain('TradeSettled');
  });

  it('a direct fill of our ask marks it filled (filledBy); its retraction observes the nonce open', async () => {
    const t = setup();
    const ask = signed({ maker: SELLER, kind: OrderKind.Ask, price: 100n, tokenId: 1n });
    await t.submit(ask, { tokens: [{ tokenId: 1n, owner: SELLER, approved: true, block: 10n }] });
    t.chain.nonces.set(`${SELLER}:${ask.order.nonce}`, 'filled');
    t.chain.owners.set(`${A}:1`, OTHER);
    const direct = market('TradeSettled', {
      askHash: ask.hash,
      bidHash: ZERO,
      collection: A,
      tokenId: '1',
      seller: SELLER,
      buyer: OTHER,
      currency: USD,
    });
    await t.tracker.track([direct]);
    expect(t.chain.requests.at(-1)?.nonces).toEqual([{ maker: SELLER, nonce: ask.order.nonce }]);
    expect(await t.status(ask)).toBe('filled');
    // The block is retracted: the nonce is open again at the head, the ask is not filled.
    t.chain.nonces.set(`${SELLER}:${ask.order.nonce}`, 'open');
    t.chain.owners.set(`${A}:1`, SELLER);
    t.chain.approvedForAll.add(`${A}:${SELLER}`);
    const before = (await t.store.readStream(`market-${A}`)).length;
    await t.tracker.track([retractionOf(direct)]);
    // The tracker observes the nonce open again, naming the order: the market un-fills it.
    const [observed] = (await t.store.readStream(`market-${A}`))
      .slice(before)
      .filter((e) => e.type === 'NonceObserved');
    expect(observed?.data).toMatchObject({ state: 'open', filledBy: ask.hash });
    expect(await t.status(ask)).toBe('fillable');
  });
});

describe('TrackFillability with the orders read model behind the event store', () => {
  /** An ask listed and projected; then the projector stops, and a bid crosses it. */
  async function matchedUnprojected() {
    const t = setup();
    const ask = signed({ maker: SELLER, kind: OrderKind.Ask, price: 100n, tokenId: 1n });
    const bid = signed({ maker: BUYER, kind: OrderKind.TokenBid, price: 100n, tokenId: 1n });
    await t.submit(ask, { tokens: [{ tokenId: 1n, owner: SELLER, approved: true, block: 10n }] });
    await t.readModel.pause();
    await t.submit(bid, { funds: [{ maker: BUYER, currency: USD, balance: 500n, block: 10n }] });
    expect(await t.status(bid)).toBe('reserved');
    t.chain.balances.set(`${BUYER}:${USD}`, 400n);
    t.chain.owners.set(`${A}:1`, BUYER);
    const settled = market(
      'TradeSettled',
      {
        askHash: ask.hash,
        bidHash: bid.hash,
        collection: A,
        tokenId: '1',
        seller: SELLER,
        buyer: BUYER,
        currency: USD,
      },
      60,
    );
    return { t, ask, bid, settled };
  }

  it('settles our trade whose TradeMatched was not projected yet when its settlement came', async () => {
    const { t, ask, bid, settled } = await matchedUnprojected();
    const resumed = new Promise((r) => setTimeout(r, 100)).then(() => t.readModel.resume());
    const r = await t.tracker.track([settled]);
    await resumed;
    expect(r.refused).toEqual([]);
    expect((await t.state(A)).trades.get(`${A}:1`)?.settled?.block).toBe(60n);
    expect([await t.status(ask), await t.status(bid)]).toEqual(['filled', 'filled']);
  });

  it('releases a skipped pair whose trade was not projected yet, once the read model has it', async () => {
    const { t, ask, bid } = await matchedUnprojected();
    t.chain.owners.set(`${A}:1`, OTHER);
    const skipped = market('PairSkipped', {
      index: '0',
      askHash: ask.hash,
      bidHash: bid.hash,
      reason: 17,
    });
    const resumed = new Promise((r) => setTimeout(r, 100)).then(() => t.readModel.resume());
    await t.tracker.track([skipped]);
    await resumed;
    expect((await t.state(A)).trades.has(`${A}:1`)).toBe(false);
    expect(await t.status(ask)).toBe('not-owner');
  });

  it('decides nothing while the read model stays behind (the chunk must come again), then settles', async () => {
    const { t, ask, bid, settled } = await matchedUnprojected();
    const before = (await t.store.readStream(`market-${A}`)).length;
    await expect(t.tracker.track([settled])).rejects.toBeInstanceOf(ReadModelBehindError);
    await expect(
      t.tracker.track([
        market('PairSkipped', { index: '0', askHash: ask.hash, bidHash: bid.hash, reason: 16 }),
      ]),
    ).rejects.toMatchObject({ code: 'READ_MODEL.BEHIND' });
    expect((await t.store.readStream(`market-${A}`)).length).toBe(before);
    expect(t.chain.requests).toEqual([]);
    t.readModel.resume();
    await t.tracker.track([settled]);
    expect([await t.status(ask), await t.status(bid)]).toEqual(['filled', 'filled']);
  });

  it("another operator's settlement of our ask (no trade of ours pairs it) re-reads its nonce", async () => {
    const t = setup();
    const ask = signed({ maker: SELLER, kind: OrderKind.Ask, price: 100n, tokenId: 1n });
    await t.submit(ask, { tokens: [{ tokenId: 1n, owner: SELLER, approved: true, block: 10n }] });
    t.chain.nonces.set(`${SELLER}:${ask.order.nonce}`, 'filled');
    t.chain.owners.set(`${A}:1`, OTHER);
    const r = await t.tracker.track([
      market('TradeSettled', {
        askHash: ask.hash,
        bidHash: `0x${'77'.repeat(32)}`,
        collection: A,
        tokenId: '1',
        seller: SELLER,
        buyer: OTHER,
        currency: USD,
      }),
    ]);
    expect(r.refused).toEqual([]);
    expect(t.chain.requests.at(-1)?.nonces).toEqual([{ maker: SELLER, nonce: ask.order.nonce }]);
    expect(await t.status(ask)).toBe('filled');
  });
});
