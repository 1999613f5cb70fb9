// The client against the real gateway, booted in process on port 0 by the gateway's own int
// fixtures (its event-store, read-model and access schemas; PostgreSQL and anvil of the test
// stack). A market maker with a plain viem account signs 1,100 collection bids through the
// client, submits them in one call (two requests: 1,000 + 100), reads them back, follows its
// order-status stream through a TCP proxy that drops the connection midway (the client
// reconnects and resumes with Last-Event-ID: every event once, in order, as the event store
// holds them), cancels some, and gets typed errors for bad input, a bad API key, an unknown
// order and an unreachable gateway; a key limited to one request per second is retried past its
// 429s after Retry-After. The types module is generated from a document equal to the one the
// running gateway serves.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import type { HDAccount } from 'viem/accounts';
import { waitFor } from '@atelier/testing';
/* eslint-disable @nx/enforce-module-boundaries -- the gateway's own int fixtures boot the real
   server in process and hold the anvil market maker's set-up; a client spec reuses them. */
import { keyStore, newKey } from '../../../apps/gateway/test/access.fixture';
import {
  apiKey,
  bootGateway,
  chainClients,
  dropSchemas,
  gatewaySchemas,
  projectInBackground,
  type Gateway,
} from '../../../apps/gateway/test/orders.fixture';
/* eslint-enable @nx/enforce-module-boundaries */
import { openApiDocument } from '../scripts/generate';
import {
  AtelierApiError,
  AtelierNetworkError,
  OrderKind,
  createAtelierClient,
  type AtelierClient,
  type OrderStreamEvent,
  type SignOrderReturnType,
  type SubmitOrdersAnswer,
} from './index';

const TUSD = 1_000_000n;
const COUNT = 1_100;

/** A TCP relay to the gateway whose open connections a spec can cut, as a proxy would. */
async function tcpProxy(target: string): Promise<{
  base: string;
  drop: () => number;
  close: () => Promise<void>;
}> {
  const { hostname, port } = new URL(target);
  const open = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const outbound = connect(Number(port), hostname);
    for (const s of [inbound, outbound]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => undefined);
    }
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    drop: () => {
      const n = open.size;
      for (const s of open) s.destroy();
      return n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('@atelier/client against the real gateway', () => {
  const schemas = gatewaySchemas();
  const chain = chainClients();
  let gateway: Gateway;
  let projector: ReturnType<typeof projectInBackground>;
  let pool: Pool;
  let key: string;
  let client: AtelierClient;
  let maker: HDAccount;
  /** Every request the client sent, as the wire saw it. */
  const sent: { method: string; path: string; orders?: number }[] = [];
  let signed: SignOrderReturnType[];
  let answer: SubmitOrdersAnswer;

  beforeAll(async () => {
    gateway = await bootGateway(schemas);
    projector = projectInBackground(gateway, schemas.readModel);
    pool = new Pool({ connectionString: process.env['GATEWAY_DATABASE_URL'], max: 2 });
    key = await apiKey(gateway);
    client = createAtelierClient({
      baseUrl: gateway.base,
      apiKey: key,
      // Reads given minPosition retry READ_MODEL.BEHIND (2 s of waiting in the gateway each time
      // here): the spec's projector may need more than the default 5 tries on a loaded machine.
      retry: { retries: 15 },
      // The real fetch, watched: the spec counts the requests a bulk call makes.
      fetch: async (request) => {
        const body = request.method === 'POST' ? await request.clone().text() : '';
        const orders = body.startsWith('{"orders"')
          ? (JSON.parse(body) as { orders: unknown[] }).orders.length
          : undefined;
        sent.push({
          method: request.method,
          path: new URL(request.url).pathname,
          ...(orders === undefined ? {} : { orders }),
        });
        return fetch(request);
      },
    });
    maker = await chain.account();
    await chain.deposit(maker, 1_000_000n * TUSD);
  }, 120_000);

  afterAll(async () => {
    await projector?.stop();
    await gateway?.app.close();
    await pool?.end();
    await dropSchemas(schemas);
  });

  it('generates its types from the very document the gateway serves', async () => {
    const served = (await (await fetch(`${gateway.base}/openapi.json`)).json()) as object;
    expect(await openApiDocument()).toEqual(served);
  });

  it('signs with a plain viem account under the served domain and bulk-submits 1,100 orders in two requests', async () => {
    expect(await client.domain()).toEqual(chain.domain);
    const now = chain.nowSeconds();
    const nonceBase = BigInt(Date.now()) * 10_000n;
    signed = await Promise.all(
      Array.from({ length: COUNT }, (_, i) =>
        client.createOrder(maker, {
          kind: OrderKind.CollectionBid,
          collection: chain.registry,
          tokenId: 0n,
          currency: chain.usd,
          price: TUSD + BigInt(i),
          nonce: nonceBase + BigInt(i),
          now,
          lifetime: 3_600n,
        }),
      ),
    );
    sent.length = 0;
    answer = await client.submitOrders(signed);
    expect(sent.filter((s) => s.method === 'POST')).toEqual([
      { method: 'POST', path: '/v1/orders', orders: 1_000 },
      { method: 'POST', path: '/v1/orders', orders: 100 },
    ]);
    expect(answer).toMatchObject({ accepted: COUNT, refused: 0 });
    expect(answer.position).toMatch(/^[1-9][0-9]*$/);
    expect(answer.results.map((r) => r.index)).toEqual([...Array(COUNT).keys()]);
    expect(answer.results.map((r) => r.hash)).toEqual(signed.map((s) => s.hash.toLowerCase()));
    expect(new Set(answer.results.map((r) => (r.accepted ? r.status : r.code)))).toEqual(
      new Set(['fillable']),
    );
  }, 120_000);

  it('reads them back: one by hash, and all of the maker’s through the pages', async () => {
    const last = signed.at(-1)!;
    const { order } = await client.getOrder(last.hash, { minPosition: answer.position });
    expect(order).toMatchObject({
      hash: last.hash.toLowerCase(),
      maker: maker.address.toLowerCase(),
      kind: OrderKind.CollectionBid,
      price: last.order.price.toString(),
      nonce: last.order.nonce.toString(),
      status: 'fillable',
    });
    const hashes: string[] = [];
    for await (const o of client.allOrders({ maker: maker.address, status: 'fillable' }))
      hashes.push(o.hash);
    expect(hashes).toHaveLength(COUNT);
    expect(new Set(hashes)).toEqual(new Set(signed.map((s) => s.hash.toLowerCase())));
  }, 60_000);

  it('streams status changes, reconnects after a dropped connection and resumes with Last-Event-ID; cancels', async () => {
    const proxy = await tcpProxy(gateway.base);
    const streaming = createAtelierClient({ baseUrl: proxy.base, apiKey: key });
    const reconnects: unknown[] = [];
    const stream = streaming.orderEvents({
      reconnectDelayMs: 200,
      onReconnect: (info) => reconnects.push(info),
    });
    const got: OrderStreamEvent[] = [];
    let failure: unknown;
    const pump = (async () => {
      try {
        for await (const e of stream) got.push(e);
      } catch (e) {
        failure = e;
      }
    })();
    try {
      await waitFor('the 1,100 acceptances on the stream', async () =>
        got.length >= COUNT || failure ? true : undefined,
      );
      expect(failure).toBeUndefined();
      const beforeDrop = got.length;
      expect(proxy.drop()).toBeGreaterThan(0);

      // While the stream is down: cancel three orders off-chain.
      const cancelled = signed.slice(0, 3).map((s) => s.hash);
      const result = await client.cancel(maker, cancelled, { minPosition: answer.position });
      expect(result.results).toEqual(
        cancelled.map((h) => ({ hash: h.toLowerCase(), cancelled: true })),
      );
      expect(result.cancelled).toBe(3);
      const { order } = await client.getOrder(cancelled[0]!, { minPosition: result.position });
      expect(order.status).toBe('cancelled-off-chain');

      await waitFor('the three cancellations after the reconnect', async () =>
        got.length >= beforeDrop + 3 || failure ? true : undefined,
      );
      expect(failure).toBeUndefined();
      expect(stream.connections).toBeGreaterThanOrEqual(2);
      expect(reconnects.length).toBeGreaterThanOrEqual(1);
      expect(got.slice(-3).map((e) => [e.type, e.data.hash, e.data.status])).toEqual(
        cancelled.map((h) => ['OrderStatusChanged', h.toLowerCase(), 'cancelled-off-chain']),
      );

      // Exactly the event store's events, once each and in order, across the reconnect.
      const { rows } = await pool.query<{ position: string; type: string }>(
        `SELECT position::text, type FROM ${schemas.eventStore}.events
          WHERE stream_name LIKE 'market-%' AND type IN ('OrderAccepted', 'OrderStatusChanged')
          ORDER BY position`,
      );
      expect(got.map((e) => ({ position: e.id, type: e.type }))).toEqual(rows);
      for (const e of got) expect(e.data.position).toBe(e.id);
      expect(stream.lastEventId).toBe(rows.at(-1)!.position);
    } finally {
      stream.close();
      await pump;
      await proxy.close();
    }
  }, 90_000);

  it('resumes in a new stream from a saved lastEventId', async () => {
    const { rows } = await pool.query<{ position: string }>(
      `SELECT position::text FROM ${schemas.eventStore}.events
        WHERE stream_name LIKE 'market-%' AND type = 'OrderStatusChanged' ORDER BY position`,
    );
    const stream = client.orderEvents({ lastEventId: rows[0]!.position });
    const got: OrderStreamEvent[] = [];
    for await (const e of stream) {
      got.push(e);
      if (got.length === 2) break;
    }
    expect(got.map((e) => e.id)).toEqual(rows.slice(1, 3).map((r) => r.position));
  });

  describe('typed errors', () => {
    it('bad input: 400 REQUEST.INVALID with each field and its code', async () => {
      const [one] = signed;
      const error = await client
        .submitOrders({ ...one!, order: { ...one!.order, price: '1.5', tokenId: '-1' } })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AtelierApiError);
      expect(error).toMatchObject({ status: 400, code: 'REQUEST.INVALID' });
      expect((error as AtelierApiError).errors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ path: '/order/price', code: 'BIGINT.NOT_DECIMAL' }),
          expect.objectContaining({ path: '/order/tokenId', code: 'BIGINT.NEGATIVE' }),
        ]),
      );
    });

    it('a refused single order: its 4xx problem and code', async () => {
      const o = await client.createOrder(maker, {
        kind: OrderKind.CollectionBid,
        collection: chain.registry,
        tokenId: 0n,
        currency: chain.usd,
        price: TUSD,
        nonce: 7n,
        now: chain.nowSeconds(),
        lifetime: 3_600n,
      });
      const other = signed[0]!.signature; // another order's signature
      const error = await client.submitOrders({ ...o, signature: other }).catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 422, code: 'ORDER.BAD_SIGNATURE' });
      expect((error as AtelierApiError).problem).toMatchObject({ index: 0 });
    });

    it('a bad API key: 401 AUTH.INVALID_KEY, on a bulk and on the stream', async () => {
      const bad = createAtelierClient({ baseUrl: gateway.base, apiKey: 'atl_not-a-key' });
      await expect(bad.submitOrders(signed.slice(0, 2))).rejects.toMatchObject({
        name: 'AtelierApiError',
        status: 401,
        code: 'AUTH.INVALID_KEY',
      });
      const stream = bad.orderEvents();
      await expect(stream[Symbol.asyncIterator]().next()).rejects.toMatchObject({
        status: 401,
        code: 'AUTH.INVALID_KEY',
      });
      const keyless = createAtelierClient({ baseUrl: gateway.base });
      await expect(keyless.submitOrders(signed.slice(0, 2))).rejects.toMatchObject({
        status: 401,
        code: 'AUTH.KEY_REQUIRED',
      });
    });

    it('an unknown order: 404 ORDER.NOT_FOUND', async () => {
      await expect(client.getOrder(`0x${'ab'.repeat(32)}`)).rejects.toMatchObject({
        status: 404,
        code: 'ORDER.NOT_FOUND',
      });
    });

    it('no gateway there: AtelierNetworkError, not an API error', async () => {
      const nowhere = createAtelierClient({
        baseUrl: 'http://127.0.0.1:9', // discard port: nothing listens
        retry: { retries: 1, baseDelayMs: 10 },
      });
      const error = await nowhere.deployments().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AtelierNetworkError);
      expect(error).not.toBeInstanceOf(AtelierApiError);
      expect(error).toMatchObject({ code: 'CLIENT.NETWORK', details: { attempts: 2 } });
    });
  });

  it('waits out 429s after Retry-After (a key limited to one request a second)', async () => {
    const { keys, pool: accessPool } = keyStore(schemas.access);
    try {
      const { token } = await keys.create(newKey({ rps: 1, burst: 1 }));
      const statuses: number[] = [];
      const limited = createAtelierClient({
        baseUrl: gateway.base,
        apiKey: token,
        fetch: async (request) => {
          const res = await fetch(request);
          statuses.push(res.status);
          return res;
        },
      });
      const started = Date.now();
      for (let i = 0; i < 3; i++)
        await limited.getOrder(signed[i]!.hash, { minPosition: answer.position });
      expect(statuses.filter((s) => s === 200)).toHaveLength(3);
      expect(statuses).toContain(429);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_000); // it did wait
    } finally {
      await accessPool.end();
    }
  }, 30_000);
});
