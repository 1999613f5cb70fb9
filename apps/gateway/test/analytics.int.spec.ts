// The analysts' endpoints on the real gateway (createHttpApp, port 0, its own event-store and
// read-model schemas) over anvil, PostgreSQL and the gateway's own market log:
// - a seller's works and a buyer's deposit on anvil; asks and a collection bid taken by
//   POST /v1/orders (intake observations at real blocks); bids in a second market decided as
//   the intake would (own repository); a direct settleBatch, a withdrawal, and then the
//   seller's transfer of an asked work, observed into the market at its block;
// - GET /v1/events: the whole log, by type (repeated and comma lists), by collection, from a
//   position, block or time, up to a position, each equal to the store's own readAll (mapped
//   here, not with the app's code); paging with `limit` and resuming from the last line's
//   position (and after a dropped connection) loses and repeats nothing; follow mode writes
//   keepalives and an event appended after it opened, and ends with `shutdown` at close;
// - every ledger as of blocks across the history equals Marketplace.balanceOf at that block
//   (viem readContract({ blockNumber })), to the unit;
// - the book (/v1/analytics/collections/:address/book) as of the block before the transfer
//   holds the ask as fillable, as of the transfer block as not-owner, as ownerOf says;
// - malformed parameters (bad time, negative block, unknown type, SQL-looking and unicode
//   strings, repeats, conflicts) are 400 problem+json with codes, never a 5xx.
import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { erc721Abi, type Address, type Hex } from 'viem';
import { mnemonicToAccount, type HDAccount } from 'viem/accounts';
import {
  artworkRegistryAbi,
  marketplaceAbi,
  OrderKind as ChainOrderKind,
} from '@atelier/contracts-abi';
import { connectDeployment, createOrder, settleBatch } from '@atelier/chain-actions';
import { EVENT_STORE } from '@atelier/cqrs';
import {
  EventSourcedRepository,
  type EventStore,
  type RecordedEvent,
} from '@atelier/eventsourcing';
import { asAddress, asOrderHash } from '@atelier/kernel';
import {
  marketAggregate,
  marketId,
  OrderKind,
  type MarketCommand,
  type SignedOrder,
} from '@atelier/market-domain';
import { LedgersReader } from '@atelier/market-projections';
import { eventLineJson } from '../src/analytics/analytics.openapi';
import { marketBookJson } from '../src/analytics/market-book.http.controller';
import { chainReadProjections } from '../src/read/read-projectors';
import { CHAIN_READ_MODEL } from '../src/read/read.tokens';
import {
  apiKey,
  bootGateway,
  chainClients,
  dropSchemas,
  gatewaySchemas,
  MNEMONIC,
  post,
  submission,
  type Gateway,
} from './orders.fixture';
import { ChainFeed, chainFactsUpTo } from './read.fixture';

const TUSD = 1_000_000n;
const schemas = gatewaySchemas();
const chain = chainClients();
const dep = connectDeployment({
  rpcUrl: process.env['RPC_URL']!,
  deployments: process.env['ATELIER_DEPLOYMENTS']!,
  cacheTime: 0,
});
const { client } = dep;
const usd = chain.usd.toLowerCase();
const registry = chain.registry.toLowerCase();
const operator = mnemonicToAccount(MNEMONIC, { addressIndex: 9 });
// A market of our own beside the registry's: the market takes bids without a contract.
const other = asAddress(`0x${randomBytes(20).toString('hex')}`);

let gateway: Gateway;
let gatewayClosed = false;
let store: EventStore;
let key: string;
let seller: HDAccount;
let buyer: HDAccount;
let receiver: HDAccount;
let works: bigint[];
const blocks = { deposit: 0n, settle: 0n, withdraw: 0n, transfer: 0n };

// ---- the log as the store gives it, mapped here ----------------------------------------------

async function storeLog(): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for (;;) {
    const page = await store.readAll({ after: out.at(-1)?.position ?? 0n, maxCount: 500 });
    out.push(...page);
    if (page.length < 500) return out;
  }
}
const expectedLine = (e: RecordedEvent) => ({
  kind: 'event',
  position: e.position.toString(),
  type: e.type,
  stream: e.streamName,
  revision: e.revision.toString(),
  id: e.id,
  schemaVersion: e.schemaVersion,
  recordedAt: e.recordedAt.toISOString(),
  metadata: e.metadata,
  data: e.data,
});
const blockOf = (e: RecordedEvent): bigint | null => {
  const b = (e.data as Record<string, unknown>)['block'];
  return typeof b === 'string' ? BigInt(b) : null;
};

// ---- NDJSON over HTTP ------------------------------------------------------------------------

type Line = Record<string, unknown> & { kind: string; position?: string | null };

async function lines(query: string): Promise<Line[]> {
  const res = await fetch(`${gateway.base}/v1/events${query}`);
  const text = await res.text();
  expect({ query, status: res.status, type: res.headers.get('content-type') }).toEqual({
    query,
    status: 200,
    type: 'application/x-ndjson; charset=utf-8',
  });
  expect(text.endsWith('\n')).toBe(true);
  // Every line as the OpenAPI document describes it.
  return text
    .slice(0, -1)
    .split('\n')
    .map((l) => eventLineJson.parse(JSON.parse(l)) as Line);
}
const eventsOf = (ls: Line[]) => ls.filter((l) => l.kind === 'event');
const endOf = (ls: Line[]) => {
  const end = ls.at(-1)!;
  expect(end.kind).toBe('end');
  expect(ls.filter((l) => l.kind === 'end')).toHaveLength(1);
  return end as Line & { reason: string };
};

/** A follow stream read line by line as it arrives. */
async function follow(query: string) {
  const abort = new AbortController();
  const res = await fetch(`${gateway.base}/v1/events${query}`, { signal: abort.signal });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const got: Line[] = [];
  let ended = false;
  let buffer = '';
  const pump = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n')) >= 0) {
          got.push(JSON.parse(buffer.slice(0, cut)) as Line);
          buffer = buffer.slice(cut + 1);
        }
      }
    } catch {
      // aborted by the spec
    } finally {
      ended = true;
    }
  })();
  return {
    got,
    ended: () => ended,
    async until<T>(what: string, probe: () => T | undefined, ms = 30_000): Promise<T> {
      const deadline = Date.now() + ms;
      for (;;) {
        const v = probe();
        if (v !== undefined) return v;
        if (Date.now() > deadline || ended)
          throw new Error(
            `follow: ${ended ? 'ended' : 'timed out'} waiting for ${what}; got ${JSON.stringify(got.slice(-5))}`,
          );
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      abort.abort();
      await pump;
    },
  };
}

// ---- the market's commands as the intake and tracker send them --------------------------------

const markets = () => new EventSourcedRepository(marketAggregate, store, { retryJitterMs: 0 });
const context = () => ({ correlationId: randomUUID(), actor: 'spec:analytics' });
const nowSeconds = () => BigInt(Math.floor(Date.now() / 1000));

async function decide(collection: string, command: MarketCommand) {
  const r = await markets().handleAll(marketId(asAddress(collection)), [command], context());
  if (!r.outcomes[0]?.ok) throw new Error(`refused: ${JSON.stringify(r.outcomes[0])}`);
}

let n = 0;
const bidIn = (collection: string, maker: string, price: bigint): SignedOrder => ({
  hash: asOrderHash(`0x${randomBytes(32).toString('hex')}`),
  signature: `0x${'11'.repeat(65)}`,
  order: {
    maker: asAddress(maker),
    kind: OrderKind.CollectionBid,
    collection: asAddress(collection),
    tokenId: 0n,
    currency: asAddress(usd),
    price,
    start: 0n,
    expiry: nowSeconds() + 3600n,
    counter: 0n,
    nonce: BigInt(++n),
  },
});

beforeAll(async () => {
  gateway = await bootGateway(schemas, {
    PIPELINE_ENABLED: false,
    ANALYTICS_PAGE_SIZE: 10, // paging is exercised even on this short log
    ANALYTICS_KEEPALIVE_MS: 200,
  });
  store = gateway.app.get<EventStore>(EVENT_STORE);
  key = await apiKey(gateway);
  [seller, buyer, receiver] = await Promise.all([
    chain.account(),
    chain.account(),
    chain.account(),
  ]);
  works = await chain.mintWorks(seller, 4);
  blocks.deposit = (await chain.deposit(buyer, 1_000n * TUSD)).at(-1)!.blockNumber;

  // Three asks and a collection bid through the intake (it reads the chain at its head).
  const asks = works.slice(0, 3).map((t, i) =>
    chain.order(seller, {
      kind: chain.OrderKind.Ask,
      tokenId: t,
      price: (100n + BigInt(i)) * TUSD,
      nonce: BigInt(i + 1),
    }),
  );
  const bid = chain.order(buyer, {
    kind: chain.OrderKind.CollectionBid,
    price: 50n * TUSD,
    nonce: 1n,
  });
  const res = await post(
    gateway.base,
    '/v1/orders',
    {
      orders: [
        ...(await Promise.all(
          asks.map(async (o) => submission(o, await chain.signOrder(seller, o))),
        )),
        submission(bid, await chain.signOrder(buyer, bid)),
      ],
    },
    key,
  );
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ accepted: 4, refused: 0 });

  // Bids in another market, with observations at blocks of our choosing.
  for (const [i, price] of [7n, 8n, 9n].entries())
    await decide(other, {
      type: 'SubmitOrder',
      collection: other,
      order: bidIn(other, buyer.address.toLowerCase(), price * TUSD),
      royalty: null,
      observed: {
        fee: { recipient: null, bps: 0, block: 1n },
        funds: [
          {
            maker: asAddress(buyer.address.toLowerCase()),
            currency: asAddress(usd),
            balance: 1_000n * TUSD,
            block: blocks.deposit + BigInt(i),
          },
        ],
      },
      now: nowSeconds(),
      at: new Date().toISOString(),
    });

  // On chain, outside the market: a direct settlement of the fourth work, a withdrawal.
  const domain = chain.domain;
  const price = 40n * TUSD;
  const ask = await createOrder(seller, {
    domain,
    kind: ChainOrderKind.Ask,
    collection: chain.registry,
    tokenId: works[3]!,
    currency: chain.usd,
    price,
    now: (await client.getBlock()).timestamp,
    lifetime: 3600n,
    nonce: 1_000n,
  });
  const bidOrder = await createOrder(buyer, {
    domain,
    kind: ChainOrderKind.TokenBid,
    collection: chain.registry,
    tokenId: works[3]!,
    currency: chain.usd,
    price,
    now: (await client.getBlock()).timestamp,
    lifetime: 3600n,
    nonce: 1_000n,
  });
  blocks.settle = (
    await settleBatch(dep.wallet(operator), {
      marketplace: chain.market,
      pairs: [{ ask, bid: bidOrder }],
    })
  ).blockNumber;
  blocks.withdraw = (
    await chain.send(buyer, [
      {
        address: chain.market,
        abi: marketplaceAbi,
        functionName: 'withdraw',
        args: [chain.usd, 10n * TUSD, buyer.address],
      },
    ])
  ).at(-1)!.blockNumber;

  // The seller gives the first asked work away; the tracker would observe it at its block.
  blocks.transfer = (
    await chain.send(seller, [
      {
        address: chain.registry,
        abi: artworkRegistryAbi,
        functionName: 'transferFrom',
        args: [seller.address, receiver.address, works[0]!],
      },
    ])
  ).at(-1)!.blockNumber;
  const [owner, approved] = await Promise.all([
    client.readContract({
      address: chain.registry,
      abi: erc721Abi,
      functionName: 'ownerOf',
      args: [works[0]!],
      blockNumber: blocks.transfer,
    }),
    client.readContract({
      address: chain.registry,
      abi: erc721Abi,
      functionName: 'isApprovedForAll',
      args: [receiver.address, chain.market],
      blockNumber: blocks.transfer,
    }),
  ]);
  await decide(chain.registry, {
    type: 'Observe',
    observed: {
      tokens: [
        {
          tokenId: works[0]!,
          owner: asAddress(owner.toLowerCase()),
          approved,
          block: blocks.transfer,
        },
      ],
    },
    now: nowSeconds(),
    at: new Date().toISOString(),
  });

  // Every Marketplace and registry log up to the transfer, into the chain read models.
  const readModel = gateway.app.get<DataSource>(CHAIN_READ_MODEL, { strict: false });
  const facts = await chainFactsUpTo(
    client,
    dep.deployments.chainId,
    (['ArtworkRegistry', 'Marketplace'] as const).map((name) => ({
      name,
      address: dep.address(name).toLowerCase() as Address,
      startBlock: BigInt(dep.deployments.contracts[name]!.startBlock ?? 0),
    })),
    blocks.transfer,
  );
  await new ChainFeed(readModel, schemas.readModel, chainReadProjections()).deliver(facts, 10);
}, 300_000);

afterAll(async () => {
  if (!gatewayClosed) await gateway?.app.close();
  await dropSchemas(schemas);
});

describe('GET /v1/events', () => {
  it('the whole log, and by type, collection, position, block and time, equals the store', async () => {
    const log = await storeLog();
    expect(log.length).toBeGreaterThan(10);
    const all = log.map(expectedLine);

    const whole = await lines('');
    expect(eventsOf(whole)).toEqual(all);
    expect(endOf(whole)).toEqual({ kind: 'end', reason: 'head', position: all.at(-1)!.position });

    const typed = new Set(['OrderAccepted', 'TokenObserved', 'FundsObserved']);
    const byType = await lines('?type=OrderAccepted,TokenObserved&type=FundsObserved');
    expect(eventsOf(byType)).toEqual(all.filter((e) => typed.has(e.type)));
    // The end line names the last event scanned, so a resume skips what did not match too.
    expect(endOf(byType).position).toBe(all.at(-1)!.position);

    const registryStream = `market-${registry}`;
    const byCollection = await lines(`?collection=${registry.toUpperCase().replace('0X', '0x')}`);
    expect(eventsOf(byCollection)).toEqual(all.filter((e) => e.stream === registryStream));
    expect(eventsOf(await lines(`?stream=market-${other}&type=OrderAccepted`))).toEqual(
      all.filter((e) => e.stream === `market-${other}` && e.type === 'OrderAccepted'),
    );
    expect(new Set(all.map((e) => e.stream))).toEqual(new Set([registryStream, `market-${other}`]));

    const k = Math.floor(all.length / 3);
    expect(eventsOf(await lines(`?fromPosition=${all[k]!.position}`))).toEqual(all.slice(k + 1));
    const upTo = await lines(
      `?fromPosition=${all[k]!.position}&toPosition=${all[2 * k]!.position}`,
    );
    expect(eventsOf(upTo)).toEqual(all.slice(k + 1, 2 * k + 1));
    expect(endOf(upTo)).toMatchObject({ reason: 'to-position', position: all[2 * k]!.position });

    // From a block: from the first event carrying a block at or above it, then all that follows.
    const carried = log.map(blockOf);
    const fromBlock = (b: bigint) => all.slice(carried.findIndex((x) => x !== null && x >= b));
    const b = blocks.deposit + 1n; // at the latest, the second market's second funds observation
    expect(fromBlock(b).length).toBeGreaterThan(0);
    expect(eventsOf(await lines(`?fromBlock=${b}`))).toEqual(fromBlock(b));
    expect(eventsOf(await lines(`?fromBlock=${b}&type=TokenObserved`))).toEqual(
      fromBlock(b).filter((e) => e.type === 'TokenObserved'),
    );
    // The tracker's observation of the transfer, and the status change it caused.
    expect(
      eventsOf(await lines(`?fromBlock=${blocks.transfer}`)).map((e) => [e.type, e['data']]),
    ).toEqual([
      ['TokenObserved', expect.objectContaining({ block: blocks.transfer.toString() })],
      ['OrderStatusChanged', expect.objectContaining({ from: 'fillable', status: 'not-owner' })],
    ]);
    expect(fromBlock(blocks.transfer)).toHaveLength(2);
    expect(endOf(await lines(`?fromBlock=${blocks.transfer + 1_000_000n}`))).toEqual({
      kind: 'end',
      reason: 'head',
      position: null, // never started: there is nothing to resume from
    });

    // From a time: the first event the store recorded at or after it.
    const t = log.findIndex((e, i) => i > k && e.recordedAt > log[i - 1]!.recordedAt);
    expect(t).toBeGreaterThan(k);
    const since = encodeURIComponent(log[t]!.recordedAt.toISOString());
    expect(eventsOf(await lines(`?fromTime=${since}`))).toEqual(all.slice(t));
    const later = new Date(log[t]!.recordedAt.getTime() + 3_600_000);
    const offset = later.toISOString().replace('Z', '+00:00');
    expect(eventsOf(await lines(`?fromTime=${encodeURIComponent(offset)}`))).toEqual([]);
  });

  it('resuming from the last line’s position loses and repeats nothing (paged, filtered, dropped)', async () => {
    const all = (await storeLog()).map(expectedLine);
    const page = async (filter: string, limit: number) => {
      const got: Line[] = [];
      let from = '0';
      for (let round = 0; round < 200; round++) {
        const ls = await lines(`?fromPosition=${from}&limit=${limit}${filter}`);
        got.push(...eventsOf(ls));
        const end = endOf(ls);
        expect(eventsOf(ls).length).toBeLessThanOrEqual(limit);
        if (end.reason === 'head') return got;
        expect(end.reason).toBe('limit');
        from = end.position!;
      }
      throw new Error('did not reach the head');
    };
    expect(await page('', 3)).toEqual(all);
    expect(await page('&type=OrderAccepted', 2)).toEqual(
      all.filter((e) => e.type === 'OrderAccepted'),
    );

    // A connection dropped after a few lines: resume after the last complete one.
    const stream = await follow('?follow=true');
    await stream.until('four events', () => (eventsOf(stream.got).length >= 4 ? true : undefined));
    await stream.close();
    const before = eventsOf(stream.got);
    const rest = eventsOf(await lines(`?fromPosition=${before.at(-1)!.position}`));
    expect([...before, ...rest]).toEqual(all);
  });

  it('follow=true writes keepalives, then an event appended after it opened', async () => {
    const log = await storeLog();
    const head = log.at(-1)!.position.toString();
    const stream = await follow(`?follow=true&fromPosition=${head}&type=OrderAccepted`);
    const keepalive = await stream.until('a keepalive', () =>
      stream.got.find((l) => l.kind === 'keepalive'),
    );
    expect(keepalive).toEqual({ kind: 'keepalive', position: head });

    const o = chain.order(seller, {
      kind: chain.OrderKind.Ask,
      tokenId: works[1]!,
      price: 200n * TUSD,
      nonce: 77n,
    });
    const res = await post(
      gateway.base,
      '/v1/orders',
      submission(o, await chain.signOrder(seller, o)),
      key,
    );
    expect(res.status).toBe(201);
    const { hash } = ((await res.json()) as { results: { hash: Hex }[] }).results[0]!;
    const line = await stream.until('the new order', () =>
      eventsOf(stream.got).find((l) => (l['data'] as { hash?: string }).hash === hash),
    );
    const appended = (await storeLog()).filter((e) => e.position > BigInt(head));
    expect(eventsOf(stream.got)).toEqual(
      appended.filter((e) => e.type === 'OrderAccepted').map(expectedLine),
    );
    expect(BigInt(line.position!)).toBeGreaterThan(BigInt(head));
    expect(stream.got.some((l) => l.kind === 'end')).toBe(false);
    await stream.close();
  });
});

describe('as of a block', () => {
  const balanceOf = (account: string, currency: string, blockNumber: bigint) =>
    client.readContract({
      address: chain.market,
      abi: marketplaceAbi,
      functionName: 'balanceOf',
      args: [account as Address, currency as Address],
      blockNumber,
    });
  const ledgerAt = async (account: string, block: bigint) => {
    const res = await fetch(`${gateway.base}/v1/ledgers/${account}?asOfBlock=${block}`);
    expect(res.status).toBe(200);
    return (await res.json()) as {
      asOfBlock: string;
      currencies: { currency: string; balance: string }[];
    };
  };
  /** The accounts' ledgers as of `block` against balanceOf at `block`: the mismatches. */
  async function mismatches(accounts: readonly string[], block: bigint): Promise<string[]> {
    const wrong: string[] = [];
    for (let i = 0; i < accounts.length; i += 10)
      await Promise.all(
        accounts.slice(i, i + 10).map(async (account) => {
          const ledger = await ledgerAt(account, block);
          expect(ledger.asOfBlock).toBe(block.toString());
          const currencies = new Set([usd, ...ledger.currencies.map((c) => c.currency)]);
          for (const currency of currencies) {
            const model = BigInt(
              ledger.currencies.find((c) => c.currency === currency)?.balance ?? '0',
            );
            const onChain = await balanceOf(account, currency, block);
            if (model !== onChain)
              wrong.push(`${account} ${currency} @${block}: model ${model}, chain ${onChain}`);
          }
        }),
      );
    return wrong;
  }

  it('GET /v1/ledgers/:account?asOfBlock=N equals Marketplace.balanceOf at N, to the unit', async () => {
    const mine = [seller, buyer, receiver].map((a) => a.address.toLowerCase());
    const checked: bigint[] = [];
    for (const block of new Set([
      blocks.deposit - 1n,
      blocks.deposit,
      blocks.settle - 1n,
      blocks.settle,
      blocks.withdraw - 1n,
      blocks.withdraw,
      blocks.transfer,
    ])) {
      expect(await mismatches(mine, block)).toEqual([]);
      checked.push(block);
    }
    // The buyer's balance moved at each of its blocks: the answers are not one value.
    const buyerAt = async (b: bigint) =>
      (await ledgerAt(buyer.address, b)).currencies.find((c) => c.currency === usd)?.balance;
    expect(await buyerAt(blocks.deposit - 1n)).toBeUndefined();
    expect(await buyerAt(blocks.deposit)).toBe((1_000n * TUSD).toString());
    expect(await buyerAt(blocks.settle)).toBe((960n * TUSD).toString());
    expect(await buyerAt(blocks.withdraw)).toBe((950n * TUSD).toString());

    // Every account the model knows (all of the shared chain's history), at the settlement
    // (royalty, attribution, fee and proceeds credited) and just before it.
    const accounts = await new LedgersReader(
      gateway.app.get<DataSource>(CHAIN_READ_MODEL, { strict: false }),
    ).accounts();
    expect(accounts.length).toBeGreaterThan(3);
    expect(await mismatches(accounts, blocks.settle)).toEqual([]);
    expect(await mismatches(accounts, blocks.settle - 1n)).toEqual([]);
  });

  it('GET /v1/analytics/collections/:address/book?asOfBlock=N: the ask rests fillable until the block its work left the seller', async () => {
    const ownerAt = (block: bigint) =>
      client.readContract({
        address: chain.registry,
        abi: erc721Abi,
        functionName: 'ownerOf',
        args: [works[0]!],
        blockNumber: block,
      });
    expect(await ownerAt(blocks.transfer - 1n)).toBe(seller.address);
    expect(await ownerAt(blocks.transfer)).toBe(receiver.address);

    type Book = {
      asOf: {
        block: string | null;
        observedBlock: string | null;
        position: string | null;
        next: { type: string; block: string } | null;
      };
      asks: { tokenId: string; status: string; price: string }[];
      bids: { kind: string; status: string }[];
      depth: { asks: { tokenId: string; orders: number }[] };
    };
    const book = async (query: string) => {
      const res = await fetch(`${gateway.base}/v1/analytics/collections/${registry}/book${query}`);
      expect(res.status).toBe(200);
      return marketBookJson.parse(await res.json()) as Book;
    };
    const status = (b: Book) => Object.fromEntries(b.asks.map((a) => [a.tokenId, a.status]));

    const before = await book(`?asOfBlock=${blocks.transfer - 1n}`);
    expect(status(before)[works[0]!.toString()]).toBe('fillable');
    expect(before.asOf).toMatchObject({
      block: (blocks.transfer - 1n).toString(),
      next: { type: 'TokenObserved', block: blocks.transfer.toString() },
    });
    expect(BigInt(before.asOf.observedBlock!)).toBeLessThan(blocks.transfer);
    expect(before.depth.asks.map((l) => l.tokenId)).toContain(works[0]!.toString());
    expect(before.bids).toEqual([expect.objectContaining({ kind: 'collection-bid' })]);

    const at = await book(`?asOfBlock=${blocks.transfer}`);
    expect(status(at)[works[0]!.toString()]).toBe('not-owner');
    expect(at.asOf.next).toBeNull();
    expect(at.asOf.observedBlock).toBe(blocks.transfer.toString());
    expect(at.depth.asks.map((l) => l.tokenId)).not.toContain(works[0]!.toString());
    // Cheapest first; the book now equals the book as of the transfer plus later orders only.
    const now = await book('');
    expect(now.asOf.block).toBeNull();
    expect(now.asks.map((a) => BigInt(a.price))).toEqual(
      [...now.asks.map((a) => BigInt(a.price))].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)),
    );
    // Before the market recorded any block (its first decision carried the intake's reads).
    const empty = await book('?asOfBlock=0');
    expect(empty).toMatchObject({ asks: [], bids: [], asOf: { position: null } });
  });
});

describe('OpenAPI', () => {
  it('documents /v1/events (its parameters, NDJSON lines) and the as-of-block book', async () => {
    const doc = (await (await fetch(`${gateway.base}/openapi.json`)).json()) as {
      paths: Record<string, { get: Record<string, unknown> }>;
    };
    const events = doc.paths['/v1/events']!.get as {
      parameters: { name: string }[];
      responses: Record<string, { content: Record<string, unknown> }>;
    };
    expect(events.parameters.map((p) => p.name).sort()).toEqual(
      [
        'collection',
        'follow',
        'fromBlock',
        'fromPosition',
        'fromTime',
        'limit',
        'stream',
        'toPosition',
        'type',
      ].sort(),
    );
    expect(Object.keys(events.responses['200']!.content)).toEqual(['application/x-ndjson']);
    const book = doc.paths['/v1/analytics/collections/{address}/book']!.get as {
      parameters: { name: string }[];
    };
    expect(book.parameters.map((p) => p.name)).toEqual(['address', 'asOfBlock']);
  });
});

describe('malformed parameters', () => {
  it('are 400 problem+json with codes, never a 5xx', async () => {
    const q = encodeURIComponent;
    const cases: [string, string | null][] = [
      ['/v1/events?fromTime=yesterday', 'EVENTS.BAD_TIME'],
      [`/v1/events?fromTime=${q('2026-13-01T00:00:00Z')}`, 'EVENTS.BAD_TIME'],
      [`/v1/events?fromTime=${q('2026-12-01 00:00:00')}`, 'EVENTS.BAD_TIME'],
      ['/v1/events?fromBlock=-1', 'EVENTS.BAD_BLOCK'],
      ['/v1/events?fromBlock=1.5', 'EVENTS.BAD_BLOCK'],
      ['/v1/events?fromPosition=-5', 'EVENTS.BAD_POSITION'],
      ['/v1/events?fromPosition=99999999999999999999', 'EVENTS.BAD_POSITION'],
      ['/v1/events?type=OrderPlaced', 'EVENTS.UNKNOWN_TYPE'],
      [`/v1/events?type=${q("OrderAccepted' OR '1'='1")}`, 'EVENTS.UNKNOWN_TYPE'],
      [`/v1/events?type=${q('🎨,注文')}`, 'EVENTS.UNKNOWN_TYPE'],
      [`/v1/events?stream=${q('market-x; DROP TABLE events; --')}`, 'EVENTS.BAD_STREAM'],
      [`/v1/events?stream=${q('market-\u0000')}`, 'EVENTS.BAD_STREAM'],
      [`/v1/events?collection=${q('0x' + 'ä'.repeat(40))}`, 'EVENTS.BAD_COLLECTION'],
      ['/v1/events?limit=0', 'EVENTS.BAD_LIMIT'],
      ['/v1/events?follow=1', 'EVENTS.BAD_FOLLOW'],
      ['/v1/events?fromBlock=1&fromPosition=2', 'EVENTS.CONFLICTING_START'],
      [`/v1/events?collection=${registry}&stream=market-${other}`, 'EVENTS.CONFLICTING_STREAM'],
      ['/v1/events?fromPosition=5&toPosition=4', 'EVENTS.BAD_RANGE'],
      ['/v1/events?limit=1&limit=2', null],
      ['/v1/events?since=0', null],
      [`/v1/ledgers/${buyer.address}?asOfBlock=-1`, null],
      [`/v1/ledgers/${buyer.address}?asOfBlock=${q("1' OR 1=1")}`, null],
      [`/v1/analytics/collections/${registry}/book?asOfBlock=${q('１２')}`, null],
      [`/v1/analytics/collections/${q("0x'; --")}/book`, null],
      [`/v1/analytics/collections/${registry}/book?asOf=1`, null],
    ];
    for (const [path, code] of cases) {
      const res = await fetch(`${gateway.base}${path}`);
      const body = (await res.json()) as { code: string; errors?: { code?: string }[] };
      expect({ path, status: res.status, type: res.headers.get('content-type') }).toEqual({
        path,
        status: 400,
        type: 'application/problem+json; charset=utf-8',
      });
      expect({ path, code: body.code }).toEqual({ path, code: 'REQUEST.INVALID' });
      if (code)
        expect({ path, codes: body.errors?.map((e) => e.code) }).toEqual({
          path,
          codes: expect.arrayContaining([code]),
        });
    }
  });
});

describe('shutdown', () => {
  it('a follow stream ends with an end line (reason shutdown) when the gateway closes', async () => {
    const stream = await follow('?follow=true&type=TradeMatched');
    await stream.until('a keepalive', () => stream.got.find((l) => l.kind === 'keepalive'));
    gatewayClosed = true;
    await gateway.app.close();
    await stream.until('the end', () => (stream.ended() ? true : undefined));
    expect(stream.got.at(-1)).toMatchObject({ kind: 'end', reason: 'shutdown' });
    await stream.close();
  });
});
