// The GraphQL API on the real gateway (createHttpApp, port 0) over real data: works minted on anvil
// (a child of one, a grandchild of both, a dozen more), two of them traded in one settleBatch, every
// log of the ArtworkRegistry and the Marketplace fed to the chain-fact read models as Kafka would
// deliver them (read.fixture.ts), and orders submitted over POST /v1/orders and projected into the
// orders read model (orders.fixture.ts). Then, over HTTP with plain fetch and GraphQL documents:
// - every query answers what the REST route answers for the same data, position included;
// - a page of artworks asking for parents, children, contributors, trades and the trades' works
//   costs a bounded number of SQL statements, the same for 2 works as for 15+ (DataLoader);
// - operations too deep or too expensive (huge pages, aliases, variables) are refused before any
//   SQL runs, 400 with GRAPHQL.TOO_DEEP / GRAPHQL.TOO_COMPLEX; bad arguments are 4xx with our codes
//   (READ.BAD_CURSOR, ORDERS.BAD_CURSOR, REQUEST.INVALID naming the argument), never a 5xx;
// - GraphiQL is served at /graphiql; introspection and GraphiQL follow their config flags;
// - a subscription resolver of another Nest module joins the schema and streams over WebSocket
//   (graphql-ws), held to the same depth limit.
import type { AddressInfo } from 'node:net';
import { Module } from '@nestjs/common';
import { Args, Field, Int, ObjectType, Query, Resolver, Subscription } from '@nestjs/graphql';
import { createClient as createWsClient } from 'graphql-ws';
import type { DataSource, QueryRunner } from 'typeorm';
import WebSocket from 'ws';
import { parseEther, type Address } from 'viem';
import { OrderKind, testStablecoinAbi } from '@atelier/contracts-abi';
import {
  approveMarketplace,
  createOrder,
  deposit,
  mintArtwork,
  settleBatch,
  writeAndWait,
} from '@atelier/chain-actions';
import { createHttpApp } from '@atelier/platform';
import { gatewayApp } from '../src/gateway.app';
import { chainReadProjections } from '../src/read/read-projectors';
import { CHAIN_READ_MODEL } from '../src/read/read.tokens';
import {
  apiKey,
  bootGateway,
  chainClients,
  dropSchemas,
  gatewaySchemas,
  post,
  projectInBackground,
  submission,
  type Gateway,
} from './orders.fixture';
import { ChainFeed, chainFactsUpTo, readScenario } from './read.fixture';

const {
  run,
  dep,
  client,
  testClient,
  wallet,
  usd,
  registry,
  market,
  domain,
  operator,
  creator,
  seller,
  buyer1,
  buyer2,
  contributorA,
  contributorB,
} = readScenario('atelier-graphql-it');
const P = 100_000_000n; // 100 tUSD

const schemas = gatewaySchemas();
const chain = chainClients();
let gateway: Gateway;
let readModel: DataSource;
let projector: ReturnType<typeof projectInBackground>;
const works: bigint[] = [];
let makerAddress: string;
let orderHashes: string[] = [];
let orderPosition: string;
let makerWorks: bigint[] = [];
let settleBlock: bigint;
let takerAddress: string;
let matchPosition: string;

// ---- clients -----------------------------------------------------------------------------------

interface GqlAnswer {
  readonly status: number;
  readonly type: string;
  readonly body: {
    data?: Record<string, any> | null;
    errors?: { message: string; path?: string[]; extensions?: Record<string, any> }[];
  };
}

/** A GraphQL request as any client sends it: POST application/json. */
async function gql(
  query: string,
  variables?: Record<string, unknown>,
  base = gateway.base,
): Promise<GqlAnswer> {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, ...(variables ? { variables } : {}) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    body: JSON.parse(text),
  };
}

/** The data of a query that must succeed. */
async function data(query: string, variables?: Record<string, unknown>) {
  const answer = await gql(query, variables);
  expect({ status: answer.status, errors: answer.body.errors }).toEqual({
    status: 200,
    errors: undefined,
  });
  return answer.body.data!;
}

const rest = async (path: string) => {
  const res = await fetch(`${gateway.base}${path}`);
  expect({ path, status: res.status }).toEqual({ path, status: 200 });
  return (await res.json()) as Record<string, any>;
};

/** Counts the SQL statements the chain-fact read models' DataSource sends while `fn` runs. */
async function countStatements<T>(
  dataSource: DataSource,
  fn: () => Promise<T>,
): Promise<{ result: T; statements: number }> {
  let statements = 0;
  const create = dataSource.createQueryRunner.bind(dataSource);
  const spy = jest.spyOn(dataSource, 'createQueryRunner').mockImplementation((mode) => {
    const runner: QueryRunner = create(mode);
    const query = runner.query.bind(runner);
    runner.query = ((...args: Parameters<QueryRunner['query']>) => {
      statements += 1;
      return query(...args);
    }) as QueryRunner['query'];
    return runner;
  });
  try {
    return { result: await fn(), statements };
  } finally {
    spy.mockRestore();
  }
}

// ---- the fields, as documents ------------------------------------------------------------------

const ARTWORK = `collection tokenId creator owner
  provenance { provenanceHash modelId modelHash promptHash seed manifestHash manifestURI }
  royalty { receiver bps } parentCount contributorCount
  minted { block logIndex transactionHash at }`;
const TRADE = `factId marketplace collection tokenId askHash bidHash seller buyer currency price
  protocolFee royaltyReceiver royalty attribution sellerProceeds block logIndex transactionHash settledAt`;
const MATCHED = `status tradeId collection tokenId askHash bidHash seller buyer currency price
  protocolFee feeRecipient royaltyReceiver royalty attribution contributors { account amount }
  sellerProceeds matchedAt`;
const TRADE_ITEM = `... on Trade { status ${TRADE} } ... on MatchedTrade { ${MATCHED} }`;
const LEDGER = `account asOfBlock position { block market } currencies {
  currency deposited withdrawn paid credited { royalty attribution fee proceeds } balance
  pending { trades paid credited { royalty attribution fee proceeds } net } balanceAfterPending }`;
const ORDER = `hash collection maker kind tokenId currency price start expiry counter nonce signature
  status reason tradeId acceptedAt updatedAt`;

// ---- the data ----------------------------------------------------------------------------------

beforeAll(async () => {
  for (const a of [creator, seller, buyer1, buyer2])
    await testClient.setBalance({ address: a.address, value: parseEther('10') });
  const mint = async (parents: bigint[], contributors: { account: Address; bps: number }[]) => {
    const { tokenId } = await mintArtwork(wallet(creator), {
      registry,
      to: seller.address,
      work: {
        prompt: `graphql-it ${run} ${works.length}`,
        manifest: `manifest ${run} ${works.length}`,
        manifestURI: `ipfs://graphql-it/${run}/${works.length}`,
        seed: BigInt(works.length + 11),
        parents,
        contributors,
      },
      royaltyBps: 500,
    });
    works.push(tokenId);
    return tokenId;
  };
  const a = await mint(
    [],
    [
      { account: contributorA, bps: 150 },
      { account: contributorB, bps: 100 },
    ],
  );
  const b = await mint([a], [{ account: contributorA, bps: 200 }]);
  await mint([a, b], []);
  await approveMarketplace(wallet(seller), { collection: registry, marketplace: market });
  for (const buyer of [buyer1, buyer2]) {
    await writeAndWait(wallet(buyer), {
      address: usd,
      abi: testStablecoinAbi,
      functionName: 'mint',
      args: [buyer.address, 10n * P],
    });
    await deposit(wallet(buyer), { marketplace: market, currency: usd, amount: 3n * P });
  }
  const order = async (maker: typeof seller, kind: OrderKind, tokenId: bigint, nonce: bigint) =>
    createOrder(maker, {
      domain,
      kind,
      collection: registry,
      tokenId,
      currency: usd,
      price: P + (tokenId % 7n),
      now: (await client.getBlock()).timestamp,
      lifetime: 3600n,
      nonce,
    });
  const settled = await settleBatch(wallet(operator), {
    marketplace: market,
    pairs: [
      {
        ask: await order(seller, OrderKind.Ask, a, 1n),
        bid: await order(buyer1, OrderKind.TokenBid, a, 1n),
      },
      {
        ask: await order(seller, OrderKind.Ask, b, 2n),
        bid: await order(buyer2, OrderKind.TokenBid, b, 1n),
      },
    ],
  });

  settleBlock = settled.blockNumber;

  // A market maker's works (a dozen, so a page of works is long) and its orders.
  const maker = await chain.account();
  makerAddress = maker.address.toLowerCase();
  makerWorks = await chain.mintWorks(maker, 12);
  await chain.deposit(maker, 1_000n * 1_000_000n);
  const taker = await chain.account();
  takerAddress = taker.address.toLowerCase();
  await chain.deposit(taker, 100n * 1_000_000n);

  const head = await client.getBlockNumber({ cacheTime: 0 }); // not a number cached before the deposits
  const facts = await chainFactsUpTo(
    client,
    dep.deployments.chainId,
    [
      {
        name: 'ArtworkRegistry',
        address: registry,
        startBlock: BigInt(dep.deployments.contracts['ArtworkRegistry']!.startBlock ?? 0),
      },
      {
        name: 'Marketplace',
        address: market,
        startBlock: BigInt(dep.deployments.contracts['Marketplace']!.startBlock ?? 0),
      },
    ],
    head,
  );
  gateway = await bootGateway(schemas, { PIPELINE_ENABLED: false });
  readModel = gateway.app.get<DataSource>(CHAIN_READ_MODEL, { strict: false });
  await new ChainFeed(readModel, schemas.readModel, chainReadProjections()).deliver(facts, 7);

  projector = projectInBackground(gateway, schemas.readModel);
  const nonce = BigInt(Date.now()) * 1000n;
  const orders = [
    chain.order(maker, {
      kind: OrderKind.Ask,
      tokenId: makerWorks[0]!,
      price: 50n * 1_000_000n,
      nonce,
    }),
    chain.order(maker, {
      kind: OrderKind.Ask,
      tokenId: makerWorks[1]!,
      price: 60n * 1_000_000n,
      nonce: nonce + 1n,
    }),
    chain.order(maker, {
      kind: OrderKind.CollectionBid,
      price: 5n * 1_000_000n,
      nonce: nonce + 2n,
    }),
  ];
  const res = await post(
    gateway.base,
    '/v1/orders',
    {
      orders: await Promise.all(
        orders.map(async (o) => submission(o, await chain.signOrder(maker, o))),
      ),
    },
    await apiKey(gateway),
  );
  expect(res.status).toBe(200);
  const body = (await res.json()) as { results: { hash: string }[]; position: string };
  orderHashes = body.results.map((r) => r.hash);
  orderPosition = body.position;
  // Read-your-writes: the orders read model has applied them.
  expect(
    (await fetch(`${gateway.base}/v1/orders/${orderHashes[2]}?minPosition=${orderPosition}`))
      .status,
  ).toBe(200);
  // A taker's bid that crosses the second ask: matched, not settled (no settlement runs here).
  const bid = chain.order(taker, {
    kind: OrderKind.TokenBid,
    tokenId: makerWorks[1]!,
    price: 60n * 1_000_000n,
    nonce: nonce + 10n,
  });
  const matched = await post(
    gateway.base,
    '/v1/orders',
    submission(bid, await chain.signOrder(taker, bid)),
  );
  expect(matched.status).toBe(201);
  matchPosition = ((await matched.json()) as { position: string }).position;
  expect(
    (await fetch(`${gateway.base}/v1/trades?status=matched&minMarketPosition=${matchPosition}`))
      .status,
  ).toBe(200);
}, 240_000);

afterAll(async () => {
  await projector?.stop();
  await gateway?.app.close();
  await dropSchemas(schemas);
});

// ---- the same answers as REST ------------------------------------------------------------------

describe('the same reads as REST', () => {
  it('artworks: filters, sort, cursor and position equal GET /v1/artworks', async () => {
    const q = `query($creator: String, $cursor: String, $sort: ArtworkSort) {
      artworks(creator: $creator, limit: 2, cursor: $cursor, sort: $sort) {
        items { ${ARTWORK} } nextCursor position { block } } }`;
    const first = (await data(q, { creator: creator.address })).artworks;
    expect(first).toEqual(await rest(`/v1/artworks?creator=${creator.address}&limit=2`));
    expect(first.items.map((w: { tokenId: string }) => w.tokenId)).toEqual([
      works[2]!.toString(),
      works[1]!.toString(),
    ]);
    const second = (await data(q, { creator: creator.address, cursor: first.nextCursor })).artworks;
    expect(second).toEqual(
      await rest(`/v1/artworks?creator=${creator.address}&limit=2&cursor=${first.nextCursor}`),
    );
    expect(second.nextCursor).toBeNull();
    const oldest = (await data(q, { creator: creator.address, sort: 'oldest' })).artworks;
    expect(oldest).toEqual(
      await rest(`/v1/artworks?creator=${creator.address}&limit=2&sort=oldest`),
    );
    expect(first.position.block).toMatch(/^\d+$/);
  });

  it('one artwork (provenance, parents, contributors, owner) and its lineage equal the REST answers', async () => {
    const b = works[1]!.toString();
    const got = await data(
      `query($c: String!, $t: String!) {
        artwork(collection: $c, tokenId: $t) {
          artwork { ${ARTWORK} parentTokenIds contributors { account bps } } position { block } }
        lineage(collection: $c, tokenId: $t) {
          lineage { collection tokenId truncated
            ancestors { tokenId depth artwork { ${ARTWORK} } }
            descendants { tokenId depth artwork { ${ARTWORK} } } }
          position { block } } }`,
      { c: registry, t: b },
    );
    const { parentTokenIds, ...artwork } = got.artwork.artwork;
    expect({
      artwork: { ...artwork, parents: parentTokenIds },
      position: got.artwork.position,
    }).toEqual(await rest(`/v1/artworks/${registry}/${b}`));
    expect(got.artwork.artwork).toMatchObject({
      owner: buyer2.address.toLowerCase(),
      parentTokenIds: [works[0]!.toString()],
      contributors: [{ account: contributorA, bps: 200 }],
    });
    expect({ ...got.lineage.lineage, position: got.lineage.position }).toEqual(
      await rest(`/v1/artworks/${registry}/${b}/lineage`),
    );
    const missing = await data(
      `{ artwork(collection: "${registry}", tokenId: "999999999999") { artwork { tokenId } position { block } }
         lineage(collection: "${registry}", tokenId: "999999999999") { lineage { tokenId } } }`,
    );
    expect(missing.artwork.artwork).toBeNull();
    expect(missing.artwork.position.block).toMatch(/^\d+$/);
    expect(missing.lineage.lineage).toBeNull();
  });

  it('trades (settled, matched, all), ledgers with pending amounts and collection stats equal their REST answers', async () => {
    const got = await data(
      `query($seller: String!, $buyer: String!, $c: String!) {
        trades(account: $seller, limit: 1) { items { ${TRADE_ITEM} } nextCursor position { block market } }
        ledger(account: $buyer) { ${LEDGER} }
        collectionStats(address: $c) { collection sales uniqueBuyers
          currencies { currency volume sales floor } lastSale { block at } position { block } } }`,
      { seller: seller.address, buyer: buyer1.address, c: registry },
    );
    expect(got.trades).toEqual(await rest(`/v1/trades?account=${seller.address}&limit=1`));
    expect(got.trades.items[0].status).toBe('settled');
    const next = await data(
      `query($a: String!, $cur: String) { trades(account: $a, limit: 1, cursor: $cur) {
        items { ${TRADE_ITEM} } nextCursor position { block market } } }`,
      { a: seller.address, cur: got.trades.nextCursor },
    );
    expect(next.trades).toEqual(
      await rest(`/v1/trades?account=${seller.address}&limit=1&cursor=${got.trades.nextCursor}`),
    );
    // The taker's matched trade, alone and beside the settled ones, with its work linked.
    for (const status of ['matched', 'all'] as const) {
      const page = await data(
        `query($a: String!, $s: TradeListing, $p: String) {
          trades(account: $a, status: $s, minMarketPosition: $p) {
            items { ${TRADE_ITEM} } nextCursor position { block market } } }`,
        { a: takerAddress, s: status, p: matchPosition },
      );
      expect(page.trades).toEqual(
        await rest(`/v1/trades?account=${takerAddress}&status=${status}`),
      );
      expect(page.trades.items).toEqual([
        expect.objectContaining({
          status: 'matched',
          buyer: takerAddress,
          seller: makerAddress,
          tokenId: makerWorks[1]!.toString(),
          price: (60n * 1_000_000n).toString(),
        }),
      ]);
    }
    const linked = await data(
      `query($a: String!) { trades(account: $a, status: matched) {
        items { ... on MatchedTrade { artwork { tokenId owner } } } } }`,
      { a: takerAddress },
    );
    expect(linked.trades.items).toEqual([
      { artwork: { tokenId: makerWorks[1]!.toString(), owner: makerAddress } },
    ]);
    // The taker's ledger: its deposit, and the price it will pay once the trade settles.
    const takerLedger = (
      await data(`query($a: String!) { ledger(account: $a) { ${LEDGER} } }`, { a: takerAddress })
    ).ledger;
    expect({ ...takerLedger, asOfBlock: undefined }).toEqual(
      await rest(`/v1/ledgers/${takerAddress}`),
    );
    expect(takerLedger.currencies[0]).toMatchObject({
      balance: (100n * 1_000_000n).toString(),
      pending: { trades: 1, paid: (60n * 1_000_000n).toString() },
      balanceAfterPending: (40n * 1_000_000n).toString(),
    });
    // REST leaves asOfBlock out when not asked; GraphQL answers null.
    expect(got.ledger.asOfBlock).toBeNull();
    expect({ ...got.ledger, asOfBlock: undefined }).toEqual(
      await rest(`/v1/ledgers/${buyer1.address}`),
    );
    expect(got.ledger.currencies[0].paid).toBe((P + (works[0]! % 7n)).toString());
    // As of the block before the settlement: the deposit only.
    const before = await data(
      `query($a: String!, $b: String) { ledger(account: $a, asOfBlock: $b) {
        asOfBlock currencies { deposited paid balance } } }`,
      { a: buyer1.address, b: (settleBlock - 1n).toString() },
    );
    expect(before.ledger).toEqual({
      asOfBlock: (settleBlock - 1n).toString(),
      currencies: [{ deposited: (3n * P).toString(), paid: '0', balance: (3n * P).toString() }],
    });
    const restBefore = await rest(`/v1/ledgers/${buyer1.address}?asOfBlock=${settleBlock - 1n}`);
    expect(restBefore['currencies'][0]).toMatchObject(before.ledger.currencies[0]);
    expect(got.collectionStats).toEqual(await rest(`/v1/collections/${registry}/stats`));
    // The maker's resting ask is the floor (a decimal string: bigint-safe).
    expect(got.collectionStats.currencies[0].floor).toMatch(/^\d+$/);
  });

  it('orders by hash and by maker, with the read model position, equal GET /v1/orders', async () => {
    const got = await data(
      `query($h: String!, $m: String!, $p: String) {
        order(hash: $h, minPosition: $p) { order { ${ORDER} } position }
        orders(maker: $m, limit: 2) { items { ${ORDER} } nextCursor position }
        fillable: orders(maker: $m, status: "fillable", collection: "${registry}") { items { hash } } }`,
      { h: orderHashes[0], m: makerAddress, p: orderPosition },
    );
    expect(got.order).toEqual(await rest(`/v1/orders/${orderHashes[0]}`));
    expect(BigInt(got.order.position)).toBeGreaterThanOrEqual(BigInt(orderPosition));
    expect(got.orders).toEqual(await rest(`/v1/orders?maker=${makerAddress}&limit=2`));
    const page2 = await data(
      `query($m: String!, $c: String) { orders(maker: $m, limit: 2, cursor: $c) {
        items { ${ORDER} } nextCursor position } }`,
      { m: makerAddress, c: got.orders.nextCursor },
    );
    expect(page2.orders).toEqual(
      await rest(`/v1/orders?maker=${makerAddress}&limit=2&cursor=${got.orders.nextCursor}`),
    );
    // The second ask is reserved by the taker's match.
    expect(got.fillable.items.map((o: { hash: string }) => o.hash).sort()).toEqual(
      [orderHashes[0], orderHashes[2]].sort(),
    );
    const none = await data(`{ order(hash: "0x${'ab'.repeat(32)}") { order { hash } position } }`);
    expect(none.order.order).toBeNull();
  });

  it("order books: a collection's and a token's, with the market position", async () => {
    const T = 1_000_000n;
    const side = `levels { price count total } orders priceLevels best { hash maker kind tokenId price }`;
    const book = `collection tokenId at levels position { market }
      currencies { currency floor spread asks { ${side} } bids { ${side} } tokenBids { ${side} } }`;
    const got = await data(
      `query($c: String!, $t: String!, $p: String) {
        collection: orderBook(collection: $c, minMarketPosition: $p) { ${book} }
        token: orderBook(collection: $c, tokenId: $t, levels: 1) { ${book} } }`,
      { c: registry, t: makerWorks[0]!.toString(), p: orderPosition },
    );
    const usdc = usd.toLowerCase();
    const level = (price: bigint) => ({
      price: price.toString(),
      count: 1,
      total: price.toString(),
    });
    expect(got.collection).toMatchObject({ collection: registry, tokenId: null, levels: 20 });
    expect(BigInt(got.collection.position.market)).toBeGreaterThanOrEqual(BigInt(orderPosition));
    expect(got.collection.currencies).toEqual([
      {
        currency: usdc,
        floor: (50n * T).toString(),
        spread: (45n * T).toString(),
        asks: {
          // The 60 ask is reserved by the taker's match: no longer in the book.
          levels: [level(50n * T)],
          orders: 1,
          priceLevels: 1,
          best: {
            hash: orderHashes[0],
            maker: makerAddress,
            kind: 'ask',
            tokenId: makerWorks[0]!.toString(),
            price: (50n * T).toString(),
          },
        },
        bids: {
          levels: [level(5n * T)],
          orders: 1,
          priceLevels: 1,
          best: expect.objectContaining({ hash: orderHashes[2], kind: 'collection-bid' }),
        },
        tokenBids: { levels: [], orders: 0, priceLevels: 0, best: null },
      },
    ]);
    // A token's book: its own asks, and every collection bid on its bid side; no tokenBids.
    expect(got.token.tokenId).toBe(makerWorks[0]!.toString());
    expect(got.token.currencies).toEqual([
      expect.objectContaining({
        asks: expect.objectContaining({ levels: [level(50n * T)], orders: 1 }),
        bids: expect.objectContaining({ levels: [level(5n * T)], orders: 1 }),
        tokenBids: null,
        floor: (50n * T).toString(),
      }),
    ]);
    const other = await data(
      `{ orderBook(collection: "${registry}", tokenId: "${makerWorks[5]}", levels: 1) {
        currencies { asks { orders } bids { orders } } } }`,
    );
    expect(other.orderBook.currencies).toEqual([{ asks: { orders: 0 }, bids: { orders: 1 } }]);
    // The REST books say the same (but for the second they were taken at).
    const untimed = (b: Record<string, any>) => ({
      ...b,
      at: undefined,
      currencies: b['currencies'].map((c: Record<string, unknown>) => ({
        ...c,
        tokenBids: c['tokenBids'] ?? undefined,
      })),
    });
    expect(untimed(got.collection)).toEqual(
      untimed(await rest(`/v1/collections/${registry}/book`)),
    );
    expect(untimed(got.token)).toEqual(
      untimed(await rest(`/v1/artworks/${registry}/${makerWorks[0]}/book?levels=1`)),
    );
  });

  it('activity by account and kind equals GET /v1/activity, with each item’s work', async () => {
    const ACTIVITY = `id kind at collection tokenId from to price currency orderHash tradeId status
      block logIndex transactionHash`;
    const got = await data(
      `query($a: String!) {
        all: activity(account: $a, limit: 10) { items { ${ACTIVITY} } nextCursor position { block market } }
        orders: activity(account: $a, kinds: ["collection-bid", "listing"]) { items { ${ACTIVITY} } nextCursor position { block market } }
        linked: activity(account: $a, kinds: ["mint"], limit: 2) { items { tokenId artwork { tokenId creator } } } }`,
      { a: makerAddress },
    );
    expect(got.all).toEqual(await rest(`/v1/activity?account=${makerAddress}&limit=10`));
    expect(got.orders).toEqual(
      await rest(`/v1/activity?account=${makerAddress}&kinds=collection-bid,listing`),
    );
    expect(got.orders.items.map((i: { kind: string }) => i.kind).sort()).toEqual([
      'collection-bid',
      'listing',
      'listing',
    ]);
    expect(got.linked.items).toHaveLength(2);
    for (const item of got.linked.items as { tokenId: string; artwork: { tokenId: string } }[])
      expect(item.artwork).toEqual({ tokenId: item.tokenId, creator: makerAddress });
  });

  it('deployments equal GET /v1/deployments (without the deployer’s RPC URL)', async () => {
    const got = (
      await data(`{ deployments { chainId deployedAt
        contracts { name address startBlock transactionHash } marketplace { currencies operator } } }`)
    ).deployments;
    const file = await rest('/v1/deployments');
    expect(got).toEqual({
      chainId: file['chainId'],
      deployedAt: file['deployedAt'],
      contracts: Object.entries(file['contracts']).map(([name, c]) => ({
        name,
        ...(c as object),
      })),
      marketplace: file['settings']?.Marketplace ?? null,
    });
  });
});

// ---- links, batched ----------------------------------------------------------------------------

describe('nested fields through DataLoader', () => {
  const nested = `query($limit: Int!, $c: String!) {
    artworks(collection: $c, limit: $limit) { items {
      tokenId parentTokenIds
      parents { tokenId owner }
      children { tokenId owner }
      contributors { account bps }
      trades { price buyer artwork { tokenId creator } } } } }`;

  it('resolves the links right', async () => {
    interface Linked {
      tokenId: string;
      parents: { tokenId: string }[];
      children: { tokenId: string }[];
      contributors: unknown[];
      trades: unknown[];
    }
    const items = (await data(nested, { limit: 100, c: registry })).artworks.items as Linked[];
    const byId = new Map(items.map((w) => [w.tokenId, w]));
    const [a, b, c] = works.map((w) => byId.get(w.toString())) as [Linked, Linked, Linked];
    expect(c.parents.map((p: { tokenId: string }) => p.tokenId)).toEqual([
      works[0]!.toString(),
      works[1]!.toString(),
    ]);
    expect(a.children.map((p: { tokenId: string }) => p.tokenId)).toEqual([
      works[1]!.toString(),
      works[2]!.toString(),
    ]);
    expect(a.contributors).toEqual([
      { account: contributorA, bps: 150 },
      { account: contributorB, bps: 100 },
    ]);
    expect(b.trades).toEqual([
      {
        price: (P + (works[1]! % 7n)).toString(),
        buyer: buyer2.address.toLowerCase(),
        artwork: { tokenId: works[1]!.toString(), creator: creator.address.toLowerCase() },
      },
    ]);
    expect(c.trades).toEqual([]);
  });

  it('costs the same bounded number of SQL statements for 2 works as for 15 or more', async () => {
    const small = await countStatements(readModel, () => data(nested, { limit: 2, c: registry }));
    const large = await countStatements(readModel, () => data(nested, { limit: 100, c: registry }));
    const n = large.result.artworks.items.length;
    expect(n).toBeGreaterThanOrEqual(15);
    // position + page + parent ids + child ids + contributors + trades, and the linked works
    // (parents, children, the trades' works: one batch each at most).
    expect(small.statements).toBeLessThanOrEqual(9);
    expect(large.statements).toBeLessThanOrEqual(9);
    expect(large.statements).toBeLessThan(n);
    // One artwork alone, for scale: its own links cost the same statements.
    const one = await countStatements(readModel, () =>
      data(
        `query($c: String!, $t: String!) { artwork(collection: $c, tokenId: $t) { artwork {
          parents { tokenId } children { tokenId } contributors { account } trades { price } } } }`,
        { c: registry, t: works[2]!.toString() },
      ),
    );
    expect(one.statements).toBeLessThanOrEqual(7);
  });
});

describe('compiled queries', () => {
  // Mercurius compiles a document on its second use (jit: 1) and runs the compiled code from
  // then on: the third answer of each document must be the first one's, refusals included.
  it('answer from the second use on exactly as graphql-js did the first time', async () => {
    const cases: [string, Record<string, unknown> | undefined][] = [
      [
        `query($limit: Int!, $c: String!) { artworks(collection: $c, limit: $limit) { items {
          tokenId parents { tokenId } children { tokenId } contributors { account bps }
          trades { price buyer artwork { tokenId } } } nextCursor } }`,
        { limit: 100, c: registry },
      ],
      [`{ artwork(collection: "${registry}", tokenId: "${works[2]}") { artwork { tokenId owner parentTokenIds } } }`, undefined], // prettier-ignore
      ['{ artworks(cursor: "not-a-cursor") { items { tokenId } } }', undefined],
      ['query($s: ArtworkSort) { artworks(sort: $s) { items { tokenId } } }', { s: 'random' }],
      ['{ trades(limit: "ten") { nextCursor } }', undefined],
    ];
    // The request that compiles a document checks its variables with graphql-jit rather than
    // graphql-js (a mercurius detail): same status and codes, a terser message that once.
    const shape = (a: GqlAnswer) =>
      a.body.errors
        ? {
            status: a.status,
            codes: a.body.errors.map((e) => e.extensions?.['code']),
          }
        : a;
    for (const [query, variables] of cases) {
      const first = await gql(query, variables);
      const second = await gql(query, variables);
      const third = await gql(query, variables);
      expect(shape(second)).toEqual(shape(first));
      expect(third).toEqual(first);
    }
    // Both kinds were exercised: two answers with data, three refusals with a code each.
    const firsts = await Promise.all(cases.map(([q, v]) => gql(q, v)));
    expect(firsts.map((a) => (a.body.errors ? `${a.status} ${a.body.errors[0]?.extensions?.['code']}` : a.status))).toEqual([200, 200, '400 READ.BAD_CURSOR', '400 REQUEST.INVALID', '400 REQUEST.INVALID']); // prettier-ignore
  });
});

// ---- limits and refusals -----------------------------------------------------------------------

describe('refusals', () => {
  const refused = async (
    query: string,
    variables: Record<string, unknown> | undefined,
    status: number,
    code: string,
  ) => {
    const { result: answer, statements } = await countStatements(readModel, () =>
      gql(query, variables),
    );
    expect({
      query,
      status: answer.status,
      code: answer.body.errors?.[0]?.extensions?.['code'],
    }).toEqual({ query, status, code });
    expect(answer.type).toContain('application/json');
    return { answer, statements };
  };

  it('refuses a too deep operation before it runs: 400 GRAPHQL.TOO_DEEP', async () => {
    let deep = 'tokenId';
    for (let i = 0; i < 10; i++) deep = `parents { ${deep} }`;
    const { answer, statements } = await refused(
      `{ artworks(limit: 1) { items { ${deep} } } }`,
      undefined,
      400,
      'GRAPHQL.TOO_DEEP',
    );
    expect(statements).toBe(0);
    expect(answer.body.data ?? null).toBeNull();
    expect(answer.body.errors![0]!.extensions).toMatchObject({
      depth: 13,
      maxDepth: 10,
      status: 400,
    });
  });

  it('refuses wide and expensive operations before they run: 400 GRAPHQL.TOO_COMPLEX', async () => {
    const huge = await refused(
      `{ artworks(limit: 500) { items { ${ARTWORK} children(limit: 100) { ${ARTWORK} } } } }`,
      undefined,
      400,
      'GRAPHQL.TOO_COMPLEX',
    );
    expect(huge.statements).toBe(0);
    expect(huge.answer.body.errors![0]!.extensions).toMatchObject({ maxComplexity: 100_000 });
    const aliases = Array.from(
      { length: 80 },
      (_, i) => `a${i}: artworks(limit: 500) { items { tokenId owner } }`,
    ).join(' ');
    expect(
      (await refused(`{ ${aliases} }`, undefined, 400, 'GRAPHQL.TOO_COMPLEX')).statements,
    ).toBe(0);
    // Through variables: the page size asked for is what counts.
    const viaVariables = `query($n: Int) { artworks(limit: $n) { items { trades(limit: $n) {
      ${TRADE} artwork { ${ARTWORK} } } } } }`;
    await refused(viaVariables, { n: 100 }, 400, 'GRAPHQL.TOO_COMPLEX');
    expect((await gql(viaVariables, { n: 2 })).status).toBe(200);
  });

  it('refuses bad arguments with our codes: 4xx, never a 5xx', async () => {
    const tradesCursor = (await data('{ trades(limit: 1) { nextCursor } }')).trades.nextCursor;
    const cases: [string, Record<string, unknown> | undefined, number, string][] = [
      [
        '{ artworks(cursor: "not-a-cursor") { items { tokenId } } }',
        undefined,
        400,
        'READ.BAD_CURSOR',
      ],
      [
        'query($c: String) { artworks(cursor: $c) { items { tokenId } } }',
        { c: "' OR 1=1; DROP TABLE artworks; --" },
        400,
        'READ.BAD_CURSOR',
      ],
      [
        'query($c: String) { artworks(cursor: $c) { items { tokenId } } }',
        { c: tradesCursor },
        400,
        'READ.BAD_CURSOR',
      ],
      ['{ orders(cursor: "zzz") { items { hash } } }', undefined, 400, 'ORDERS.BAD_CURSOR'],
      ['{ artworks(creator: "0x123") { items { tokenId } } }', undefined, 400, 'REQUEST.INVALID'],
      ['{ artworks(sort: random) { items { tokenId } } }', undefined, 400, 'REQUEST.INVALID'],
      [
        'query($s: ArtworkSort) { artworks(sort: $s) { items { tokenId } } }',
        { s: 'random' },
        400,
        'REQUEST.INVALID',
      ],
      ['{ artworks(limit: 0) { items { tokenId } } }', undefined, 400, 'REQUEST.INVALID'],
      ['{ artworks(limit: 501) { items { tokenId } } }', undefined, 400, 'REQUEST.INVALID'],
      [
        'query($m: String) { artworks(model: $m) { items { tokenId } } }',
        { m: '🎨 \u0000 ; SELECT pg_sleep(10)' },
        400,
        'REQUEST.INVALID',
      ],
      [
        `{ artwork(collection: "x' OR '1'='1", tokenId: "1") { artwork { tokenId } } }`,
        undefined,
        400,
        'REQUEST.INVALID',
      ],
      [
        `{ artwork(collection: "${registry}", tokenId: "-1") { artwork { tokenId } } }`,
        undefined,
        400,
        'REQUEST.INVALID',
      ],
      [
        `{ lineage(collection: "${registry}", tokenId: "${'9'.repeat(79)}") { position { block } } }`,
        undefined,
        400,
        'REQUEST.INVALID',
      ],
      [
        '{ trades(fromBlock: "10", toBlock: "2") { nextCursor } }',
        undefined,
        400,
        'REQUEST.INVALID',
      ],
      ['{ trades(fromBlock: "1e3") { nextCursor } }', undefined, 400, 'REQUEST.INVALID'],
      [
        '{ trades(status: matched, fromBlock: "1") { nextCursor } }',
        undefined,
        400,
        'REQUEST.INVALID',
      ],
      ['{ trades(status: pending) { nextCursor } }', undefined, 400, 'REQUEST.INVALID'],
      ['{ artworks(minPosition: "soon") { nextCursor } }', undefined, 400, 'REQUEST.INVALID'],
      ['{ activity(kinds: ["nope"]) { nextCursor } }', undefined, 400, 'REQUEST.INVALID'],
      [
        `{ collectionStats(address: "${registry}", minPosition: "999999999") { sales } }`,
        undefined,
        409,
        'READ_MODEL.BEHIND',
      ],
      ['{ ledger(account: "😀") { account } }', undefined, 400, 'REQUEST.INVALID'],
      ['{ collectionStats(address: "0x\';--") { sales } }', undefined, 400, 'REQUEST.INVALID'],
      ['{ order(hash: "0x12") { position } }', undefined, 400, 'REQUEST.INVALID'],
      ['{ orders(status: "bogus") { items { hash } } }', undefined, 400, 'REQUEST.INVALID'],
      [
        `{ orderBook(collection: "${registry}", levels: 201) { levels } }`,
        undefined,
        400,
        'REQUEST.INVALID',
      ],
      ['{ orderBook(collection: "0xzz") { levels } }', undefined, 400, 'REQUEST.INVALID'],
      [
        `{ artworks(limit: 1) { items { children(limit: 1000) { tokenId } } } }`,
        undefined,
        400,
        'REQUEST.INVALID',
      ],
      ['{ artworks { items { color } } }', undefined, 400, 'REQUEST.INVALID'],
      ['{ artworks { items { tokenId }', undefined, 400, 'REQUEST.INVALID'],
      [
        'query($n: Int) { artworks(limit: $n) { items { tokenId } } }',
        { n: 'ten' },
        400,
        'REQUEST.INVALID',
      ],
      [`{ ${'__typename '.repeat(6_000)} }`, undefined, 400, 'REQUEST.INVALID'],
    ];
    for (const [query, variables, status, code] of cases)
      await refused(query, variables, status, code);

    // The argument at fault is named, as REST names the query parameter.
    const named = await gql('{ artworks(creator: "0x123") { items { tokenId } } }');
    expect(named.body.errors![0]!.extensions!['errors']).toEqual([
      expect.objectContaining({ path: '/creator' }),
    ]);
    // A body that is not JSON.
    const res = await fetch(`${gateway.base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": ',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as GqlAnswer['body']).errors![0]!.extensions!['code']).toBe(
      'REQUEST.MALFORMED_JSON',
    );
  });

  it('answers GET /graphql?query= too (queries only)', async () => {
    const res = await fetch(
      `${gateway.base}/graphql?query=${encodeURIComponent('{ deployments { chainId } }')}`,
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as GqlAnswer['body']).data!['deployments'].chainId).toBe(
      dep.deployments.chainId,
    );
  });
});

// ---- GraphiQL and introspection ----------------------------------------------------------------

describe('GraphiQL and introspection', () => {
  const INTROSPECT = '{ __schema { queryType { name } types { name } } }';

  it('serves GraphiQL at /graphiql and answers introspection (on by default)', async () => {
    const page = await fetch(`${gateway.base}/graphiql`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect((await page.text()).toLowerCase()).toContain('graphiql');
    const schema = await data(INTROSPECT);
    expect(schema.__schema.types.map((t: { name: string }) => t.name)).toEqual(
      expect.arrayContaining([
        'Artwork',
        'Trade',
        'Ledger',
        'CollectionStats',
        'Order',
        'Deployments',
      ]),
    );
  });

  it('refuses introspection and hides GraphiQL when switched off', async () => {
    const closed = await bootGateway(schemas, {
      PIPELINE_ENABLED: false,
      GRAPHQL_INTROSPECTION: false,
      GRAPHQL_GRAPHIQL: false,
    });
    try {
      const answer = await gql(INTROSPECT, undefined, closed.base);
      expect({
        status: answer.status,
        code: answer.body.errors?.[0]?.extensions?.['code'],
      }).toEqual({
        status: 400,
        code: 'GRAPHQL.INTROSPECTION_DISABLED',
      });
      expect((await gql('{ deployments { chainId } }', undefined, closed.base)).status).toBe(200);
      expect((await fetch(`${closed.base}/graphiql`)).status).toBe(404);
    } finally {
      await closed.app.close();
    }
  });
});

// ---- subscriptions from another module ---------------------------------------------------------

/** A module of its own, as the live feeds' is: its resolvers join the app's one schema. */
@ObjectType('SpecTick', { description: 'spec only' })
class Tick {
  @Field(() => Int) n!: number;
  @Field(() => Tick, { nullable: true }) next!: Tick | null;
}

@Resolver()
class CountdownResolver {
  @Query(() => Int, { description: 'spec only' })
  countdownStart(): number {
    return 3;
  }

  @Subscription(() => Tick, { resolve: (t: Tick) => t, description: 'spec only' })
  countdown(@Args('from', { type: () => Int }) from: number): AsyncIterator<Tick> {
    return (async function* () {
      for (let n = from; n > 0; n--) yield { n, next: null };
    })();
  }
}

@Module({ providers: [CountdownResolver] })
class CountdownModule {}

describe('subscriptions of another module', () => {
  it('join the schema and stream over WebSocket (graphql-ws), within the limits', async () => {
    const { app } = await createHttpApp(
      {
        ...gatewayApp,
        module: async (ctx) => ({
          module: class SpecRoot {},
          imports: [await gatewayApp.module(ctx), CountdownModule],
        }),
      },
      {
        ...gatewayApp.loadConfig(),
        LOG_LEVEL: 'silent' as const,
        EVENT_STORE_SCHEMA: schemas.eventStore,
        READ_MODEL_SCHEMA: schemas.readModel,
        ACCESS_SCHEMA: schemas.access,
        PIPELINE_ENABLED: false,
        GRAPHQL_MAX_DEPTH: 3,
      },
    );
    await app.listen(0, '127.0.0.1');
    const port = (app.getHttpServer().address() as AddressInfo).port;
    const ws = createWsClient({
      url: `ws://127.0.0.1:${port}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    const subscribe = (query: string) =>
      new Promise<{ values: unknown[]; error?: unknown }>((resolve) => {
        const values: unknown[] = [];
        ws.subscribe(
          { query },
          {
            next: (v) => values.push(v),
            error: (error) => resolve({ values, error }),
            complete: () => resolve({ values }),
          },
        );
      });
    try {
      const answer = await gql('{ countdownStart }', undefined, `http://127.0.0.1:${port}`);
      expect(answer.body.data).toEqual({ countdownStart: 3 });
      const stream = await subscribe('subscription { countdown(from: 3) { n } }');
      expect(stream).toEqual({ values: [3, 2, 1].map((n) => ({ data: { countdown: { n } } })) });
      // Refused before it starts: a field the schema lacks, and nesting over the limit (3 here).
      const unknown = await subscribe('subscription { nothing }');
      expect(unknown.values).toEqual([]);
      expect(JSON.stringify(unknown.error)).toContain('nothing');
      const deep = await subscribe('subscription { countdown(from: 1) { next { next { n } } } }');
      expect(deep.values).toEqual([]);
      expect(JSON.stringify(deep.error)).toMatch(/nests 4 levels/);
    } finally {
      await ws.dispose();
      await app.close();
    }
  });
});
