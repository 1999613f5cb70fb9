// The order side of the read API on the real gateway (createHttpApp, port 0; PostgreSQL event
// store and read models in schemas of its own; anvil with the deployed contracts): works minted
// and ledgers funded on chain as an outside client does (orders.fixture), signed orders placed
// over HTTP (asks at several prices, token and collection bids), one crossing bid that the
// market matches; the orders model fed by the projection loop, the chain models by the chain's
// own logs wrapped as chain facts (read.fixture). Then, over HTTP:
// - books per collection and per token: levels with counts and totals, best bid and ask, the
//   floor, collection bids on a token's bid side, the `levels` cut;
// - the matched trade in /v1/trades?status=matched and all, with its split, and the pending
//   amounts it puts in each party's ledger (they sum to zero across the parties);
// - the activity feed: mints, listings, bids, the match, newest first, cursor pages;
// - `?minPosition=` waits for a block fed while the request waits, and answers 409
//   READ_MODEL.BEHIND with the position reached when the block never comes; the same for
//   `?minMarketPosition=` and a write's position;
// - malformed queries are 4xx problem+json with a code; the OpenAPI document lists the routes.
import type { DataSource } from 'typeorm';
import type { HDAccount } from 'viem/accounts';
import type { ChainFactEnvelope } from '@atelier/chain-messages';
import { chainReadProjections } from '../src/read/read-projectors';
import { CHAIN_READ_MODEL } from '../src/read/read.tokens';
import {
  activityPageJson,
  bookJson,
  ledgerAnswerJson,
  tradeFeedJson,
} from '../src/read/read-market.views';
import {
  apiKey,
  bootGateway,
  chainClients,
  deployments,
  dropSchemas,
  gatewaySchemas,
  post,
  projectInBackground,
  submission,
  type Gateway,
} from './orders.fixture';
import { ChainFeed, chainFactsUpTo } from './read.fixture';

const TUSD = 1_000_000n;
/** The bounded wait of ?minPosition= in this spec (long enough to feed a block meanwhile). */
const WAIT_MS = 4_000;
const chain = chainClients();
const schemas = gatewaySchemas();
const registry = chain.registry.toLowerCase();
const usd = chain.usd.toLowerCase();
const nonceBase = BigInt(Date.now()) * 1000n;

let gateway: Gateway;
let projector: ReturnType<typeof projectInBackground>;
let key: string;
let feed: ChainFeed;
let seller: HDAccount;
let buyer: HDAccount;
let bidder: HDAccount;
let works: bigint[];
let startBlock: bigint;
let fedUpTo: bigint;
let lastPosition: string;
const hashes: Record<string, string> = {};

const get = async (path: string) => {
  const res = await fetch(`${gateway.base}${path}`);
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    body: text ? JSON.parse(text) : null,
  };
};

/** Every log of the registry and the Marketplace from `from` to `to`, fed to the chain models. */
async function feedChain(from: bigint, to: bigint, seed: number): Promise<ChainFactEnvelope[]> {
  const d = deployments();
  const facts = await chainFactsUpTo(
    chain.client,
    d.chainId,
    [
      { name: 'ArtworkRegistry', address: chain.registry, startBlock: from },
      { name: 'Marketplace', address: chain.market, startBlock: from },
    ],
    to,
  );
  await feed.deliver(facts, seed);
  fedUpTo = to;
  return facts;
}

async function place(who: HDAccount, o: ReturnType<typeof chain.order>, matched = false) {
  const res = await post(
    gateway.base,
    '/v1/orders',
    submission(o, await chain.signOrder(who, o)),
    key,
  );
  const body = (await res.json()) as {
    results: { hash: string; status: string; trade: unknown }[];
    position: string;
  };
  expect({ status: res.status, result: body.results[0] }).toMatchObject({
    status: 201,
    result: matched
      ? { status: 'reserved', trade: expect.anything() }
      : { status: 'fillable', trade: null },
  });
  lastPosition = body.position;
  return body.results[0]!.hash;
}

beforeAll(async () => {
  // cacheTime 0: the client keeps a block number for its polling interval, and a receipt can be
  // seen before the number of its block is (a feed up to a stale head missed the deposits).
  startBlock = await chain.client.getBlockNumber({ cacheTime: 0 });
  gateway = await bootGateway(schemas, {
    PIPELINE_ENABLED: false,
    READ_YOUR_WRITES_WAIT_MS: WAIT_MS,
  });
  projector = projectInBackground(gateway, schemas.readModel);
  key = await apiKey(gateway);
  const readModel = gateway.app.get<DataSource>(CHAIN_READ_MODEL, { strict: false });
  feed = new ChainFeed(readModel, schemas.readModel, chainReadProjections());
  [seller, buyer, bidder] = await Promise.all([chain.account(), chain.account(), chain.account()]);
  works = await chain.mintWorks(seller, 5);
  await chain.deposit(buyer, 1_000n * TUSD);
  await chain.deposit(bidder, 1_000n * TUSD);
  await feedChain(startBlock, await chain.client.getBlockNumber({ cacheTime: 0 }), 7);

  const ask = (i: number, price: bigint) =>
    chain.order(seller, {
      kind: chain.OrderKind.Ask,
      tokenId: works[i]!,
      price: price * TUSD,
      nonce: nonceBase + BigInt(i),
    });
  // Asks: 100, 100, 150 on works 0..2; work 3 is not listed; work 4 at 200.
  hashes['ask0'] = await place(seller, ask(0, 100n));
  hashes['ask1'] = await place(seller, ask(1, 100n));
  hashes['ask2'] = await place(seller, ask(2, 150n));
  hashes['ask4'] = await place(seller, ask(4, 200n));
  // Bids below every ask: a token bid on work 0, two collection bids.
  hashes['tokenBid0'] = await place(
    bidder,
    chain.order(bidder, {
      kind: chain.OrderKind.TokenBid,
      tokenId: works[0]!,
      price: 70n * TUSD,
      nonce: nonceBase + 10n,
    }),
  );
  hashes['coll60'] = await place(
    bidder,
    chain.order(bidder, {
      kind: chain.OrderKind.CollectionBid,
      price: 60n * TUSD,
      nonce: nonceBase + 11n,
    }),
  );
  hashes['coll80'] = await place(
    bidder,
    chain.order(bidder, {
      kind: chain.OrderKind.CollectionBid,
      price: 80n * TUSD,
      nonce: nonceBase + 12n,
    }),
  );
  // A bid that crosses the ask on work 2 (150): matched at the ask's price.
  hashes['taker'] = await place(
    buyer,
    chain.order(buyer, {
      kind: chain.OrderKind.TokenBid,
      tokenId: works[2]!,
      price: 160n * TUSD,
      nonce: nonceBase + 20n,
    }),
    true,
  );
  // And one on work 4 at its ask's price: a second matched trade for the buyer.
  hashes['taker4'] = await place(
    buyer,
    chain.order(buyer, {
      kind: chain.OrderKind.TokenBid,
      tokenId: works[4]!,
      price: 200n * TUSD,
      nonce: nonceBase + 21n,
    }),
    true,
  );
}, 180_000);

afterAll(async () => {
  await projector?.stop();
  await gateway?.app.close();
  await dropSchemas(schemas);
});

describe('order books', () => {
  it("a collection's book: asks of every token, collection bids, token bids apart, the floor", async () => {
    const res = await get(
      `/v1/collections/${registry}/book?currency=${usd}&minMarketPosition=${lastPosition}`,
    );
    expect(res.status).toBe(200);
    bookJson.parse(res.body);
    expect(res.body).toMatchObject({ collection: registry, tokenId: null, levels: 20 });
    expect(BigInt(res.body.position.market)).toBeGreaterThanOrEqual(BigInt(lastPosition));
    const [book] = res.body.currencies;
    expect(book.currency).toBe(usd);
    // The asks on works 2 and 4 are reserved by the matches: out of the book.
    expect(book.asks).toEqual({
      levels: [{ price: (100n * TUSD).toString(), count: 2, total: (200n * TUSD).toString() }],
      orders: 2,
      priceLevels: 1,
      best: {
        hash: hashes['ask0'],
        maker: seller.address.toLowerCase(),
        kind: 'ask',
        tokenId: works[0]!.toString(),
        price: (100n * TUSD).toString(),
      },
    });
    expect(book.bids.levels.map((l: { price: string }) => l.price)).toEqual([
      (80n * TUSD).toString(),
      (60n * TUSD).toString(),
    ]);
    expect(book.bids.best.hash).toBe(hashes['coll80']);
    expect(book.tokenBids.levels).toEqual([
      { price: (70n * TUSD).toString(), count: 1, total: (70n * TUSD).toString() },
    ]);
    expect(book).toMatchObject({
      floor: (100n * TUSD).toString(),
      spread: (20n * TUSD).toString(),
    });
    const cut = await get(`/v1/collections/${registry}/book?levels=1`);
    expect(cut.body.currencies[0].bids).toMatchObject({ orders: 2, priceLevels: 2 });
    expect(cut.body.currencies[0].bids.levels).toHaveLength(1);
  });

  it("a token's book: its asks, its token bids and every collection bid", async () => {
    const res = await get(`/v1/artworks/${registry}/${works[0]}/book`);
    expect(res.status).toBe(200);
    bookJson.parse(res.body);
    const [book] = res.body.currencies;
    expect(book.asks.best.hash).toBe(hashes['ask0']);
    expect(
      book.bids.levels.map((l: { price: string; count: number }) => [l.price, l.count]),
    ).toEqual([
      [(80n * TUSD).toString(), 1],
      [(70n * TUSD).toString(), 1],
      [(60n * TUSD).toString(), 1],
    ]);
    expect(book.tokenBids).toBeUndefined();
    // Work 3 has no ask: its bids are the collection bids; the floor is the collection's.
    const unlisted = (await get(`/v1/artworks/${registry}/${works[3]}/book`)).body.currencies[0];
    expect(unlisted).toMatchObject({
      asks: { orders: 0, best: null },
      bids: { orders: 2, best: { hash: hashes['coll80'] } },
      floor: (100n * TUSD).toString(),
      spread: null,
    });
  });
});

describe('matched trades and pending ledger amounts', () => {
  it('lists the matched trade with its split, beside the settled ones', async () => {
    const res = await get(
      `/v1/trades?status=matched&account=${buyer.address}&minMarketPosition=${lastPosition}`,
    );
    expect(res.status).toBe(200);
    tradeFeedJson.parse(res.body);
    // Newest first: work 4's trade, then work 2's.
    expect(res.body.items.map((x: { tokenId: string }) => x.tokenId)).toEqual([
      works[4]!.toString(),
      works[2]!.toString(),
    ]);
    const t = res.body.items[1];
    expect(t).toMatchObject({
      status: 'matched',
      collection: registry,
      tokenId: works[2]!.toString(),
      askHash: hashes['ask2'],
      bidHash: hashes['taker'],
      seller: seller.address.toLowerCase(),
      buyer: buyer.address.toLowerCase(),
      currency: usd,
      price: (150n * TUSD).toString(),
    });
    expect(
      BigInt(t.protocolFee) + BigInt(t.royalty) + BigInt(t.attribution) + BigInt(t.sellerProceeds),
    ).toBe(150n * TUSD);
    const all = await get(`/v1/trades?status=all&account=${buyer.address}`);
    expect(all.body.items.map((x: { status: string }) => x.status)).toEqual(['matched', 'matched']);
    // The default listing is the chain's: nothing settled for these accounts.
    expect((await get(`/v1/trades?account=${buyer.address}`)).body.items).toEqual([]);
    expect(all.body.position).toEqual({
      block: expect.stringMatching(/^\d+$/),
      market: expect.stringMatching(/^\d+$/),
    });
    expect(BigInt(all.body.position.block)).toBeLessThanOrEqual(fedUpTo);
    expect(BigInt(all.body.position.block)).toBeGreaterThan(startBlock);
  });

  it("puts the trade's amounts in each party's pending ledger, beside the settled balance", async () => {
    const [t4, t] = (await get(`/v1/trades?status=matched&account=${buyer.address}`)).body.items;
    const pendingOf = async (account: string) => {
      const res = await get(`/v1/ledgers/${account}?currency=${usd}`);
      expect(res.status).toBe(200);
      ledgerAnswerJson.parse(res.body);
      return res.body.currencies[0];
    };
    const b = await pendingOf(buyer.address);
    expect(b).toMatchObject({
      balance: (1_000n * TUSD).toString(),
      pending: { trades: 2, paid: (350n * TUSD).toString(), net: (-350n * TUSD).toString() },
      balanceAfterPending: (650n * TUSD).toString(),
    });
    const s = await pendingOf(seller.address);
    expect(s).toMatchObject({
      balance: '0',
      pending: {
        trades: 2,
        credited: {
          proceeds: (BigInt(t.sellerProceeds) + BigInt(t4.sellerProceeds)).toString(),
        },
      },
    });
    // Every party's pending net, summed, is zero: the buyer pays what the others get.
    const parties = new Set<string>([buyer.address.toLowerCase(), seller.address.toLowerCase()]);
    for (const x of [t, t4]) {
      if (x.feeRecipient) parties.add(x.feeRecipient);
      if (x.royaltyReceiver) parties.add(x.royaltyReceiver);
      for (const c of x.contributors as { account: string }[]) parties.add(c.account);
    }
    let sum = 0n;
    for (const p of parties) sum += BigInt((await pendingOf(p))?.pending?.net ?? '0');
    expect(sum).toBe(0n);
    // The bidder has no matched trade: its pending amounts are zero.
    expect((await pendingOf(bidder.address)).pending).toMatchObject({ trades: 0, net: '0' });
  });
});

describe('activity', () => {
  it('mints, listings, bids and the match, newest first, page by page', async () => {
    const res = await get(`/v1/activity?collection=${registry}&account=${seller.address}`);
    expect(res.status).toBe(200);
    activityPageJson.parse(res.body);
    const kinds: string[] = res.body.items.map((i: { kind: string }) => i.kind);
    expect(kinds.filter((k) => k === 'mint')).toHaveLength(5);
    expect(kinds.filter((k) => k === 'listing')).toHaveLength(4);
    expect(kinds.filter((k) => k === 'match')).toHaveLength(2);
    // Newest first (the mints carry their block's time, the rest the gateway's clock).
    const market = kinds.filter((k) => k !== 'mint');
    expect(market).toEqual(['match', 'match', 'listing', 'listing', 'listing', 'listing']);
    const times = res.body.items.map((i: { at: string }) => Date.parse(i.at));
    expect(times).toEqual([...times].sort((a: number, b: number) => b - a));
    const bids = await get(`/v1/activity?account=${bidder.address}&kinds=bid,collection-bid`);
    expect(
      bids.body.items.map((i: { kind: string; orderHash: string }) => [i.kind, i.orderHash]),
    ).toEqual([
      ['collection-bid', hashes['coll80']],
      ['collection-bid', hashes['coll60']],
      ['bid', hashes['tokenBid0']],
    ]);
    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await get(
        `/v1/activity?collection=${registry}&account=${seller.address}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      walked.push(...page.body.items.map((i) => i.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(walked).toEqual(res.body.items.map((i: { id: string }) => i.id));
    const token = await get(`/v1/activity?collection=${registry}&tokenId=${works[2]}`);
    expect(token.body.items.map((i: { kind: string }) => i.kind).sort()).toEqual([
      'bid',
      'listing',
      'match',
      'mint',
    ]);
    expect(token.body.items.find((i: { kind: string }) => i.kind === 'match')).toMatchObject({
      from: seller.address.toLowerCase(),
      to: buyer.address.toLowerCase(),
      price: (150n * TUSD).toString(),
      status: 'matched',
    });
  });
});

describe('minimum positions', () => {
  it('waits for a block fed while the request waits, and 409s with the position reached when it never comes', async () => {
    const next = fedUpTo + 1n;
    await chain.deposit(bidder, 5n * TUSD); // at least one new block with a Marketplace fact
    const head = await chain.client.getBlockNumber({ cacheTime: 0 });
    const waiting = get(`/v1/ledgers/${bidder.address}?minPosition=${next}`);
    await new Promise((r) => setTimeout(r, 300));
    await feedChain(next, head, 8);
    const answered = await waiting;
    expect(answered.status).toBe(200);
    expect(BigInt(answered.body.position.block)).toBeGreaterThanOrEqual(next);
    expect(answered.body.currencies[0].deposited).toBe((1_005n * TUSD).toString());

    const far = fedUpTo + 1_000_000n;
    for (const path of [
      `/v1/trades?minPosition=${far}`,
      `/v1/ledgers/${bidder.address}?minPosition=${far}`,
      `/v1/artworks?minPosition=${far}`,
      `/v1/artworks/${registry}/${works[0]}?minPosition=${far}`,
      `/v1/collections/${registry}/stats?minPosition=${far}`,
      `/v1/activity?minPosition=${far}`,
    ]) {
      const started = Date.now();
      const res = await get(path);
      expect({ path, status: res.status, code: res.body.code }).toEqual({
        path,
        status: 409,
        code: 'READ_MODEL.BEHIND',
      });
      expect(res.type).toContain('application/problem+json');
      expect(res.body).toMatchObject({ minPosition: far.toString(), waitedMs: WAIT_MS });
      expect(BigInt(res.body.position.block)).toBeGreaterThan(startBlock);
      expect(BigInt(res.body.position.block)).toBeLessThanOrEqual(fedUpTo);
      expect(Date.now() - started).toBeGreaterThanOrEqual(WAIT_MS - 100);
    }
    // A block the model has reached (its head: the newest block of an ArtworkRegistry fact).
    const reached = (await get(`/v1/artworks?limit=1`)).body.position.block as string;
    const ok = await get(`/v1/artworks?minPosition=${reached}&creator=${seller.address}`);
    expect(ok.status).toBe(200);
  }, 90_000);

  it("waits for a write's market position on the book, and 409s past the store's head", async () => {
    const hash = await place(
      bidder,
      chain.order(bidder, {
        kind: chain.OrderKind.CollectionBid,
        price: 90n * TUSD,
        nonce: nonceBase + 13n,
      }),
    );
    const res = await get(`/v1/collections/${registry}/book?minMarketPosition=${lastPosition}`);
    expect(res.status).toBe(200);
    expect(res.body.currencies[0].bids.best.hash).toBe(hash);
    const far = BigInt(lastPosition) + 1_000_000n;
    const behind = await get(`/v1/collections/${registry}/book?minMarketPosition=${far}`);
    expect(behind).toMatchObject({
      status: 409,
      body: { code: 'READ_MODEL.BEHIND', position: { market: expect.stringMatching(/^\d+$/) } },
    });
  }, 30_000);
});

describe('contract', () => {
  it('refuses malformed queries with a 4xx problem and a code, never a 5xx', async () => {
    const tradesCursor = (await get(`/v1/trades?status=all&limit=1`)).body.nextCursor as string;
    const activityCursor = (await get(`/v1/activity?limit=1`)).body.nextCursor as string;
    expect(tradesCursor).toEqual(expect.any(String));
    expect(activityCursor).toEqual(expect.any(String));
    const book = `/v1/collections/${registry}/book`;
    const cases: [string, number, string][] = [
      [`${book}?levels=0`, 400, 'REQUEST.INVALID'],
      [`${book}?levels=201`, 400, 'REQUEST.INVALID'],
      [`${book}?levels=1&levels=2`, 400, 'REQUEST.INVALID'],
      [`${book}?currency=usd`, 400, 'REQUEST.INVALID'],
      [`${book}?side=asks`, 400, 'REQUEST.INVALID'],
      [`${book}?minMarketPosition=-1`, 400, 'REQUEST.INVALID'],
      [`/v1/collections/0x1234/book`, 400, 'REQUEST.INVALID'],
      [`/v1/artworks/${registry}/1e3/book`, 400, 'REQUEST.INVALID'],
      ['/v1/trades?status=pending', 400, 'REQUEST.INVALID'],
      ['/v1/trades?status=matched&fromBlock=1', 400, 'REQUEST.INVALID'],
      ['/v1/trades?status=all&status=matched', 400, 'REQUEST.INVALID'],
      ['/v1/trades?minPosition=abc', 400, 'REQUEST.INVALID'],
      [`/v1/trades?status=matched&cursor=${tradesCursor}`, 400, 'READ.BAD_CURSOR'],
      [`/v1/trades?cursor=${tradesCursor}`, 400, 'READ.BAD_CURSOR'],
      [`/v1/activity?cursor=${tradesCursor}`, 400, 'READ.BAD_CURSOR'],
      [`/v1/trades?status=all&cursor=${activityCursor}`, 400, 'READ.BAD_CURSOR'],
      ['/v1/activity?cursor=%27%20OR%201%3D1', 400, 'READ.BAD_CURSOR'],
      ['/v1/activity?tokenId=1', 400, 'REQUEST.INVALID'],
      ['/v1/activity?kinds=mint,burn', 400, 'REQUEST.INVALID'],
      ['/v1/activity?kinds=', 400, 'REQUEST.INVALID'],
      ['/v1/activity?account=0xZZ', 400, 'REQUEST.INVALID'],
      ['/v1/activity?limit=501', 400, 'REQUEST.INVALID'],
      ['/v1/activity?who=me', 400, 'REQUEST.INVALID'],
      [`/v1/ledgers/${buyer.address}?minMarketPosition=1.5`, 400, 'REQUEST.INVALID'],
      [`/v1/collections/${registry}/stats?minPosition=${'9'.repeat(30)}`, 400, 'REQUEST.INVALID'],
      [`/v1/artworks/${registry}/1/lineage?x=1`, 400, 'REQUEST.INVALID'],
      [`/v1/activity?kinds=mint,mint`, 200, ''],
    ];
    for (const [path, status, code] of cases) {
      const res = await get(path);
      expect({ path, status: res.status }).toEqual({ path, status });
      if (status >= 400) {
        expect(res.type).toContain('application/problem+json');
        expect({ path, code: res.body.code }).toEqual({ path, code });
      }
    }
  });

  it('documents the routes and their parameters in the OpenAPI document', async () => {
    const doc = (await get('/openapi.json')).body;
    for (const path of [
      '/v1/collections/{address}/book',
      '/v1/artworks/{collection}/{tokenId}/book',
      '/v1/activity',
      '/v1/trades',
    ])
      expect(Object.keys(doc.paths)).toContain(path);
    const names = (p: string) =>
      doc.paths[p].get.parameters.map((x: { name: string }) => x.name) as string[];
    expect(names('/v1/activity')).toEqual(
      expect.arrayContaining(['collection', 'tokenId', 'account', 'kinds', 'cursor', 'limit']),
    );
    expect(names('/v1/trades')).toEqual(
      expect.arrayContaining(['status', 'minPosition', 'minMarketPosition']),
    );
    expect(names('/v1/collections/{address}/book')).toEqual(
      expect.arrayContaining(['address', 'currency', 'levels', 'minMarketPosition']),
    );
    expect(Object.keys(doc.paths['/v1/ledgers/{account}'].get.responses)).toEqual(
      expect.arrayContaining(['200', '400', '409']),
    );
  });
});
