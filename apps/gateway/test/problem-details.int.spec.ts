// The real gateway (its root module, config, error table and the platform's bootstrap, on
// the test stack) answers every failure as application/problem+json carrying a code, never
// a bare Nest error body. A test-only controller beside the real routes raises the failures
// the gateway's routes will raise once orders land (event-store conflicts, validation).
import { connect, type AddressInfo } from 'node:net';
import { Body, Controller, Get, Post, type DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { EventStoreUnavailableError, WrongExpectedVersionError } from '@atelier/eventsourcing';
import { readDeployments } from '@atelier/chain';
import { createHttpApp, ZodValidationPipe } from '@atelier/platform';
import { z } from 'zod';
import { gatewayApp } from '../src/gateway.app';

const listing = z.object({ price: z.string().regex(/^[0-9]+$/, 'a decimal string') });

@Controller('test-only')
class RaisingController {
  @Post('listings')
  create(@Body(new ZodValidationPipe(listing)) body: z.infer<typeof listing>) {
    return body;
  }
  @Get('conflict')
  conflict() {
    throw new WrongExpectedVersionError('listing-1', 3n, 4n);
  }
  @Get('store-down')
  storeDown() {
    throw new EventStoreUnavailableError('connect ECONNREFUSED 10.9.8.7:5432');
  }
  @Get('deployments-missing')
  deploymentsMissing() {
    return readDeployments('/nonexistent/atelier/31337.json');
  }
  @Get('crash')
  crash() {
    throw new TypeError("Cannot read properties of undefined (reading 'privateKey')");
  }
}

describe('gateway errors as problem+json (real app on the test stack)', () => {
  let app: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    const config = { ...gatewayApp.loadConfig(), LOG_LEVEL: 'silent' as const };
    ({ app } = await createHttpApp(
      {
        ...gatewayApp,
        module: async (ctx): Promise<DynamicModule> => {
          const root = await gatewayApp.module(ctx);
          return { ...root, controllers: [...(root.controllers ?? []), RaisingController] };
        },
      },
      config,
    ));
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  }, 60_000);

  afterAll(async () => {
    await app?.close();
  });

  const problem = async (res: Response, status: number, code: string) => {
    expect({ status: res.status, type: res.headers.get('content-type') }).toEqual({
      status,
      type: 'application/problem+json; charset=utf-8',
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status, code, type: `urn:atelier:error:${code}` });
    expect(typeof body['title']).toBe('string');
    expect(typeof body['detail']).toBe('string');
    // Nest's own error body is { statusCode, message, error }: none of it may show.
    expect(body).not.toHaveProperty('statusCode');
    expect(body).not.toHaveProperty('message');
    return body;
  };

  it('still serves its routes as before', async () => {
    const res = await fetch(`${base}/v1/deployments`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await res.json()) as { chainId: number }).chainId).toBe(
      gatewayApp.loadConfig().CHAIN_ID,
    );
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
  });

  it('answers an unknown route 404 HTTP.NOT_FOUND, with or without a body', async () => {
    const get = await problem(await fetch(`${base}/v1/nope?x=1`), 404, 'HTTP.NOT_FOUND');
    expect(get['instance']).toBe('/v1/nope');
    const post = (body: string) =>
      fetch(`${base}/v1/nope`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    await problem(await post('{"a": 1}'), 404, 'HTTP.NOT_FOUND');
    // Fastify parses the body before its not-found handler runs, so bad JSON is named first.
    await problem(await post('{"not": json'), 400, 'REQUEST.MALFORMED_JSON');
  });

  it('answers what Fastify refuses before routing (an undecodable URL, an over-long path parameter) as problems', async () => {
    // A lone surrogate, percent-encoded: not a URL component Fastify can decode.
    const bad = await problem(
      await fetch(`${base}/v1/orders/%ED%A0%80?minPosition=1`),
      400,
      'HTTP.BAD_REQUEST',
    );
    expect(bad['instance']).toBe('/v1/orders/%ED%A0%80');
    // A path parameter over Fastify's maxParamLength (100 characters).
    const long = await problem(
      await fetch(`${base}/v1/orders/0x${'ab'.repeat(200)}`),
      414,
      'REQUEST.URI_TOO_LONG',
    );
    expect(long['detail']).toContain('max param length');
  });

  it('answers bytes that are not HTTP, and headers past the limit, as problems and closes', async () => {
    const { port } = app.getHttpServer().address() as AddressInfo;
    const raw = (bytes: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
        let answer = '';
        socket.on('data', (d: Buffer) => (answer += d.toString('utf8')));
        socket.on('close', () => resolve(answer));
        socket.on('error', reject);
      });
    const parse = (answer: string) => {
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      return { statusLine: head.split('\r\n')[0], head, body: JSON.parse(body) as unknown };
    };
    const garbage = parse(await raw('GARBAGE\r\n\r\n'));
    expect(garbage.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(garbage.head).toContain('Content-Type: application/problem+json; charset=utf-8');
    expect(garbage.body).toMatchObject({ status: 400, code: 'HTTP.BAD_REQUEST' });
    const header = parse(
      await raw('GET /v1/deployments HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'),
    );
    expect(header.body).toMatchObject({ status: 400, code: 'HTTP.BAD_REQUEST' });
    const huge = parse(
      await raw(`GET /v1/deployments HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`),
    );
    expect(huge.statusLine).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(huge.body).toMatchObject({ status: 431, code: 'REQUEST.HEADERS_TOO_LARGE' });
  });

  it('answers a GraphQL request without a query 400 REQUEST.INVALID, not 500', async () => {
    for (const body of ['{"query": ""}', '{"query": null}', '{}']) {
      const res = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect({ body, status: res.status, json: await res.json() }).toEqual({
        body,
        status: 400,
        json: {
          data: null,
          errors: [
            {
              message: 'the request has no query',
              extensions: { code: 'REQUEST.INVALID', status: 400 },
            },
          ],
        },
      });
    }
  });

  it('answers malformed JSON 400 REQUEST.MALFORMED_JSON and an invalid body 400 REQUEST.INVALID', async () => {
    const post = (body: string, type = 'application/json') =>
      fetch(`${base}/test-only/listings`, {
        method: 'POST',
        headers: { 'content-type': type },
        body,
      });
    await problem(await post('{"price": '), 400, 'REQUEST.MALFORMED_JSON');
    const invalid = await problem(await post('{"price": "1.5"}'), 400, 'REQUEST.INVALID');
    expect(invalid['errors']).toEqual([{ path: '/price', message: 'a decimal string' }]);
    await problem(
      await post('<listing/>', 'application/xml'),
      415,
      'REQUEST.UNSUPPORTED_MEDIA_TYPE',
    );
    await problem(
      await post(JSON.stringify({ price: '1', pad: 'x'.repeat(1_100_000) })),
      413,
      'REQUEST.TOO_LARGE',
    );
    const ok = await post('{"price": "15"}');
    expect({ status: ok.status, body: await ok.json() }).toEqual({
      status: 201,
      body: { price: '15' },
    });
  });

  it('answers a CodedError with the status of its code in the gateway table', async () => {
    const conflict = await problem(
      await fetch(`${base}/test-only/conflict`),
      409,
      'EVENT_STORE.WRONG_EXPECTED_VERSION',
    );
    expect(conflict).toMatchObject({ streamName: 'listing-1', expected: '3', actual: '4' });
    const down = await problem(
      await fetch(`${base}/test-only/store-down`),
      503,
      'EVENT_STORE.UNAVAILABLE',
    );
    expect(JSON.stringify(down)).not.toContain('10.9.8.7');
    const missing = await problem(
      await fetch(`${base}/test-only/deployments-missing`),
      503,
      'DEPLOYMENTS.UNREADABLE',
    );
    expect(JSON.stringify(missing)).not.toContain('/nonexistent');
  });

  it('still refuses to start without its deployments file (DEPLOYMENTS.UNREADABLE)', async () => {
    const config = {
      ...gatewayApp.loadConfig(),
      LOG_LEVEL: 'silent' as const,
      ATELIER_DEPLOYMENTS: '/nonexistent/atelier/31337.json',
    };
    await expect(createHttpApp(gatewayApp, config)).rejects.toMatchObject({
      name: 'DeploymentsError',
      code: 'DEPLOYMENTS.UNREADABLE',
    });
  });

  it('answers an unexpected error 500 INTERNAL.UNEXPECTED without leaking it', async () => {
    const res = await fetch(`${base}/test-only/crash`);
    const text = await res.clone().text();
    await problem(res, 500, 'INTERNAL.UNEXPECTED');
    expect(text).not.toMatch(/privateKey|TypeError|\.ts:\d+|at /);
  });
});
