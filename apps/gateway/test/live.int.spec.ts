// The live feeds (GET /v1/live/*, docs/live.md) on two real gateways over one PostgreSQL event
// store, with signed orders placed, matched and cancelled over HTTP as a frontend's users would:
// every book change reaches the clients whose filters it matches, exactly as the store holds it
// (checked against the events table); a client that disconnects and resumes with Last-Event-ID
// (on the other instance, or with ?lastEventId=) gets exactly what it missed; GraphQL subscriptions
// over WebSocket (a real graphql-ws client) get the same changes with the same ids, and resume with
// `after`; a slow client is cut
// off with a reason while a fast one gets everything; malformed filters are 400 problem+json.
import { randomBytes, randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { createClient, type Client } from 'graphql-ws';
import { Pool } from 'pg';
import type { HDAccount } from 'viem/accounts';
import WebSocket from 'ws';
import pino from 'pino';
import {
  chainFact,
  chainFactCodec,
  chainTopic,
  type ChainFactEnvelope,
} from '@atelier/chain-messages';
import { marketplaceAbi } from '@atelier/contracts-abi';
import { EVENT_STORE } from '@atelier/cqrs';
import type { EventStore, NewEvent } from '@atelier/eventsourcing';
import { createKafka, EnvelopeProducer } from '@atelier/kafka';
import { LiveFeed } from '../src/live/live-feed';
import { openEventStream, type OrderEventStream } from './support/sse';
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

const TUSD = 1_000_000n;
const address = () => `0x${randomBytes(20).toString('hex')}`;

describe('live feeds over SSE and GraphQL (two real gateways, PostgreSQL event store, anvil)', () => {
  const schemas = gatewaySchemas();
  const chain = chainClients();
  let a: Gateway;
  let b: Gateway;
  let projector: ReturnType<typeof projectInBackground>;
  let pool: Pool;
  let key: string;
  let seller: HDAccount;
  let buyer: HDAccount;
  let stranger: HDAccount;
  let works: bigint[];
  const collection = chain.registry.toLowerCase();
  const nonceBase = BigInt(Date.now()) * 1000n;
  const open: OrderEventStream[] = [];

  beforeAll(async () => {
    const overrides = { LIVE_KEEPALIVE_MS: 200 };
    [a, b] = await Promise.all([bootGateway(schemas, overrides), bootGateway(schemas, overrides)]);
    projector = projectInBackground(a, schemas.readModel);
    key = await apiKey(a);
    pool = new Pool({ connectionString: process.env['GATEWAY_DATABASE_URL'], max: 2 });
    [seller, buyer, stranger] = await Promise.all([
      chain.account(),
      chain.account(),
      chain.account(),
    ]);
    works = await chain.mintWorks(seller, 4);
    await chain.deposit(buyer, 1_000n * TUSD);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(open.map((s) => s.close()));
    await Promise.all(clients.map((c) => c.dispose()));
    await projector?.stop();
    await a?.app.close();
    await b?.app.close().catch(() => undefined); // closed by the last test already
    await pool?.end();
    await dropSchemas(schemas);
  });

  const live = async (gw: Gateway, path: string, headers: Record<string, string> = {}) => {
    const s = await openEventStream(`${gw.base}/v1/live/${path}`, headers);
    open.push(s);
    await s.until('the opening comment', () => s.frames.length > 0, 10_000);
    return s;
  };
  /** A GraphQL subscription over WebSocket (graphql-ws, graphql-transport-ws), as a frontend. */
  const clients: Client[] = [];
  const subscribe = (gw: Gateway, query: string) => {
    const client = createClient({
      url: `${gw.base.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    clients.push(client);
    const data: Record<string, unknown>[] = [];
    const errors: unknown[] = [];
    let started = false;
    client.on('connected', () => (started = true));
    client.subscribe<Record<string, Record<string, unknown>>>(
      { query },
      {
        next: (r) => {
          if (r.errors) errors.push(...r.errors);
          if (r.data) data.push(Object.values(r.data)[0]!);
        },
        error: (e) => errors.push(e),
        complete: () => undefined,
      },
    );
    return { data, errors, connected: () => started };
  };
  const keepAlives = (s: OrderEventStream) =>
    s.frames.filter((f) => f.comment === 'keep-alive').length;

  const signed = async (
    who: HDAccount,
    fields: Parameters<typeof chain.order>[1],
  ): Promise<ReturnType<typeof submission>> => {
    const o = chain.order(who, fields);
    return submission(o, await chain.signOrder(who, o));
  };
  const place = async (body: unknown) => {
    const res = await post(a.base, '/v1/orders', body, key);
    expect([200, 201]).toContain(res.status);
    return (await res.json()) as { results: { hash: string; status: string }[]; position: string };
  };
  const cancel = async (who: HDAccount, hashes: string[], minPosition: string) => {
    const c = {
      maker: who.address,
      orderHashes: hashes as `0x${string}`[],
      issuedAt: chain.nowSeconds(),
    };
    const res = await post(
      b.base,
      `/v1/orders/cancel?minPosition=${minPosition}`,
      {
        cancel: { ...c, issuedAt: c.issuedAt.toString() },
        signature: await chain.signCancel(who, c),
      },
      key,
    );
    expect(res.status).toBe(200);
    return (await res.json()) as { position: string };
  };

  const SSE_TYPE: Record<string, string> = {
    OrderAccepted: 'order-added',
    OrderStatusChanged: 'order-status-changed',
    TradeMatched: 'trade-matched',
  };
  /** The book (or trade) events of the market in the store, in global order: the truth. */
  async function stored(
    types: readonly string[],
    after = '0',
  ): Promise<{ id: string; event: string; hash: string | null }[]> {
    const { rows } = await pool.query<{ position: string; type: string; hash: string | null }>(
      `SELECT position::text, type, COALESCE(data->>'hash', data->>'tradeId') AS hash
         FROM ${schemas.eventStore}.events
        WHERE stream_name = $1 AND type = ANY($2::text[]) AND position > $3 ORDER BY position`,
      [`market-${collection}`, types, after],
    );
    return rows.map((r) => ({ id: r.position, event: SSE_TYPE[r.type]!, hash: r.hash }));
  }
  const BOOK = ['OrderAccepted', 'OrderStatusChanged'];
  const got = (s: OrderEventStream) =>
    s.events().map((f) => ({
      id: f.id!,
      event: f.event!,
      hash: (f.data?.['hash'] ?? f.data?.['tradeId']) as string,
    }));

  let asks: string[] = [];
  let bidHash = '';
  let collectionBid = '';
  let matchedAt = '';

  it('sends book changes as signed orders are placed, matched and cancelled; filters hold', async () => {
    const all = await live(a, `books?collection=${collection}`);
    const token = await live(b, `books?collection=${collection}&tokenId=${works[0]}`);
    const elsewhere = await live(a, `books?collection=${address()}`);
    const trades = await live(b, `trades?collection=${collection}`);
    const buyers = await live(a, `trades?account=${buyer.address}`); // EIP-55, as viem gives it
    const strangers = await live(a, `trades?account=${stranger.address}`);
    const tokenTrades = await live(a, `trades?collection=${collection}&tokenId=${works[1]}`);
    const gqlBook = subscribe(
      b,
      `subscription { orderBookChanged(collection: "${collection}") { type position hash tokenId side status from tradeId } }`,
    );
    const gqlTrades = subscribe(
      a,
      `subscription { tradeFeed(account: "${buyer.address}") { type position tradeId seller buyer price askHash bidHash split { price royalty sellerProceeds contributors { account amount } } } }`,
    );
    const feed = (gw: Gateway) => gw.app.get(LiveFeed).stats().subscribers;
    // Both subscriptions are attached (besides 5 SSE feeds on a, 2 on b) before anything is placed.
    await all.until('the subscriptions', () => feed(a) === 6 && feed(b) === 3, 10_000);

    // Two asks in bulk (tokens 0 and 1), a bid that matches the first, a cancel of the second,
    // and a collection bid below every ask (rests).
    const bulk = await place({
      orders: await Promise.all([
        signed(seller, {
          kind: chain.OrderKind.Ask,
          tokenId: works[0]!,
          price: 5n * TUSD,
          nonce: nonceBase,
        }),
        signed(seller, {
          kind: chain.OrderKind.Ask,
          tokenId: works[1]!,
          price: 7n * TUSD,
          nonce: nonceBase + 1n,
        }),
      ]),
    });
    asks = bulk.results.map((r) => r.hash);
    const matched = await place(
      await signed(buyer, {
        kind: chain.OrderKind.TokenBid,
        tokenId: works[0]!,
        price: 5n * TUSD,
        nonce: nonceBase,
      }),
    );
    bidHash = matched.results[0]!.hash;
    expect(matched.results[0]!.status).toBe('reserved');
    const cancelled = await cancel(seller, [asks[1]!], matched.position);
    const rest = await place(
      await signed(buyer, {
        kind: chain.OrderKind.CollectionBid,
        price: 1n * TUSD,
        nonce: nonceBase + 1n,
      }),
    );
    collectionBid = rest.results[0]!.hash;
    expect(BigInt(rest.position)).toBeGreaterThan(BigInt(cancelled.position));

    // The store holds the orders' events and the match; the feed adds the statuses the match
    // sets on both orders without an announcement, under the match's position (P, P.1).
    const truth = await stored(BOOK);
    expect(truth.map((t) => [t.event, t.hash])).toEqual([
      ['order-added', asks[0]],
      ['order-added', asks[1]],
      ['order-added', bidHash],
      ['order-status-changed', asks[1]],
      ['order-added', collectionBid],
    ]);
    const trade = (await stored(['TradeMatched']))[0]!;
    matchedAt = trade.id;
    const reserved = [
      { id: trade.id, event: 'order-status-changed', hash: asks[0]! },
      { id: `${trade.id}.1`, event: 'order-status-changed', hash: bidHash },
    ];
    const book = [...truth.slice(0, 3), ...reserved, ...truth.slice(3)];
    await all.until('every book change', () => all.events().length >= book.length, 10_000);
    expect(got(all)).toEqual(book);
    expect(all.events()[3]!.data).toMatchObject({
      status: 'reserved',
      from: null,
      tradeId: trade.hash,
      tokenId: works[0]!.toString(),
      side: 'ask',
    });
    expect(all.events()[4]!.data).toMatchObject({
      status: 'reserved',
      from: null,
      tradeId: trade.hash,
      side: 'bid',
      maker: buyer.address.toLowerCase(),
    });

    // The token's book: its ask, the bid on it, and the collection bid (in every token's book).
    const ofToken = new Set([asks[0], bidHash, collectionBid]);
    const want = book.filter((t) => ofToken.has(t.hash!));
    await token.until('the token’s changes', () => token.events().length >= want.length, 10_000);

    const byHash = new Map(all.events().map((f) => [f.id, f.data!]));
    expect(byHash.get(truth[0]!.id)).toMatchObject({
      type: 'order-added',
      position: truth[0]!.id,
      collection,
      tokenId: works[0]!.toString(),
      side: 'ask',
      maker: seller.address.toLowerCase(),
      price: (5n * TUSD).toString(),
      status: 'fillable',
      from: null,
    });
    const cancelEvent = all
      .events()
      .find((f) => f.data?.['hash'] === asks[1] && f.data?.['status'] === 'cancelled-off-chain');
    expect(cancelEvent?.data).toMatchObject({
      type: 'order-status-changed',
      from: 'fillable',
      tokenId: works[1]!.toString(),
      side: 'ask',
      price: (7n * TUSD).toString(),
    });
    expect(JSON.stringify(all.frames)).not.toContain('signature');

    // The trade, on the collection's and the buyer's feeds; no other's. Its id is the match's
    // third change.
    for (const s of [trades, buyers])
      await s.until('the trade', () => s.events().length >= 1, 10_000);
    for (const s of [trades, buyers]) {
      expect(got(s)).toEqual([{ ...trade, id: `${trade.id}.2` }]);
      expect(s.events()[0]!.data).toMatchObject({
        type: 'trade-matched',
        collection,
        tokenId: works[0]!.toString(),
        seller: seller.address.toLowerCase(),
        buyer: buyer.address.toLowerCase(),
        price: (5n * TUSD).toString(),
        askHash: asks[0],
        bidHash,
      });
    }
    // Nothing for the others after a while of keep-alives (the feeds are alive, just quiet).
    for (const s of [elsewhere, strangers, tokenTrades])
      await s.until('two keep-alives', () => keepAlives(s) >= 2, 10_000);
    // The GraphQL subscriptions got the same changes, with the same ids.
    await all.until('the GraphQL book', () => gqlBook.data.length >= book.length, 10_000);
    expect(gqlBook.errors).toEqual([]);
    expect(
      gqlBook.data.map((d) => ({ id: d['position'], event: d['type'], hash: d['hash'] })),
    ).toEqual(book);
    expect(gqlBook.data[4]).toMatchObject({ side: 'bid', status: 'reserved', from: null });
    await all.until('the GraphQL trade', () => gqlTrades.data.length >= 1, 10_000);
    expect(gqlTrades.errors).toEqual([]);
    expect(gqlTrades.data).toEqual([
      {
        type: 'trade-matched',
        position: `${trade.id}.2`,
        tradeId: trade.hash,
        seller: seller.address.toLowerCase(),
        buyer: buyer.address.toLowerCase(),
        price: (5n * TUSD).toString(),
        askHash: asks[0],
        bidHash,
        split: expect.objectContaining({ price: (5n * TUSD).toString(), contributors: [] }),
      },
    ]);

    expect(got(token)).toEqual(want);
    expect(elsewhere.events()).toEqual([]);
    expect(strangers.events()).toEqual([]);
    expect(tokenTrades.events()).toEqual([]);
  }, 60_000);

  it('resumes with Last-Event-ID (other instance) or ?lastEventId= with exactly what was missed', async () => {
    const before = (await stored(BOOK)).at(-1)!.id;
    const first = await live(a, `books?collection=${collection}`);
    const placed = await place(
      await signed(seller, {
        kind: chain.OrderKind.Ask,
        tokenId: works[2]!,
        price: 9n * TUSD,
        nonce: nonceBase + 2n,
      }),
    );
    await first.until('the new ask', () => first.events().length >= 1, 10_000);
    await first.close();
    const lastSeen = first.events().at(-1)!.id!;

    // While away: the ask cancelled, another placed, the resting collection bid cancelled.
    const c1 = await cancel(seller, [placed.results[0]!.hash], placed.position);
    await place(
      await signed(seller, {
        kind: chain.OrderKind.Ask,
        tokenId: works[3]!,
        price: 11n * TUSD,
        nonce: nonceBase + 3n,
      }),
    );
    await cancel(buyer, [collectionBid], c1.position);
    const missed = await stored(BOOK, lastSeen);
    expect(missed.length).toBeGreaterThanOrEqual(3);

    const byHeader = await live(b, `books?collection=${collection}`, { 'last-event-id': lastSeen });
    const byQuery = await live(a, `books?collection=${collection}&lastEventId=${lastSeen}`);
    for (const s of [byHeader, byQuery]) {
      await s.until('what was missed', () => s.events().length >= missed.length, 10_000);
      // Then nothing more (keep-alives only): no duplicate.
      const k = keepAlives(s);
      await s.until('two more keep-alives', () => keepAlives(s) >= k + 2, 10_000);
      expect(got(s)).toEqual(missed);
    }
    expect([...got(first), ...got(byHeader)]).toEqual(await stored(BOOK, before));

    // A GraphQL subscription resumes the same way, with `after`.
    const gql = subscribe(
      b,
      `subscription { orderBookChanged(collection: "${collection}", after: "${lastSeen}") { type position hash } }`,
    );
    await byQuery.until('the GraphQL history', () => gql.data.length >= missed.length, 10_000);
    expect(gql.data.map((d) => ({ id: d['position'], event: d['type'], hash: d['hash'] }))).toEqual(
      missed,
    );

    // Live changes keep coming on a resumed feed, after its history.
    const more = await place(
      await signed(buyer, {
        kind: chain.OrderKind.CollectionBid,
        price: 2n * TUSD,
        nonce: nonceBase + 2n,
      }),
    );
    await byHeader.until('the next change', () => byHeader.events().length > missed.length, 10_000);
    await byHeader.until(
      'the next change by GraphQL',
      () => gql.data.length > missed.length,
      10_000,
    );
    expect(gql.data.at(-1)).toMatchObject({ hash: more.results[0]!.hash });
    expect(byHeader.events().at(-1)!.data).toMatchObject({
      hash: more.results[0]!.hash,
      side: 'collection-bid',
    });

    // From 0, the whole history of a token's book, filtered, in order.
    const fromZero = await live(
      b,
      `books?collection=${collection}&tokenId=${works[0]}&lastEventId=0`,
    );
    const tokenHashes = new Set([asks[0], bidHash, collectionBid, more.results[0]!.hash]);
    const ofToken = [
      ...(await stored(BOOK)).filter((t) => tokenHashes.has(t.hash!)),
      { id: matchedAt, event: 'order-status-changed', hash: asks[0]! },
      { id: `${matchedAt}.1`, event: 'order-status-changed', hash: bidHash },
    ].sort((x, y) => (BigInt(x.id.split('.')[0]!) < BigInt(y.id.split('.')[0]!) ? -1 : 1));
    await fromZero.until('the history', () => fromZero.events().length >= ofToken.length, 10_000);
    expect(got(fromZero)).toEqual(ofToken);

    // From inside an event: after the match's first change, its second (the bid) comes next.
    const mid = await live(a, `books?collection=${collection}&tokenId=${works[0]}`, {
      'last-event-id': matchedAt,
    });
    await mid.until('the rest', () => mid.events().length >= 2, 10_000);
    expect(got(mid)[0]).toEqual({
      id: `${matchedAt}.1`,
      event: 'order-status-changed',
      hash: bidHash,
    });
    const trades = await live(b, `trades?collection=${collection}&lastEventId=${matchedAt}.1`);
    await trades.until('the trade', () => trades.events().length >= 1, 10_000);
    expect(trades.events().map((f) => f.id)).toEqual([`${matchedAt}.2`]);
  }, 60_000);

  const problem = async (res: Response, pointer: string) => {
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    const body = (await res.json()) as { code: string; errors: { path: string }[] };
    expect(body.code).toBe('REQUEST.INVALID');
    expect(body.errors.map((e) => e.path)).toContain(pointer);
  };

  it('refuses malformed filters and ids: 400 problem+json naming the field', async () => {
    const get = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${a.base}/v1/live/${path}`, { headers });
    await problem(await get('books'), '/collection');
    await problem(await get('books?collection=0x1234'), '/collection');
    await problem(await get(`books?collection=${collection}&tokenId=-1`), '/tokenId');
    await problem(await get(`books?collection=${collection}&maker=${collection}`), '');
    await problem(await get('trades?tokenId=1'), '/tokenId');
    await problem(await get('trades?account=nobody'), '/account');
    await problem(await get('ledgers/0xnope'), '/account');
    await problem(await get(`books?collection=${collection}&lastEventId=1e9`), '/lastEventId');
    await problem(await get(`books?collection=${collection}`, { 'last-event-id': '-1' }), '');
  });

  it('ends its feeds with a reason when the gateway shuts down', async () => {
    const s = await live(b, `trades`);
    const started = Date.now();
    await b.app.close();
    await s.until('the end of the feed', () => s.ended(), 5_000);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(s.frames.find((f) => f.event === 'end')?.data).toMatchObject({ code: 'LIVE.SHUTDOWN' });
  });
});

describe('live feeds: a slow client is cut off, the others go on; a full gateway refuses more', () => {
  const schemas = gatewaySchemas();
  let gw: Gateway;
  const coll = address();
  const EVENTS = 12_000;

  beforeAll(async () => {
    gw = await bootGateway(schemas, {
      LIVE_CLIENT_BUFFER_BYTES: 65_536,
      LIVE_KEEPALIVE_MS: 200,
      LIVE_MAX_SUBSCRIBERS: 2,
    });
  }, 60_000);

  afterAll(async () => {
    await gw?.app.close();
    await dropSchemas(schemas);
  });

  /** Book events of a synthetic market, ~1 KB each, appended straight to the real store. */
  const appendOrders = async (from: number, count: number) => {
    const store = gw.app.get<EventStore>(EVENT_STORE);
    const at = new Date().toISOString();
    for (let i = from; i < from + count; i += 500) {
      const batch: NewEvent[] = [];
      for (let j = i; j < Math.min(i + 500, from + count); j++)
        batch.push({
          id: randomUUID(),
          type: 'OrderAccepted',
          schemaVersion: 1,
          data: {
            collection: coll,
            hash: `0x${j.toString(16).padStart(64, '0')}`,
            order: {
              maker: coll,
              kind: 0,
              collection: coll,
              tokenId: String(j),
              currency: coll,
              price: '1',
              start: '0',
              expiry: '0',
              counter: '0',
              nonce: String(j),
            },
            signature: '0x',
            seq: j + 1,
            acceptedAt: at,
            status: 'fillable',
            reason: 'x'.repeat(900),
            split: null,
          },
          metadata: {
            correlationId: 'live-spec',
            causationId: null,
            actor: 'system:live-spec',
            occurredAt: at,
          },
        });
      await store.append(`market-${coll}`, batch, { expectedRevision: 'any' });
    }
  };

  it('cuts off a client that does not read (LIVE.SLOW_CONSUMER) while a reading one gets everything', async () => {
    const fast = await openEventStream(`${gw.base}/v1/live/books?collection=${coll}`);
    await fast.until('the opening comment', () => fast.frames.length > 0, 10_000);
    // A client that reads its headers and then nothing: its socket buffers fill, then Node's.
    const slow = await new Promise<IncomingMessage>((resolve, reject) =>
      httpRequest(`${gw.base}/v1/live/books?collection=${coll}`, resolve).on('error', reject).end(),
    );
    expect(slow.statusCode).toBe(200);
    slow.pause();
    const feed = gw.app.get(LiveFeed);
    await fast.until('the slow client registered', () => feed.stats().subscribers === 2, 10_000);
    // A third feed is refused before its stream starts: this gateway serves at most two.
    const third = await fetch(`${gw.base}/v1/live/trades`);
    expect(third.status).toBe(503);
    expect(third.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(await third.json()).toMatchObject({ code: 'LIVE.TOO_MANY_SUBSCRIBERS' });

    // The slow client is read again as soon as it is cut off (before its grace period ends).
    const appended = appendOrders(0, EVENTS);
    await fast.until('the slow client cut off', () => feed.stats().cutOff >= 1, 60_000);
    expect(feed.stats().subscribers).toBe(1);
    // The slow client, reading at last, finds the reason after what it was sent, then the end.
    let text = '';
    slow.setEncoding('utf8');
    slow.on('data', (chunk: string) => (text += chunk));
    const ended = new Promise((resolve) => slow.on('end', resolve).on('close', resolve));
    slow.resume();
    await ended;
    await appended;
    await fast.until('every change', () => fast.events().length >= EVENTS, 60_000);
    const ids = text.match(/^id: /gm)?.length ?? 0;
    expect(ids).toBeGreaterThan(0);
    expect(ids).toBeLessThan(EVENTS);
    expect(text).toMatch(/event: end\ndata: \{"code":"LIVE\.SLOW_CONSUMER"/);

    // The reading client goes on: every change exactly once, in order, and the next one too.
    await appendOrders(EVENTS, 1);
    await fast.until('one more', () => fast.events().length >= EVENTS + 1, 10_000);
    const ids2 = fast.events().map((f) => BigInt(f.id!));
    expect(ids2.every((p, i) => i === 0 || p > ids2[i - 1]!)).toBe(true);
    expect(fast.events().map((f) => f.data?.['tokenId'])).toEqual(
      Array.from({ length: EVENTS + 1 }, (_, i) => String(i)),
    );
    const metrics = await (await fetch(`${gw.base}/metrics`)).text();
    expect(metrics).toMatch(/^atelier_live_events\{[^}]*kind="cut_off"[^}]*\} 1$/m);
    expect(metrics).toMatch(/^atelier_live_subscribers(\{[^}]*\})? 1$/m);
    await fast.close();
  }, 120_000);
});

describe('live ledger feed: chain facts through Kafka into the ledgers model, then to clients', () => {
  const schemas = gatewaySchemas();
  const chain = chainClients();
  const chainPrefix = `int.live.${randomBytes(4).toString('hex')}.chain`;
  const logger = pino({ level: 'silent' });
  let gw: Gateway;
  let producer: EnvelopeProducer<ChainFactEnvelope>;
  let holder: HDAccount;
  let other: HDAccount;
  const clients: Client[] = [];
  const streams: OrderEventStream[] = [];

  beforeAll(async () => {
    gw = await bootGateway(schemas, {
      PIPELINE_CHAIN_TOPIC_PREFIX: chainPrefix,
      PIPELINE_TOPIC_PARTITIONS: 2,
      LIVE_LEDGER_POLL_MS: 100,
      LIVE_KEEPALIVE_MS: 200,
    });
    producer = new EnvelopeProducer(
      createKafka({
        clientId: `live-int-${chainPrefix}`,
        brokers: process.env['KAFKA_BROKERS']!.split(','),
        logger,
      }),
      chainFactCodec,
      logger,
    );
    await producer.connect();
    [holder, other] = await Promise.all([chain.account(), chain.account()]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(streams.map((s) => s.close()));
    await Promise.all(clients.map((c) => c.dispose()));
    await producer?.disconnect();
    await gw?.app.close();
    await dropSchemas(schemas);
  });

  /** Publishes the Marketplace log of `receipt` as the chain relay would. */
  const publish = async (
    event: 'Deposited' | 'Withdrawn',
    receipt: Awaited<ReturnType<typeof chain.send>>[number],
    args: Record<string, string>,
  ) => {
    const log = receipt.logs.find((l) => l.address.toLowerCase() === chain.market.toLowerCase())!;
    const block = await chain.client.getBlock({ blockNumber: receipt.blockNumber });
    await producer.publish([
      {
        topic: chainTopic('Marketplace', chainPrefix),
        envelope: chainFact({
          chainId: chain.client.chain!.id,
          contract: 'Marketplace',
          address: chain.market,
          event,
          blockNumber: Number(receipt.blockNumber),
          blockHash: receipt.blockHash,
          blockTimestamp: Number(block.timestamp),
          transactionHash: receipt.transactionHash,
          transactionIndex: receipt.transactionIndex,
          logIndex: log.logIndex,
          args,
        }),
      },
    ]);
  };

  it('sends an account its ledger now, then each time a fact changes it; resumes by version', async () => {
    const account = holder.address.toLowerCase();
    const usd = chain.usd.toLowerCase();
    const feed = await openEventStream(`${gw.base}/v1/live/ledgers/${holder.address}`);
    const others = await openEventStream(`${gw.base}/v1/live/ledgers/${other.address}`);
    streams.push(feed, others);
    const client = createClient({
      url: `${gw.base.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    clients.push(client);
    const gql: Record<string, unknown>[] = [];
    client.subscribe<{ ledgerUpdated: Record<string, unknown> }>(
      {
        query: `subscription { ledgerUpdated(account: "${holder.address}") { type position account block currencies { currency deposited withdrawn paid balance credited { royalty } } } }`,
      },
      {
        next: (r) => r.data && gql.push(r.data.ledgerUpdated),
        error: () => undefined,
        complete: () => undefined,
      },
    );

    // First: the ledger as it stands (nothing known of this fresh account).
    await feed.until('the ledger now', () => feed.events().length >= 1, 10_000);
    await others.until('the other ledger now', () => others.events().length >= 1, 10_000);
    expect(feed.events()[0]!.data).toMatchObject({
      type: 'ledger-updated',
      account,
      currencies: [],
    });
    const v0 = feed.events()[0]!.id!;

    const amount = 25n * TUSD;
    const deposited = await chain.deposit(holder, amount);
    await publish('Deposited', deposited.at(-1)!, {
      account,
      currency: usd,
      amount: amount.toString(),
    });
    await feed.until('the deposit', () => feed.events().length >= 2, 30_000);
    const afterDeposit = feed.events()[1]!;
    expect(BigInt(afterDeposit.id!)).toBeGreaterThan(BigInt(v0));
    expect(afterDeposit.data).toMatchObject({
      account,
      block: deposited.at(-1)!.blockNumber.toString(),
      currencies: [
        { currency: usd, deposited: amount.toString(), withdrawn: '0', balance: amount.toString() },
      ],
    });

    const withdrawn = await chain.send(holder, [
      {
        address: chain.market,
        abi: marketplaceAbi,
        functionName: 'withdraw',
        args: [chain.usd, 10n * TUSD, holder.address],
      },
    ]);
    await publish('Withdrawn', withdrawn[0]!, {
      account,
      currency: usd,
      to: account,
      amount: (10n * TUSD).toString(),
    });
    await feed.until('the withdrawal', () => feed.events().length >= 3, 30_000);
    expect(feed.events()[2]!.data).toMatchObject({
      currencies: [
        { currency: usd, withdrawn: (10n * TUSD).toString(), balance: (15n * TUSD).toString() },
      ],
    });
    // The other account's ledger did not change: nothing after its first state.
    await others.until('two keep-alives', () => keepAliveCount(others) >= 2, 10_000);
    expect(others.events()).toHaveLength(1);

    // GraphQL saw the same states with the same versions.
    await feed.until('the GraphQL ledgers', () => gql.length >= 3, 10_000);
    expect(gql.map((g) => g['position'])).toEqual(feed.events().map((f) => f.id));
    expect(gql[2]).toMatchObject({ account, currencies: [{ balance: (15n * TUSD).toString() }] });

    // Resuming at the latest version sends nothing; from an older one, the state now, once.
    const last = feed.events().at(-1)!.id!;
    const upToDate = await openEventStream(`${gw.base}/v1/live/ledgers/${holder.address}`, {
      'last-event-id': last,
    });
    const behind = await openEventStream(
      `${gw.base}/v1/live/ledgers/${holder.address}?lastEventId=${v0}`,
    );
    streams.push(upToDate, behind);
    await behind.until('the state now', () => behind.events().length >= 1, 10_000);
    for (const s of [upToDate, behind])
      await s.until('two keep-alives', () => keepAliveCount(s) >= 2, 10_000);
    expect(upToDate.events()).toEqual([]);
    expect(behind.events().map((f) => [f.id, f.data?.['currencies']])).toEqual([
      [last, feed.events().at(-1)!.data?.['currencies']],
    ]);
  }, 120_000);
});

const keepAliveCount = (s: OrderEventStream) =>
  s.frames.filter((f) => f.comment === 'keep-alive').length;
