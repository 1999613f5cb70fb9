// The read API on the real gateway (createHttpApp, port 0) over real chain facts: works minted on
// anvil (a child of one, a grandchild of both), traded through two settleBatch calls (the first
// with two pairs, so the per-call RoyaltyCredited/AttributionCredited totals sum two trades), a
// withdrawal; every log of the ArtworkRegistry and the Marketplace read with viem, wrapped with
// chainFact() and fed to the three read models as Kafka would deliver them (partitions by the
// relay's keys, interleaved at random). Then, over HTTP:
// - every account's ledger equals Marketplace.balanceOf at that block, to the unit; and again
//   after the block of the last settleBatch is retracted (a reorg), against balanceOf one block
//   earlier;
// - artworks with provenance, parents, contributors and owner; lineage both ways; trades and
//   collection stats; every answer names its position;
// - the served OpenAPI 3.1 document describes these routes (and the orders routes) and the /docs
//   UI is served; a typed client is generated from it (openapi-typescript) and used (openapi-fetch);
// - malformed queries (bad cursors, unknown filters, SQL-looking and unicode strings) are 4xx
//   problem+json with a code, never a 5xx.
import createClient from 'openapi-fetch';
import type { DataSource } from 'typeorm';
import { erc721Abi, parseEther, type Address, type PrivateKeyAccount } from 'viem';
import { marketplaceAbi, OrderKind, testStablecoinAbi } from '@atelier/contracts-abi';
import {
  approveMarketplace,
  createOrder,
  deposit,
  mintArtwork,
  settleBatch,
  writeAndWait,
} from '@atelier/chain-actions';
import { retractionOf, type ChainFactEnvelope } from '@atelier/chain-messages';
import { LedgersReader } from '@atelier/market-projections';
import { chainReadProjections } from '../src/read/read-projectors';
import { CHAIN_READ_MODEL } from '../src/read/read.tokens';
import {
  artworkAnswerJson,
  artworkPageJson,
  collectionStatsJson,
  ledgerJson,
  lineageJson,
  tradePageJson,
} from '../src/read/read.views';
import { bootGateway, dropSchemas, gatewaySchemas, type Gateway } from './orders.fixture';
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
  account,
} = readScenario('atelier-read-it');
const royaltyReceiver = account('royalty receiver');
const P = 100_000_000n; // 100 tUSD

const schemas = gatewaySchemas();
let gateway: Gateway;
let feed: ChainFeed;
let readModel: DataSource;
const works: bigint[] = [];
let lastSettle: bigint;
let facts: ChainFactEnvelope[];

const get = async (path: string) => {
  const res = await fetch(`${gateway.base}${path}`);
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    body: text ? JSON.parse(text) : null,
  };
};
const balanceOf = (account: string, currency: string, blockNumber: bigint) =>
  client.readContract({
    address: market,
    abi: marketplaceAbi,
    functionName: 'balanceOf',
    args: [account as Address, currency as Address],
    blockNumber,
  });

/** Every ledger the model knows, over HTTP, against balanceOf at `block`: the mismatches. */
async function ledgerMismatches(block: bigint): Promise<string[]> {
  const accounts = await new LedgersReader(readModel).accounts();
  expect(accounts.length).toBeGreaterThan(5);
  const wrong: string[] = [];
  for (let i = 0; i < accounts.length; i += 10)
    await Promise.all(
      accounts.slice(i, i + 10).map(async (account) => {
        const { status, body } = await get(`/v1/ledgers/${account}`);
        expect(status).toBe(200);
        ledgerJson.parse(body);
        for (const c of body.currencies as { currency: string; balance: string }[]) {
          const chain = await balanceOf(account, c.currency, block);
          if (BigInt(c.balance) !== chain)
            wrong.push(`${account} ${c.currency}: model ${c.balance}, chain ${chain}`);
        }
      }),
    );
  return wrong;
}

const send = (from: PrivateKeyAccount, call: Parameters<typeof writeAndWait>[1]) =>
  writeAndWait(wallet(from), call);
const order = async (maker: PrivateKeyAccount, kind: OrderKind, tokenId: bigint, nonce: bigint) =>
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

beforeAll(async () => {
  for (const a of [creator, seller, buyer1, buyer2])
    await testClient.setBalance({ address: a.address, value: parseEther('10') });
  const mint = async (
    parents: bigint[],
    contributors: { account: Address; bps: number }[],
    extra = {},
  ) => {
    const { tokenId } = await mintArtwork(wallet(creator), {
      registry,
      to: seller.address,
      work: {
        prompt: `read-it ${run} ${works.length}`,
        manifest: `manifest ${run} ${works.length}`,
        manifestURI: `ipfs://read-it/${run}/${works.length}`,
        seed: BigInt(works.length + 7),
        parents,
        contributors,
      },
      royaltyBps: 500,
      ...extra,
    });
    works.push(tokenId);
    return tokenId;
  };
  const a = await mint(
    [],
    [
      { account: contributorA as Address, bps: 150 },
      { account: contributorB as Address, bps: 100 },
    ],
  );
  const b = await mint([a], [{ account: contributorA as Address, bps: 200 }], {
    royaltyReceiver: royaltyReceiver as Address,
    royaltyBps: 300,
  });
  const c = await mint([a, b], []);
  await approveMarketplace(wallet(seller), { collection: registry, marketplace: market });
  for (const buyer of [buyer1, buyer2]) {
    await send(buyer, {
      address: usd,
      abi: testStablecoinAbi,
      functionName: 'mint',
      args: [buyer.address, 10n * P],
    });
    await deposit(wallet(buyer), { marketplace: market, currency: usd, amount: 3n * P });
  }
  // One call, two pairs: the royalty and attribution credits are per-call totals.
  await settleBatch(wallet(operator), {
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
  await send(seller, {
    address: market,
    abi: marketplaceAbi,
    functionName: 'withdraw',
    args: [usd, P / 2n, seller.address],
  });
  const last = await settleBatch(wallet(operator), {
    marketplace: market,
    pairs: [
      {
        ask: await order(seller, OrderKind.Ask, c, 3n),
        bid: await order(buyer1, OrderKind.TokenBid, c, 2n),
      },
    ],
  });
  lastSettle = last.blockNumber;

  facts = await chainFactsUpTo(
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
    lastSettle,
  );
  gateway = await bootGateway(schemas, { PIPELINE_ENABLED: false });
  readModel = gateway.app.get<DataSource>(CHAIN_READ_MODEL, { strict: false });
  feed = new ChainFeed(readModel, schemas.readModel, chainReadProjections());
  await feed.deliver(facts, 42);
}, 240_000);

afterAll(async () => {
  await gateway?.app.close();
  await dropSchemas(schemas);
});

describe('ledgers against the chain', () => {
  it('every ledger equals Marketplace.balanceOf to the unit, with credits by kind', async () => {
    expect(await ledgerMismatches(lastSettle)).toEqual([]);
    const { body } = await get(`/v1/ledgers/${contributorA}`);
    // Shares of work a (150 bps) and of work b (200 bps), each floor(price × bps / 10 000).
    const share = (price: bigint, bps: bigint) => (price * bps) / 10_000n;
    const priceOf = (id: bigint) => P + (id % 7n);
    expect(body.currencies).toEqual([
      expect.objectContaining({
        currency: usd.toLowerCase(),
        credited: expect.objectContaining({
          attribution: (
            share(priceOf(works[0]!), 150n) +
            share(priceOf(works[1]!), 200n) +
            0n
          ).toString(),
        }),
      }),
    ]);
    const sellerLedger = (await get(`/v1/ledgers/${seller.address}`)).body.currencies[0];
    expect(sellerLedger.withdrawn).toBe((P / 2n).toString());
    expect(BigInt(sellerLedger.credited.proceeds)).toBeGreaterThan(0n);
    expect(body.position.block).toBe(lastSettle.toString());
  });
});

describe('REST over HTTP', () => {
  it('artworks: list with filters and cursor, one work with provenance, lineage both ways', async () => {
    const mine = await get(`/v1/artworks?creator=${creator.address}&limit=2`);
    expect(mine.status).toBe(200);
    artworkPageJson.parse(mine.body);
    expect(mine.body.items.map((w: { tokenId: string }) => w.tokenId)).toEqual([
      works[2]!.toString(),
      works[1]!.toString(),
    ]);
    const next = await get(
      `/v1/artworks?creator=${creator.address}&limit=2&cursor=${mine.body.nextCursor}`,
    );
    expect(next.body.items.map((w: { tokenId: string }) => w.tokenId)).toEqual([
      works[0]!.toString(),
    ]);
    expect(next.body.nextCursor).toBeNull();
    const oldest = await get(
      `/v1/artworks?creator=${creator.address.toUpperCase().replace('0X', '0x')}&sort=oldest`,
    );
    expect(oldest.body.items[0].tokenId).toBe(works[0]!.toString());
    expect(
      (await get(`/v1/artworks?owner=${buyer2.address}`)).body.items.map(
        (w: { tokenId: string }) => w.tokenId,
      ),
    ).toEqual([works[1]!.toString()]);

    const b = await get(`/v1/artworks/${registry}/${works[1]}`);
    expect(b.status).toBe(200);
    artworkAnswerJson.parse(b.body);
    expect(b.body.artwork).toMatchObject({
      creator: creator.address.toLowerCase(),
      owner: buyer2.address.toLowerCase(),
      royalty: { receiver: royaltyReceiver, bps: 300 },
      parents: [works[0]!.toString()],
      contributors: [{ account: contributorA, bps: 200 }],
      provenance: { modelId: expect.any(String), manifestURI: expect.stringContaining(run) },
    });
    expect(b.body.position.block).toBe(lastSettle.toString());

    const lineage = await get(`/v1/artworks/${registry}/${works[0]}/lineage`);
    lineageJson.parse(lineage.body);
    expect(lineage.body.ancestors).toEqual([]);
    expect(
      lineage.body.descendants.map((n: { tokenId: string; depth: number }) => [n.tokenId, n.depth]),
    ).toEqual([
      [works[1]!.toString(), 1],
      [works[2]!.toString(), 1],
    ]);
    const up = await get(`/v1/artworks/${registry}/${works[2]}/lineage`);
    expect(up.body.ancestors.map((n: { tokenId: string }) => n.tokenId)).toEqual([
      works[0]!.toString(),
      works[1]!.toString(),
    ]);
    const missing = await get(`/v1/artworks/${registry}/999999999999`);
    expect(missing).toMatchObject({ status: 404, body: { code: 'ARTWORK.NOT_FOUND' } });
    expect(missing.type).toContain('application/problem+json');
  });

  it('trades and collection stats', async () => {
    const trades = await get(`/v1/trades?account=${seller.address}&limit=2`);
    tradePageJson.parse(trades.body);
    expect(trades.body.items.map((t: { tokenId: string }) => t.tokenId)).toEqual([
      works[2]!.toString(),
      works[1]!.toString(),
    ]);
    const rest = await get(
      `/v1/trades?account=${seller.address}&limit=2&cursor=${trades.body.nextCursor}`,
    );
    expect(rest.body.items.map((t: { tokenId: string }) => t.tokenId)).toEqual([
      works[0]!.toString(),
    ]);
    const t = trades.body.items[0];
    expect(
      BigInt(t.protocolFee) + BigInt(t.royalty) + BigInt(t.attribution) + BigInt(t.sellerProceeds),
    ).toBe(BigInt(t.price));
    const inBlock = await get(`/v1/trades?fromBlock=${lastSettle}&toBlock=${lastSettle}`);
    expect(inBlock.body.items.map((x: { tokenId: string }) => x.tokenId)).toEqual([
      works[2]!.toString(),
    ]);
    const stats = await get(`/v1/collections/${registry}/stats`);
    collectionStatsJson.parse(stats.body);
    expect(stats.body.sales).toBeGreaterThanOrEqual(3);
    expect(stats.body.uniqueBuyers).toBeGreaterThanOrEqual(2);
    expect(stats.body.position.block).toBe(lastSettle.toString());
  });

  it('serves an OpenAPI 3.1 document of these routes and the orders routes, a typed client from it, and /docs', async () => {
    const doc = await get('/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    for (const path of [
      '/v1/artworks',
      '/v1/artworks/{collection}/{tokenId}',
      '/v1/artworks/{collection}/{tokenId}/lineage',
      '/v1/trades',
      '/v1/ledgers/{account}',
      '/v1/collections/{address}/stats',
      '/v1/orders',
    ])
      expect(Object.keys(doc.body.paths)).toContain(path);
    const list = doc.body.paths['/v1/artworks'].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['creator', 'owner', 'model', 'sort', 'cursor', 'limit']),
    );
    expect(Object.keys(list.responses)).toEqual(expect.arrayContaining(['200', '400']));
    const { default: openapiTS, astToString } = await import('openapi-typescript');
    const types = astToString(await openapiTS(doc.body));
    expect(types).toContain('"/v1/ledgers/{account}"');

    const api = createClient<Record<string, never>>({ baseUrl: gateway.base });
    const { data, error, response } = await (
      api as unknown as {
        GET: (
          p: string,
          o: unknown,
        ) => Promise<{ data?: { account: string }; error?: unknown; response: Response }>;
      }
    ).GET('/v1/ledgers/{account}', { params: { path: { account: buyer1.address } } });
    expect(error).toBeUndefined();
    expect(response.status).toBe(200);
    expect(data!.account).toBe(buyer1.address.toLowerCase());

    const ui = await fetch(`${gateway.base}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });

  it('refuses malformed queries with a 4xx problem and a code, never a 5xx', async () => {
    const good = (await get(`/v1/trades?limit=1`)).body.nextCursor as string;
    const artworkCursor = (await get(`/v1/artworks?limit=1`)).body.nextCursor as string;
    const cases: [string, number, string][] = [
      ['/v1/artworks?cursor=not-a-cursor', 400, 'READ.BAD_CURSOR'],
      [
        `/v1/artworks?cursor=${encodeURIComponent("' OR 1=1; DROP TABLE artworks; --")}`,
        400,
        'READ.BAD_CURSOR',
      ],
      [`/v1/artworks?cursor=${good}`, 400, 'READ.BAD_CURSOR'], // a trades cursor
      [`/v1/artworks?sort=oldest&cursor=${artworkCursor}`, 400, 'READ.BAD_CURSOR'], // another sort
      [
        `/v1/trades?cursor=${Buffer.from('["trades","1e9","0"]').toString('base64url')}`,
        400,
        'READ.BAD_CURSOR',
      ],
      ['/v1/artworks?color=red', 400, 'REQUEST.INVALID'],
      ['/v1/artworks?creator=0x123', 400, 'REQUEST.INVALID'],
      [`/v1/artworks?owner=${encodeURIComponent("x' OR '1'='1")}`, 400, 'REQUEST.INVALID'],
      [
        `/v1/artworks?model=${encodeURIComponent('🎨 モデル \u0000 ; SELECT pg_sleep(10)')}`,
        400,
        'REQUEST.INVALID',
      ],
      [`/v1/artworks?model=${encodeURIComponent("🎨 モデル'; SELECT pg_sleep(10) --")}`, 200, ''],
      [`/v1/artworks?model=${encodeURIComponent('\u0000')}`, 400, 'REQUEST.INVALID'],
      ['/v1/artworks?limit=0', 400, 'REQUEST.INVALID'],
      ['/v1/artworks?limit=501', 400, 'REQUEST.INVALID'],
      ['/v1/artworks?limit=1&limit=2', 400, 'REQUEST.INVALID'],
      ['/v1/artworks?sort=random', 400, 'REQUEST.INVALID'],
      [`/v1/artworks/${registry}/-1`, 400, 'REQUEST.INVALID'],
      [`/v1/artworks/${registry}/${'9'.repeat(79)}`, 400, 'REQUEST.INVALID'],
      [`/v1/artworks/not-an-address/1/lineage`, 400, 'REQUEST.INVALID'],
      [`/v1/artworks/${registry}/1?x=1`, 400, 'REQUEST.INVALID'],
      ['/v1/trades?fromBlock=10&toBlock=2', 400, 'REQUEST.INVALID'],
      ['/v1/trades?fromBlock=1e3', 400, 'REQUEST.INVALID'],
      [`/v1/trades?account=${encodeURIComponent('0x' + 'ä'.repeat(40))}`, 400, 'REQUEST.INVALID'],
      ['/v1/ledgers/%F0%9F%98%80', 400, 'REQUEST.INVALID'],
      [`/v1/ledgers/${buyer1.address}?currency=usd`, 400, 'REQUEST.INVALID'],
      ['/v1/collections/0x%27%3B--/stats', 400, 'REQUEST.INVALID'],
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
});

describe('a reorg', () => {
  it('after the last settleBatch block is retracted (a reorg), every ledger equals balanceOf one block earlier', async () => {
    const dropped = facts.filter((f) => BigInt(f.blockNumber) === lastSettle);
    expect(dropped.map((f) => f.event)).toEqual(
      expect.arrayContaining(['TradeSettled', 'Transfer']),
    );
    await feed.deliver(dropped.map(retractionOf), 43);
    expect(await ledgerMismatches(lastSettle - 1n)).toEqual([]);
    const c = await get(`/v1/artworks/${registry}/${works[2]}`);
    expect(c.body.artwork.owner).toBe(seller.address.toLowerCase());
    expect(
      await client.readContract({
        address: registry,
        abi: erc721Abi,
        functionName: 'ownerOf',
        args: [works[2]!],
        blockNumber: lastSettle - 1n,
      }),
    ).toBe(seller.address);
    const trades = await get(`/v1/trades?account=${seller.address}`);
    expect(trades.body.items).toHaveLength(2);
  });
});
