// The gateway's access layer on the real app, twice: two instances of the gateway on one
// database (as two replicas behind a balancer), driven over HTTP. Limits and quotas hold across
// both (exactly `burst` of a quick volley passes, wherever it lands; reads without a key are
// limited per instance instead, rate-limiter.ts), bad and revoked keys are
// refused, bulk and cancels need a key, a key acts only for its makers, and an Idempotency-Key
// answers a retry from the store without deciding again (real signed orders on anvil).
import { Pool } from 'pg';
import type { HDAccount } from 'viem/accounts';
import type { ApiKeyStore } from '../src/access/api-keys';
import { accessSchema, bearer, keyStore, newKey, problem, send } from './access.fixture';
import {
  bootGateway,
  chainClients,
  dropSchemas,
  gatewaySchemas,
  submission,
  type Gateway,
} from './orders.fixture';

const TUSD = 1_000_000n;

describe('access: API keys, limits across instances, idempotency (two real gateways)', () => {
  const schemas = gatewaySchemas();
  const access = accessSchema();
  const chain = chainClients();
  let a: Gateway;
  let b: Gateway;
  let keys: ApiKeyStore;
  let pool: Pool;
  let maker: HDAccount;
  const nonceBase = BigInt(Date.now()) * 1000n;

  beforeAll(async () => {
    // Callers without a key share one bucket per IP (here 127.0.0.1): large, barely refilling,
    // so the IP test below can set it exactly.
    const overrides = { ACCESS_SCHEMA: access, ACCESS_IP_RPS: 0.01, ACCESS_IP_BURST: 1000 };
    a = await bootGateway(schemas, overrides);
    b = await bootGateway(schemas, overrides);
    ({ keys, pool } = keyStore(access));
    maker = await chain.account();
    await chain.deposit(maker, 1_000n * TUSD);
  }, 120_000);

  afterAll(async () => {
    await a?.app.close();
    await b?.app.close();
    await pool?.query(`DROP SCHEMA IF EXISTS ${access} CASCADE`);
    await pool?.end();
    await dropSchemas(schemas);
  });

  const bid = async (price: bigint, nonce: bigint) => {
    const o = chain.order(maker, { kind: chain.OrderKind.CollectionBid, price, nonce });
    return submission(o, await chain.signOrder(maker, o));
  };

  it('refuses a malformed, unknown, wrong or revoked key: 401 AUTH.INVALID_KEY', async () => {
    const { key, token } = await keys.create(newKey());
    expect((await send(a.base, '/v1/deployments', { headers: bearer(token) })).status).toBe(200);
    expect(
      (await send(b.base, '/v1/deployments', { headers: { 'x-api-key': token } })).status,
    ).toBe(200);
    const wrongSecret = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const unknownId = token.replace(key.id, '0123456789abcdef');
    for (const t of ['nope', 'atl_x_y', wrongSecret, unknownId]) {
      const res = await send(a.base, '/v1/deployments', { headers: bearer(t) });
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const body = await problem(res, 401, 'AUTH.INVALID_KEY');
      // The secret never comes back in an answer.
      if (t.length > 30) expect(JSON.stringify(body)).not.toContain(t.slice(22));
    }
    await problem(
      await send(a.base, '/v1/deployments', { headers: { authorization: `Basic ${token}` } }),
      401,
      'AUTH.INVALID_KEY',
    );
    expect(await keys.revoke(key.id)).toBe(true);
    // Revocation is a row: the other instance refuses it at once too.
    for (const g of [a, b])
      await problem(
        await send(g.base, '/v1/deployments', { headers: bearer(token) }),
        401,
        'AUTH.INVALID_KEY',
      );
  });

  it('needs a key for a bulk submit, a cancel and the order stream, not for one order', async () => {
    await problem(
      await send(a.base, '/v1/orders', { body: { orders: [await bid(1n * TUSD, nonceBase)] } }),
      401,
      'AUTH.KEY_REQUIRED',
    );
    await problem(
      await send(b.base, '/v1/orders/cancel', {
        body: { cancel: { maker: maker.address, orderHashes: [], issuedAt: '0' }, signature: '0x' },
      }),
      401,
      'AUTH.KEY_REQUIRED',
    );
    await problem(await send(a.base, '/v1/orders/events'), 401, 'AUTH.KEY_REQUIRED');
    // One signed order authenticates itself (under the IP's limit).
    const one = await send(b.base, '/v1/orders', { body: await bid(1n * TUSD, nonceBase + 1n) });
    expect(one.status).toBe(201);
  });

  it('lets a key act only for its makers: 403 AUTH.MAKER_NOT_ALLOWED', async () => {
    const other = '0x' + '77'.repeat(20);
    const { token } = await keys.create(newKey({ makers: [maker.address] }));
    const mine = await bid(1n * TUSD, nonceBase + 2n);
    const foreign = { ...mine, order: { ...mine.order, maker: other } };
    const res = await send(a.base, '/v1/orders', {
      body: { orders: [mine, foreign] },
      headers: bearer(token),
    });
    expect((await problem(res, 403, 'AUTH.MAKER_NOT_ALLOWED'))['makers']).toEqual([other]);
    await problem(
      await send(b.base, '/v1/orders/cancel', {
        body: { cancel: { maker: other, orderHashes: [], issuedAt: '0' }, signature: '0x' },
        headers: bearer(token),
      }),
      403,
      'AUTH.MAKER_NOT_ALLOWED',
    );
    // Its own maker, in checksum case, passes (and is accepted).
    const ok = await send(b.base, '/v1/orders', {
      body: { orders: [mine] },
      headers: bearer(token),
    });
    expect(ok.status).toBe(200);
  });

  it('holds a key’s burst across both instances: 20 quick requests, exactly 10 pass', async () => {
    const { token } = await keys.create(newKey({ rps: 0.01, burst: 10 }));
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        send(i % 2 ? a.base : b.base, '/v1/deployments', { headers: bearer(token) }),
      ),
    );
    const passed = answers.filter((r) => r.status === 200);
    const limited = answers.filter((r) => r.status === 429);
    expect({ passed: passed.length, limited: limited.length }).toEqual({ passed: 10, limited: 10 });
    for (const r of limited) {
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      await problem(r, 429, 'RATE.LIMITED');
    }
  });

  it('holds the per-IP limit of writes without a key across both instances', async () => {
    // Five tokens left in this IP's bucket, refilling at 0.01/s: five of twelve pass (the guard
    // lets them in; the body is then refused by validation, 400), seven are limited.
    await pool.query(
      `INSERT INTO ${access}.rate_buckets (subject, tokens, refreshed_at, full_at, allowed)
       VALUES ('ip:127.0.0.1', 5, clock_timestamp(), clock_timestamp() + interval '1 day', true)
       ON CONFLICT (subject) DO UPDATE SET tokens = 5, refreshed_at = clock_timestamp()`,
    );
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        send(i % 2 ? a.base : b.base, '/v1/orders', { body: { x: 1 } }),
      ),
    );
    expect(answers.filter((r) => r.status === 400)).toHaveLength(5);
    const limited = answers.filter((r) => r.status !== 400);
    expect(limited).toHaveLength(7);
    await problem(limited[0]!, 429, 'RATE.LIMITED');
    // A key has its own bucket: the IP's exhaustion does not touch it.
    const { token } = await keys.create(newKey());
    expect((await send(a.base, '/v1/deployments', { headers: bearer(token) })).status).toBe(200);
    // Reads without a key are limited in each instance, not on the shared row: the exhausted
    // row refuses none of them, and they take nothing from it.
    const reads = await Promise.all(
      Array.from({ length: 12 }, (_, i) => send(i % 2 ? a.base : b.base, '/v1/deployments')),
    );
    expect(reads.map((r) => r.status)).toEqual(Array.from({ length: 12 }, () => 200));
    const { rows } = await pool.query<{ tokens: number }>(
      `SELECT tokens FROM ${access}.rate_buckets WHERE subject = 'ip:127.0.0.1'`,
    );
    expect(rows[0]!.tokens).toBeLessThan(1);
    await pool.query(`DELETE FROM ${access}.rate_buckets WHERE subject = 'ip:127.0.0.1'`);
  });

  it('puts GraphQL behind the same gate: bad keys, a key’s shared burst, the IP’s read bucket', async () => {
    const query = { query: '{ deployments { chainId } }' };
    /** A GraphQL refusal: the HTTP status and the gateway's code in the error's extensions. */
    const refusal = async (res: Response) => {
      const body = (await res.json()) as { errors: { extensions: Record<string, unknown> }[] };
      return { status: res.status, ...body.errors[0]!.extensions };
    };
    const bad = await send(a.base, '/graphql', { body: query, headers: bearer('atl_x_y') });
    expect(bad.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await refusal(bad)).toMatchObject({ status: 401, code: 'AUTH.INVALID_KEY' });
    // A key's bucket is the shared row, GraphQL or REST: 20 quick queries, exactly 10 pass.
    const { token } = await keys.create(newKey({ rps: 0.01, burst: 10 }));
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        send(i % 2 ? a.base : b.base, '/graphql', { body: query, headers: bearer(token) }),
      ),
    );
    expect(answers.filter((r) => r.status === 200)).toHaveLength(10);
    const limited = answers.filter((r) => r.status !== 200);
    expect(Number(limited[0]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refusal(limited[0]!)).toMatchObject({ status: 429, code: 'RATE.LIMITED' });
    // Without a key, the IP's read bucket of the instance: three of five pass, POST or GET.
    const c = await bootGateway(schemas, { ACCESS_SCHEMA: access, ACCESS_IP_RPS: 0.01, ACCESS_IP_BURST: 3 }); // prettier-ignore
    try {
      const keyless = [];
      for (let i = 0; i < 5; i++)
        keyless.push(
          i % 2
            ? await send(c.base, `/graphql?query=${encodeURIComponent(query.query)}`)
            : await send(c.base, '/graphql', { body: query }),
        );
      expect(keyless.map((r) => r.status)).toEqual([200, 200, 200, 429, 429]);
      expect(await refusal(keyless[4]!)).toMatchObject({ status: 429, code: 'RATE.LIMITED' });
    } finally {
      await c.app.close();
    }
  });

  it('counts orders against the daily quota on both instances: 429 RATE.QUOTA_EXCEEDED', async () => {
    const { key, token } = await keys.create(newKey({ dailyQuota: 5 }));
    const junk = (n: number) => ({ orders: Array.from({ length: n }, () => ({ x: 1 })) });
    // Admitted (3 of 5 counted), then refused by validation: the quota counts what was let in.
    await problem(
      await send(a.base, '/v1/orders', { body: junk(3), headers: bearer(token) }),
      400,
      'REQUEST.INVALID',
    );
    const over = await send(b.base, '/v1/orders', { body: junk(3), headers: bearer(token) });
    const retry = Number(over.headers.get('retry-after'));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(24 * 3600);
    expect(await problem(over, 429, 'RATE.QUOTA_EXCEEDED')).toMatchObject({ quota: 5, used: 3 });
    for (const g of [a, b])
      expect(
        (await send(g.base, '/v1/orders', { body: junk(1), headers: bearer(token) })).status,
      ).toBe(400);
    await problem(
      await send(a.base, '/v1/orders', { body: junk(1), headers: bearer(token) }),
      429,
      'RATE.QUOTA_EXCEEDED',
    );
    const { rows } = await pool.query(`SELECT used FROM ${access}.quota_usage WHERE key_id = $1`, [
      key.id,
    ]);
    expect(rows).toEqual([{ used: '5' }]);
  });

  const accepted = async (hash: string) => {
    const { rows } = await pool.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ${schemas.eventStore}.events
        WHERE type = 'OrderAccepted' AND data->>'hash' = $1`,
      [hash],
    );
    return Number(rows[0]!.n);
  };

  it('answers a retry with the same Idempotency-Key and body from the store, on either instance', async () => {
    const { token } = await keys.create(newKey({ makers: [maker.address] }));
    const headers = { ...bearer(token), 'idempotency-key': `idem-${nonceBase}-1` };
    const order = await bid(2n * TUSD, nonceBase + 10n);
    const first = await send(a.base, '/v1/orders', { body: order, headers });
    expect(first.status).toBe(201);
    const firstBody = (await first.json()) as { results: { hash: string }[] };
    const again = await send(b.base, '/v1/orders', { body: order, headers });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(firstBody);
    expect(await accepted(firstBody.results[0]!.hash)).toBe(1);
    // Without the key the same order is decided again, and refused as a duplicate.
    await problem(
      await send(a.base, '/v1/orders', { body: order, headers: bearer(token) }),
      409,
      'ORDER.DUPLICATE',
    );
    // The same key with another body: 409, nothing decided.
    const other = await bid(3n * TUSD, nonceBase + 11n);
    await problem(
      await send(b.base, '/v1/orders', { body: other, headers }),
      409,
      'IDEMPOTENCY.KEY_REUSED',
    );
    await problem(
      await send(a.base, '/v1/orders', {
        body: other,
        headers: { ...bearer(token), 'idempotency-key': 'a b' },
      }),
      400,
      'IDEMPOTENCY.KEY_INVALID',
    );
  });

  it('decides concurrent duplicates once: the others wait for that answer (or 409 IN_PROGRESS)', async () => {
    const { token } = await keys.create(newKey({ makers: [maker.address] }));
    const headers = { ...bearer(token), 'idempotency-key': `idem-${nonceBase}-2` };
    const orders = await Promise.all([0n, 1n, 2n].map((i) => bid(4n * TUSD, nonceBase + 20n + i)));
    const body = { orders };
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        send(i % 2 ? a.base : b.base, '/v1/orders', { body, headers }),
      ),
    );
    const texts = await Promise.all(answers.map((r) => r.text()));
    const ok = answers.flatMap((r, i) => (r.status === 200 ? [texts[i]!] : []));
    const busy = answers.filter((r) => r.status === 409);
    expect(ok.length + busy.length).toBe(6);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ok).size).toBe(1); // every 200 is the one stored answer
    for (const t of texts.filter((_, i) => answers[i]!.status === 409))
      expect(JSON.parse(t)).toMatchObject({ code: 'IDEMPOTENCY.IN_PROGRESS' });
    const { results } = JSON.parse(ok[0]!) as { results: { hash: string; accepted: boolean }[] };
    expect(results.map((r) => r.accepted)).toEqual([true, true, true]);
    for (const r of results) expect(await accepted(r.hash)).toBe(1);
  });
});
