// The per-key order-status stream (GET /v1/orders/events) on two real gateways over one
// PostgreSQL event store: a market maker with a key submits in bulk and reads its stream,
// disconnects, cancels part of its book and submits more, then resumes on the OTHER instance
// with Last-Event-ID. Every event of its makers arrives exactly once and in order (checked
// against the event store itself), another maker's orders never; idle streams get keep-alive
// comments, and a shutting-down gateway ends its streams instead of hanging on them.
import { Pool } from 'pg';
import type { HDAccount } from 'viem/accounts';
import type { ApiKeyStore } from '../src/access/api-keys';
import { accessSchema, bearer, keyStore, newKey, send } from './access.fixture';
import { openOrderEvents } from './support/sse';
import {
  bootGateway,
  chainClients,
  dropSchemas,
  gatewaySchemas,
  projectInBackground,
  submission,
  type Gateway,
} from './orders.fixture';

const TUSD = 1_000_000n;

describe('order-status stream over SSE (two real gateways, resume with Last-Event-ID)', () => {
  const schemas = gatewaySchemas();
  const access = accessSchema();
  const chain = chainClients();
  let a: Gateway;
  let b: Gateway;
  let projector: ReturnType<typeof projectInBackground>;
  let keys: ApiKeyStore;
  let pool: Pool;
  let maker: HDAccount;
  let stranger: HDAccount;
  const nonceBase = BigInt(Date.now()) * 1000n;

  beforeAll(async () => {
    const overrides = { ACCESS_SCHEMA: access, ORDER_STREAM_KEEPALIVE_MS: 200 };
    a = await bootGateway(schemas, overrides);
    b = await bootGateway(schemas, overrides);
    projector = projectInBackground(a, schemas.readModel);
    ({ keys, pool } = keyStore(access));
    [maker, stranger] = await Promise.all([chain.account(), chain.account()]);
    await Promise.all([
      chain.deposit(maker, 1_000n * TUSD),
      chain.deposit(stranger, 1_000n * TUSD),
    ]);
  }, 120_000);

  afterAll(async () => {
    await projector?.stop();
    await a?.app.close();
    await b?.app.close().catch(() => undefined); // closed by the last test already
    await pool?.query(`DROP SCHEMA IF EXISTS ${access} CASCADE`);
    await pool?.end();
    await dropSchemas(schemas);
  });

  const bid = async (who: HDAccount, price: bigint, nonce: bigint) => {
    const o = chain.order(who, { kind: chain.OrderKind.CollectionBid, price, nonce });
    return submission(o, await chain.signOrder(who, o));
  };

  /** The market events of `maker`'s orders in the store, in global order (the truth). */
  async function storedFor(
    hashes: ReadonlySet<string>,
  ): Promise<{ position: string; type: string }[]> {
    const { rows } = await pool.query<{ position: string; type: string; hash: string | null }>(
      `SELECT position::text, type, data->>'hash' AS hash FROM ${schemas.eventStore}.events
        WHERE stream_name LIKE 'market-%' AND type IN ('OrderAccepted', 'OrderStatusChanged')
        ORDER BY position`,
    );
    return rows
      .filter((r) => r.hash && hashes.has(r.hash))
      .map(({ position, type }) => ({ position, type }));
  }

  it('streams every change of the key’s makers exactly once, in order, across a reconnect', async () => {
    const { token } = await keys.create(newKey({ makers: [maker.address] }));
    const auth = bearer(token);
    const first = await openOrderEvents(a.base, auth);
    await first.until('the opening comment', () => first.frames.length > 0, 10_000);

    // Three bids of the maker (bulk, with its key) and one of a stranger (single, no key).
    const res = await send(a.base, '/v1/orders', {
      body: {
        orders: await Promise.all(
          [0n, 1n, 2n].map((i) => bid(maker, (1n + i) * TUSD, nonceBase + i)),
        ),
      },
      headers: auth,
    });
    expect(res.status).toBe(200);
    const bulk = (await res.json()) as { results: { hash: string }[]; position: string };
    const hashes = new Set(bulk.results.map((r) => r.hash));
    expect(
      (await send(b.base, '/v1/orders', { body: await bid(stranger, 1n * TUSD, nonceBase) }))
        .status,
    ).toBe(201);

    await first.until('three events', () => first.events().length >= 3, 10_000);
    expect(first.events().map((f) => f.event)).toEqual([
      'OrderAccepted',
      'OrderAccepted',
      'OrderAccepted',
    ]);
    expect(first.events().map((f) => f.data?.['hash'])).toEqual([...hashes]);
    await first.close();
    const lastSeen = first.events().at(-1)!.id!;

    // While away: two of the three cancelled off-chain, one more bid, the stranger again.
    const cancelled = [...hashes].slice(0, 2) as `0x${string}`[];
    const cancel = { maker: maker.address, orderHashes: cancelled, issuedAt: chain.nowSeconds() };
    const signature = await chain.signCancel(maker, cancel);
    const cancelRes = await send(b.base, `/v1/orders/cancel?minPosition=${bulk.position}`, {
      body: { cancel: { ...cancel, issuedAt: cancel.issuedAt.toString() }, signature },
      headers: auth,
    });
    expect(cancelRes.status).toBe(200);
    const more = await send(a.base, '/v1/orders', {
      body: await bid(maker, 9n * TUSD, nonceBase + 9n),
      headers: auth,
    });
    expect(more.status).toBe(201);
    hashes.add(((await more.json()) as { results: { hash: string }[] }).results[0]!.hash);
    expect(
      (await send(a.base, '/v1/orders', { body: await bid(stranger, 2n * TUSD, nonceBase + 1n) }))
        .status,
    ).toBe(201);

    // Resume on the other instance, right after the last id seen.
    const second = await openOrderEvents(b.base, { ...auth, 'last-event-id': lastSeen });
    await second.until('three events after the resume', () => second.events().length >= 3, 10_000);
    // Nothing more arrives for a while (keep-alives only): no duplicate, nothing of the stranger.
    const keepAlives = () => second.frames.filter((f) => f.comment === 'keep-alive').length;
    await second.until('two keep-alive comments', () => keepAlives() >= 2, 10_000);
    await second.close();

    const got = [...first.events(), ...second.events()];
    const want = await storedFor(hashes);
    expect(got.map((f) => ({ position: f.id!, type: f.event! }))).toEqual(want);
    expect(want.map((w) => w.type)).toEqual([
      'OrderAccepted',
      'OrderAccepted',
      'OrderAccepted',
      'OrderStatusChanged',
      'OrderStatusChanged',
      'OrderAccepted',
    ]);
    expect(
      second
        .events()
        .slice(0, 2)
        .map((f) => [f.data?.['hash'], f.data?.['status']]),
    ).toEqual(cancelled.map((h) => [h, 'cancelled-off-chain']));
    for (const f of got) {
      expect(f.data?.['position']).toBe(f.id);
      expect(f.data?.['type']).toBe(f.event);
    }

    // A key for any maker sees the stranger's two orders too, from the start of the log.
    const { token: any } = await keys.create(newKey());
    const all = await openOrderEvents(a.base, bearer(any));
    await all.until('eight events', () => all.events().length >= 8, 10_000);
    expect(all.events().filter((f) => hashes.has(f.data?.['hash'] as string))).toHaveLength(6);
    await all.close();
  }, 60_000);

  it('refuses a malformed Last-Event-ID: 400 REQUEST.INVALID', async () => {
    const { token } = await keys.create(newKey());
    const res = await send(a.base, '/v1/orders/events', {
      headers: { ...bearer(token), 'last-event-id': '-1' },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'REQUEST.INVALID' });
  });

  it('ends its open streams when the gateway shuts down', async () => {
    const { token } = await keys.create(newKey());
    const stream = await openOrderEvents(b.base, bearer(token));
    await stream.until('the opening comment', () => stream.frames.length > 0, 10_000);
    const started = Date.now();
    await b.app.close();
    await stream.until('the end of the stream', () => stream.ended(), 5_000);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
