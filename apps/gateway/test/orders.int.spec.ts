// The orders API of the real gateway (its root module, config and error table, booted in-process
// on the test stack: PostgreSQL event store, anvil, the deployed contracts) driven over HTTP the
// way an outside market maker drives it: plain viem signatures, a bulk submit answered per order,
// a taker that matches, an ask that undercuts a resting bid, reads that wait for their writes,
// an off-chain cancel of half the book and its replay. Then every kind of bad input: each a 4xx
// problem+json with its code, never a 5xx, and the event store's position unchanged.
import { Pool } from 'pg';
import type { HDAccount } from 'viem/accounts';
import {
  bootGateway,
  chainClients,
  apiKey,
  dropSchemas,
  gatewaySchemas,
  post as postAs,
  projectInBackground,
  storeHead,
  submission,
  type Gateway,
} from './orders.fixture';

const TUSD = 1_000_000n;

describe('orders API (real gateway, PostgreSQL, anvil)', () => {
  const schemas = gatewaySchemas();
  const chain = chainClients();
  let gateway: Gateway;
  let projector: ReturnType<typeof projectInBackground>;
  let pool: Pool;
  let maker: HDAccount;
  let taker: HDAccount;
  let works: bigint[];
  let key: string;
  /** Every write as the market maker's client sends it: with its API key. */
  const post = (base: string, path: string, body: unknown) => postAs(base, path, body, key);
  const nonceBase = BigInt(Date.now()) * 1000n;

  beforeAll(async () => {
    gateway = await bootGateway(schemas);
    projector = projectInBackground(gateway, schemas.readModel);
    key = await apiKey(gateway);
    pool = new Pool({ connectionString: process.env['GATEWAY_DATABASE_URL'], max: 2 });
    [maker, taker] = await Promise.all([chain.account(), chain.account()]);
    works = await chain.mintWorks(maker, 8);
    await chain.deposit(maker, 1_000n * TUSD);
    await chain.deposit(taker, 1_000n * TUSD);
  }, 120_000);

  afterAll(async () => {
    await projector?.stop();
    await gateway?.app.close();
    await pool?.end();
    await dropSchemas(schemas);
  });

  const problem = async (res: Response, status: number, code: string) => {
    const text = await res.text();
    expect({ status: res.status, type: res.headers.get('content-type'), text }).toMatchObject({
      status,
      type: 'application/problem+json; charset=utf-8',
    });
    const body = JSON.parse(text) as Record<string, unknown>;
    expect(body).toMatchObject({ status, code });
    return body;
  };

  const ask = (tokenId: bigint, price: bigint, nonce: bigint, who = maker) =>
    chain.order(who, { kind: chain.OrderKind.Ask, tokenId, price, nonce });
  const collectionBid = (price: bigint, nonce: bigint, who = maker) =>
    chain.order(who, { kind: chain.OrderKind.CollectionBid, price, nonce });
  const signed = async (o: ReturnType<typeof ask>, who = maker) =>
    submission(o, await chain.signOrder(who, o));

  const book: { hash: string; kind: number }[] = [];
  let lastPosition = '0';

  it('takes a market maker’s bulk submit: 200, one answer per order, each fillable', async () => {
    const orders = [
      ...works.slice(0, 6).map((t, i) => ask(t, 100n * TUSD, nonceBase + BigInt(i))),
      ...[10n, 20n, 30n, 40n].map((p, i) => collectionBid(p * TUSD, nonceBase + 100n + BigInt(i))),
    ];
    const res = await post(gateway.base, '/v1/orders', {
      orders: await Promise.all(orders.map((o) => signed(o))),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      results: { index: number; accepted: boolean; hash: string; status: string; trade: unknown }[];
      accepted: number;
      refused: number;
      position: string;
    };
    expect(body).toMatchObject({ accepted: 10, refused: 0 });
    expect(body.results.map((r) => [r.index, r.accepted, r.status, r.trade])).toEqual(
      orders.map((_, i) => [i, true, 'fillable', null]),
    );
    expect(body.position).toMatch(/^[1-9][0-9]*$/);
    for (const [i, r] of body.results.entries()) book.push({ hash: r.hash, kind: orders[i]!.kind });
    lastPosition = body.position;

    // read-your-writes: the read model is waited for, and says which position it reflects
    const one = await fetch(
      `${gateway.base}/v1/orders/${book[0]!.hash}?minPosition=${body.position}`,
    );
    expect(one.status).toBe(200);
    const read = (await one.json()) as { order: Record<string, unknown>; position: string };
    expect(read.order).toMatchObject({
      hash: book[0]!.hash,
      maker: maker.address.toLowerCase(),
      price: (100n * TUSD).toString(),
      tokenId: works[0]!.toString(),
      status: 'fillable',
    });
    expect(BigInt(read.position)).toBeGreaterThanOrEqual(BigInt(body.position));
  });

  it('matches a single crossing bid at the ask’s price: 201 with the trade', async () => {
    const bid = chain.order(taker, {
      kind: chain.OrderKind.TokenBid,
      tokenId: works[0]!,
      price: 120n * TUSD,
      nonce: nonceBase + 500n,
    });
    const res = await post(gateway.base, '/v1/orders', await signed(bid, taker));
    expect(res.status).toBe(201);
    const body = (await res.json()) as { results: Record<string, unknown>[]; position: string };
    expect(body.results[0]).toMatchObject({
      index: 0,
      accepted: true,
      status: 'reserved',
      trade: { price: (100n * TUSD).toString(), counterparty: book[0]!.hash, undercut: null },
    });
    lastPosition = body.position;
  });

  it('says so when an ask undercuts a resting bid', async () => {
    const bid = chain.order(taker, {
      kind: chain.OrderKind.TokenBid,
      tokenId: works[7]!,
      price: 150n * TUSD,
      nonce: nonceBase + 501n,
    });
    expect((await post(gateway.base, '/v1/orders', await signed(bid, taker))).status).toBe(201);
    const res = await post(
      gateway.base,
      '/v1/orders',
      await signed(ask(works[7]!, 90n * TUSD, nonceBase + 7n)),
    );
    expect(res.status).toBe(201);
    const body = (await res.json()) as { results: Record<string, unknown>[]; position: string };
    expect(body.results[0]).toMatchObject({
      status: 'reserved',
      trade: { price: (90n * TUSD).toString(), undercut: { bidPrice: (150n * TUSD).toString() } },
    });
    lastPosition = body.position;
  });

  it('lists by maker and status with a keyset cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q = new URLSearchParams({
        maker: maker.address, // EIP-55, as viem gives it
        status: 'fillable',
        limit: '4',
        minPosition: lastPosition,
        ...(cursor ? { cursor } : {}),
      });
      const res = await fetch(`${gateway.base}/v1/orders?${q}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: { hash: string }[]; nextCursor: string | null };
      seen.push(...page.items.map((o) => o.hash));
      cursor = page.nextCursor;
    } while (cursor);
    // 10 submitted, 1 matched; the undercutting ask matched too
    expect(new Set(seen)).toEqual(new Set(book.slice(1).map((o) => o.hash)));
  });

  it('cancels half of the book off-chain, says the signatures stay valid on chain, refuses a replay', async () => {
    const half = book.slice(1, 6).map((o) => o.hash as `0x${string}`);
    const cancel = { maker: maker.address, orderHashes: half, issuedAt: chain.nowSeconds() };
    const body = {
      cancel: { ...cancel, issuedAt: cancel.issuedAt.toString() },
      signature: await chain.signCancel(maker, cancel),
    };
    const res = await post(gateway.base, `/v1/orders/cancel?minPosition=${lastPosition}`, body);
    expect(res.status).toBe(200);
    const answer = (await res.json()) as {
      results: { hash: string; cancelled: boolean }[];
      position: string;
      note: string;
    };
    expect(answer.results).toEqual(half.map((hash) => ({ hash, cancelled: true })));
    expect(answer.note).toMatch(/valid on chain until cancelled there/);
    const read = await fetch(`${gateway.base}/v1/orders/${half[0]}?minPosition=${answer.position}`);
    expect(((await read.json()) as { order: { status: string } }).order.status).toBe(
      'cancelled-off-chain',
    );

    const head = await storeHead(pool, schemas.eventStore);
    await problem(await post(gateway.base, '/v1/orders/cancel', body), 409, 'CANCEL.REPLAYED');
    expect(await storeHead(pool, schemas.eventStore)).toBe(head);
  });

  describe('bad input: a 4xx problem with its code, never a 5xx, nothing appended', () => {
    let good: Awaited<ReturnType<typeof signed>>;
    let head: string;
    beforeAll(async () => {
      good = await signed(collectionBid(1n * TUSD, nonceBase + 900n));
    });
    beforeEach(async () => {
      head = await storeHead(pool, schemas.eventStore);
    });
    afterEach(async () => {
      expect(await storeHead(pool, schemas.eventStore)).toBe(head);
    });

    const fieldCode = async (res: Response, path: string, code: string) => {
      const body = await problem(res, 400, 'REQUEST.INVALID');
      expect(body['errors']).toEqual(
        expect.arrayContaining([expect.objectContaining({ path, code })]),
      );
    };
    const withOrder = (patch: Record<string, unknown>) => ({
      ...good,
      order: { ...good.order, ...patch },
    });

    it('malformed JSON', async () => {
      await problem(
        await post(gateway.base, '/v1/orders', '{"order": {'),
        400,
        'REQUEST.MALFORMED_JSON',
      );
    });

    it('10,000-deep JSON', async () => {
      const arrays = '['.repeat(10_000) + ']'.repeat(10_000);
      const deepArrays = await post(gateway.base, '/v1/orders', `{"orders": ${arrays}}`);
      await problem(deepArrays, 400, 'REQUEST.INVALID');
      const objects = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
      const deepObjects = await post(gateway.base, '/v1/orders', objects);
      const body = await problem(deepObjects, 400, 'REQUEST.INVALID');
      expect(body['errors']).toEqual(
        expect.arrayContaining([
          { path: '/a', message: expect.any(String), code: 'REQUEST.UNKNOWN_FIELD' },
        ]),
      );
    });

    it('a 10 MiB body: 413 REQUEST.TOO_LARGE', async () => {
      const big = JSON.stringify({ ...good, pad: 'x'.repeat(10 * 1024 * 1024) });
      await problem(await post(gateway.base, '/v1/orders', big), 413, 'REQUEST.TOO_LARGE');
    });

    it('more than 1,000 orders: 413 ORDERS.TOO_MANY', async () => {
      const res = await post(gateway.base, '/v1/orders', { orders: Array(1_001).fill({}) });
      await problem(res, 413, 'ORDERS.TOO_MANY');
    });

    it('numbers: 2^256, negative, decimal, exponent form, JSON numbers', async () => {
      const at = (v: unknown) => post(gateway.base, '/v1/orders', withOrder({ price: v }));
      await fieldCode(await at((1n << 256n).toString()), '/order/price', 'BIGINT.TOO_LARGE');
      await fieldCode(await at('-5'), '/order/price', 'BIGINT.NEGATIVE');
      await fieldCode(await at('1.5'), '/order/price', 'BIGINT.NOT_DECIMAL');
      await fieldCode(await at('1e6'), '/order/price', 'BIGINT.NOT_DECIMAL');
      await fieldCode(await at('007'), '/order/price', 'BIGINT.NOT_DECIMAL');
      await fieldCode(await at(1000000), '/order/price', 'BIGINT.NOT_DECIMAL');
      // Absent (JSON has no undefined: the field is left out) is named as required.
      const missing = await problem(await at(undefined), 400, 'REQUEST.INVALID');
      expect(missing['errors']).toEqual([
        {
          path: '/order/price',
          message: 'required: a uint256 as a decimal string ("123")',
          code: 'BIGINT.NOT_DECIMAL',
        },
      ]);
      await fieldCode(
        await post(gateway.base, '/v1/orders', withOrder({ expiry: (1n << 64n).toString() })),
        '/order/expiry',
        'BIGINT.TOO_LARGE',
      );
    });

    it('a price the packed settleBatch cannot carry (>= 2^128): 422 ORDER.OUT_OF_RANGE', async () => {
      const o = collectionBid(1n << 128n, nonceBase + 901n);
      await problem(
        await post(gateway.base, '/v1/orders', await signed(o)),
        422,
        'ORDER.OUT_OF_RANGE',
      );
    });

    it('wrong chain id, wrong contract', async () => {
      await problem(
        await post(gateway.base, '/v1/orders', { ...good, chainId: 1 }),
        422,
        'ORDER.WRONG_CHAIN',
      );
      await problem(
        await post(gateway.base, '/v1/orders', {
          ...good,
          verifyingContract: '0x000000000000000000000000000000000000dead',
        }),
        422,
        'ORDER.WRONG_CONTRACT',
      );
      // signed for another chain's domain without saying so: the signature does not verify here
      const o = collectionBid(1n * TUSD, nonceBase + 902n);
      const elsewhere = await chain.signOrder(maker, o, { ...chain.domain, chainId: 1 });
      await problem(
        await post(gateway.base, '/v1/orders', submission(o, elsewhere)),
        422,
        'ORDER.BAD_SIGNATURE',
      );
    });

    it('another order’s signature', async () => {
      const other = await signed(collectionBid(2n * TUSD, nonceBase + 903n));
      await problem(
        await post(gateway.base, '/v1/orders', { ...good, signature: other.signature }),
        422,
        'ORDER.BAD_SIGNATURE',
      );
    });

    it('a wrong EIP-55 checksum (the checksummed addresses above all pass)', async () => {
      const checksummed = maker.address;
      const flipped = checksummed.replace(/[a-f]/, (c) => c.toUpperCase());
      expect(flipped).not.toBe(checksummed);
      await fieldCode(
        await post(gateway.base, '/v1/orders', withOrder({ maker: flipped })),
        '/order/maker',
        'ID.BAD_CHECKSUM',
      );
      await fieldCode(
        await post(gateway.base, '/v1/orders', withOrder({ maker: '0x1234' })),
        '/order/maker',
        'ID.INVALID_ADDRESS',
      );
    });

    it('unknown fields, in the body and in the order', async () => {
      await fieldCode(
        await post(gateway.base, '/v1/orders', { ...good, feeRecipient: maker.address }),
        '/feeRecipient',
        'REQUEST.UNKNOWN_FIELD',
      );
      await fieldCode(
        await post(gateway.base, '/v1/orders', withOrder({ taker: maker.address })),
        '/order/taker',
        'REQUEST.UNKNOWN_FIELD',
      );
      await fieldCode(
        await post(gateway.base, '/v1/orders', { orders: [withOrder({ x: 1 })] }),
        '/orders/0/order/x',
        'REQUEST.UNKNOWN_FIELD',
      );
    });

    it('a cancel signed by someone else, and a stale one', async () => {
      const cancel = {
        maker: maker.address,
        orderHashes: [book[6]!.hash as `0x${string}`],
        issuedAt: chain.nowSeconds(),
      };
      const body = (signature: string, issuedAt = cancel.issuedAt) => ({
        cancel: { ...cancel, issuedAt: issuedAt.toString() },
        signature,
      });
      await problem(
        await post(gateway.base, '/v1/orders/cancel', body(await chain.signCancel(taker, cancel))),
        422,
        'CANCEL.BAD_SIGNATURE',
      );
      const old = { ...cancel, issuedAt: cancel.issuedAt - 3_600n };
      await problem(
        await post(
          gateway.base,
          '/v1/orders/cancel',
          body(await chain.signCancel(maker, old), old.issuedAt),
        ),
        422,
        'CANCEL.EXPIRED',
      );
    });

    it('reads: unknown order 404, bad cursor 400, bad query 400, a position not reached 409', async () => {
      await problem(
        await fetch(`${gateway.base}/v1/orders/0x${'ab'.repeat(32)}`),
        404,
        'ORDER.NOT_FOUND',
      );
      await problem(await fetch(`${gateway.base}/v1/orders/0x1234`), 400, 'REQUEST.INVALID');
      await problem(
        await fetch(`${gateway.base}/v1/orders?cursor=bm9wZQ`),
        400,
        'ORDERS.BAD_CURSOR',
      );
      await problem(await fetch(`${gateway.base}/v1/orders?limit=0`), 400, 'REQUEST.INVALID');
      await problem(await fetch(`${gateway.base}/v1/orders?sort=price`), 400, 'REQUEST.INVALID');
      await problem(
        await fetch(`${gateway.base}/v1/orders?minPosition=${10n ** 15n}`),
        409,
        'READ_MODEL.BEHIND',
      );
    });
  });
});
