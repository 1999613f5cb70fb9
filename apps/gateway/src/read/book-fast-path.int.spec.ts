// The order-book fast path (book-fast-path.ts) on a real gateway over PostgreSQL: the usual read
// (no key, a book in memory) is answered without Nest's pipeline, with the bytes and headers
// Nest's way answers for the same request, and still under the access gate: the IP's read
// bucket refuses past its burst (429 RATE.LIMITED, Retry-After), a bad key is refused (401), a
// key has its own bucket; bad input is still the controller's problem+json, and the route's
// metrics count every answer.
import { randomUUID } from 'node:crypto';
import { GUARDS_METADATA, INTERCEPTORS_METADATA, PIPES_METADATA } from '@nestjs/common/constants';
import type { ApplicationConfig } from '@nestjs/core';
import { AccessGuard } from '../access/access.guard';
import { bearer, problem, send } from '../../test/access.fixture';
import {
  apiKey,
  bootGateway,
  dropSchemas,
  gatewaySchemas,
  type Gateway,
} from '../../test/orders.fixture';
import { BookAnswers } from './book-answer';
import { BookHttpController } from './book.http.controller';
import { OrderBookCache } from './order-book-cache';

const C = `0x${randomUUID().replace(/-/g, '').slice(0, 8)}0000000000000000000000000000000c`;
const BOOK = `/v1/collections/${C}/book`;

const schemas = gatewaySchemas();
const opened: Gateway[] = [];

/** A gateway whose market tail runs (the books are served from memory only then). */
async function boot(overrides: Record<string, unknown> = {}): Promise<Gateway> {
  const g = await bootGateway(schemas, { PIPELINE_ENABLED: false, ...overrides });
  opened.push(g);
  const cache = g.app.get(OrderBookCache, { strict: false });
  const until = Date.now() + 20_000;
  while (!cache.reached(0n)) {
    if (Date.now() > until) throw new Error('the market tail did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return g;
}

/** Counts the reads that went Nest's way (the controller calls BookAnswers.get; the fast path
 *  only BookAnswers.now). */
function nestReads(g: Gateway) {
  const spy = jest.spyOn(g.app.get(BookAnswers, { strict: false }), 'get');
  spy.mockClear();
  return spy;
}

afterAll(async () => {
  for (const g of opened) await g.app.close();
  await dropSchemas(schemas);
});

describe('order books without Nest pipeline, behind the same gate', () => {
  it('answers the usual read at once, as Nest’s way answers it (GET and HEAD)', async () => {
    const g = await boot();
    const nest = nestReads(g);
    expect((await send(g.base, BOOK)).status).toBe(200); // loads the book: Nest's way
    expect(nest).toHaveBeenCalledTimes(1);
    const key = await apiKey(g);
    // The same second for both reads (the answer's `at`), else again.
    for (let attempt = 0; ; attempt++) {
      const fast = await send(g.base, BOOK);
      const keyed = await send(g.base, BOOK, { headers: bearer(key) }); // a key: Nest's way
      const [a, b] = [await fast.text(), await keyed.text()];
      if (a !== b && attempt < 5) continue;
      expect(a).toBe(b);
      for (const res of [fast, keyed]) {
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
        expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(a)));
      }
      expect(JSON.parse(a)).toMatchObject({ collection: C.toLowerCase(), currencies: [] });
      break;
    }
    const viaNest = nest.mock.calls.length;
    const head = await send(g.base, BOOK, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await head.text()).toBe('');
    // The same with a query the controller accepts, and for a token's book.
    expect((await send(g.base, `${BOOK}?levels=3`)).status).toBe(200);
    expect((await send(g.base, `${BOOK}?levels=3`)).status).toBe(200);
    expect((await send(g.base, `/v1/artworks/${C}/7/book`)).status).toBe(200);
    expect(nest).toHaveBeenCalledTimes(viaNest);

    // Counted by the route's metrics as any other answer.
    const metrics = await (await send(g.base, '/metrics')).text();
    const count = metrics
      .split('\n')
      .find(
        (l) =>
          l.startsWith('atelier_http_requests_total{') &&
          l.includes('method="GET"') &&
          l.includes('route="/v1/collections/:address/book"') &&
          l.includes('status="200"'),
      );
    expect(Number(count?.split(' ').pop())).toBeGreaterThanOrEqual(5);
  });

  it('refuses past the IP read bucket (429 with Retry-After) and bad keys (401); keys have their own bucket', async () => {
    const g = await boot({ ACCESS_IP_RPS: 0.01, ACCESS_IP_BURST: 3 });
    const nest = nestReads(g);
    const statuses = [];
    const answers = [];
    for (let i = 0; i < 5; i++) {
      const res = await send(g.base, BOOK);
      statuses.push(res.status);
      answers.push(res);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    // Only the first (which loaded the book) went Nest's way to an answer: the other two passed
    // the gate on the fast path, and the refusals were Nest's guard's.
    expect(nest).toHaveBeenCalledTimes(1);
    expect(Number(answers[3]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await problem(answers[3]!, 429, 'RATE.LIMITED');

    const bad = await send(g.base, BOOK, { headers: bearer('atl_x_y') });
    expect(bad.headers.get('www-authenticate')).toMatch(/^Bearer/);
    await problem(bad, 401, 'AUTH.INVALID_KEY');
    const other = await send(g.base, BOOK, { headers: { 'x-api-key': 'atl_x_y' } });
    await problem(other, 401, 'AUTH.INVALID_KEY');
    const key = await apiKey(g);
    expect((await send(g.base, BOOK, { headers: bearer(key) })).status).toBe(200);
  });

  it('replaces a pipeline that is still only the access guard (else the fast path needs more)', () => {
    // The fast path does what Nest's pipeline does for the book routes: the global AccessGuard,
    // then the controller's pipes. Another global guard, interceptor or pipe, or one on the
    // controller, would be skipped by it: this fails first, so book-fast-path.ts is looked at.
    const config = (opened[0]!.app as unknown as { config: ApplicationConfig }).config;
    expect(config.getGlobalGuards().map((g) => g.constructor)).toEqual([AccessGuard]);
    expect([
      ...config.getGlobalInterceptors(),
      ...config.getGlobalPipes(),
      ...config.getGlobalRequestGuards(),
      ...config.getGlobalRequestInterceptors(),
      ...config.getGlobalRequestPipes(),
      ...config.getGlobalPreRequestHooks(),
    ]).toEqual([]);
    const { prototype } = BookHttpController;
    for (const target of [BookHttpController, prototype.collection, prototype.token])
      for (const key of [GUARDS_METADATA, INTERCEPTORS_METADATA, PIPES_METADATA])
        expect([key, Reflect.getMetadata(key, target)]).toEqual([key, undefined]);
  });

  it('answers bad input as the controller does: problem+json, or 404 for an empty segment', async () => {
    const g = opened[0]!;
    const nest = nestReads(g);
    await problem(await send(g.base, '/v1/collections/0x12/book'), 400, 'REQUEST.INVALID');
    await problem(await send(g.base, `${BOOK}?level=3`), 400, 'REQUEST.INVALID');
    await problem(await send(g.base, `${BOOK}?levels=0`), 400, 'REQUEST.INVALID');
    await problem(await send(g.base, `${BOOK}?levels=1&levels=2`), 400, 'REQUEST.INVALID');
    await problem(await send(g.base, `/v1/artworks/${C}/x/book`), 400, 'REQUEST.INVALID');
    expect((await send(g.base, '/v1/collections//book')).status).toBe(404);
    // None reached the controller: its pipes refused them.
    expect(nest).not.toHaveBeenCalled();
  });
});
