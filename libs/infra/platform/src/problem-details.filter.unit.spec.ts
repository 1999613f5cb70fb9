// The filter in a real Nest app on Fastify, in process (fastify.inject, no port): every
// failure the HTTP pipeline can produce answers application/problem+json with a code.
import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DependencyCheck } from '@atelier/health';
import { CodedError } from '@atelier/kernel';
import { createMetrics, OpsModule } from '@atelier/observability';
import pino from 'pino';
import { z } from 'zod';
import {
  PLATFORM_ERROR_STATUS,
  type ErrorStatusTable,
  type PlatformErrorCode,
} from './problem-details';
import { createHttpApp } from './run-http-app';
import { ZodValidationPipe } from './zod-validation.pipe';

class StoreError extends CodedError<'STORE.CONFLICT' | 'STORE.UNMAPPED'> {
  override readonly name = 'StoreError';
}

const order = z.object({
  price: z.string().regex(/^[0-9]+$/),
  quantity: z.number().int().positive(),
});

@Controller('t')
class TestController {
  @Post('orders')
  submit(@Body(new ZodValidationPipe(order)) body: z.infer<typeof order>) {
    return { accepted: body };
  }
  @Get('conflict')
  conflict() {
    throw new StoreError('STORE.CONFLICT', 'stream s-1: expected revision 3, actual 4', {
      streamName: 's-1',
    });
  }
  @Get('unmapped')
  unmapped() {
    throw new StoreError('STORE.UNMAPPED', 'not in the table');
  }
  @Get('crash')
  crash() {
    throw new Error('db password is hunter2');
  }
}
const downKafka: DependencyCheck = {
  name: 'kafka',
  check: () => Promise.reject(new Error('broker unreachable')),
};
@Module({
  imports: [OpsModule.forRoot({ metrics: createMetrics('filter-spec'), checks: [downKafka] })],
  controllers: [TestController],
})
class TestModule {}

const table = {
  ...PLATFORM_ERROR_STATUS,
  'STORE.CONFLICT': 409,
} as const satisfies ErrorStatusTable<PlatformErrorCode | 'STORE.CONFLICT'>;

describe('ProblemDetailsFilter in a Nest Fastify app', () => {
  let app: NestFastifyApplication;
  const logs: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => void logs.push(JSON.parse(line)) },
  );

  beforeAll(async () => {
    ({ app } = await createHttpApp(
      {
        name: 'filter-spec',
        loadConfig: () => ({ HOST: '127.0.0.1', LOG_LEVEL: 'silent' }),
        port: () => 0,
        module: () => ({ module: TestModule }),
        errorStatus: table,
      },
      { HOST: '127.0.0.1', LOG_LEVEL: 'silent' },
      logger,
    ));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(() => app.close());

  const inject = (opts: {
    method: 'GET' | 'POST';
    url: string;
    headers?: Record<string, string>;
    payload?: string | object;
  }) => app.inject(opts);
  type Response = Awaited<ReturnType<typeof inject>>;

  const problemOf = (res: Response) => {
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    const body = res.json() as Record<string, unknown>;
    expect(body['status']).toBe(res.statusCode);
    return body;
  };

  it('answers a valid request as the route returns it', async () => {
    const res = await inject({
      method: 'POST',
      url: '/t/orders',
      payload: { price: '10', quantity: 1 },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ accepted: { price: '10', quantity: 1 } });
  });

  it('answers a CodedError with the status from the table and its details', async () => {
    const res = await inject({ method: 'GET', url: '/t/conflict?x=1' });
    expect(res.statusCode).toBe(409);
    expect(problemOf(res)).toEqual({
      type: 'urn:atelier:error:STORE.CONFLICT',
      title: 'Conflict',
      status: 409,
      detail: 'stream s-1: expected revision 3, actual 4',
      instance: '/t/conflict',
      code: 'STORE.CONFLICT',
      streamName: 's-1',
    });
  });

  it('answers an unexpected error 500 without leaking it, and logs it with the stack', async () => {
    logs.length = 0;
    const res = await inject({ method: 'GET', url: '/t/crash' });
    expect(res.statusCode).toBe(500);
    const body = problemOf(res);
    expect(body['code']).toBe('INTERNAL.UNEXPECTED');
    expect(res.body).not.toContain('hunter2');
    expect(res.body).not.toMatch(/stack|\.ts:\d+/);
    const line = logs.find((l) => l['code'] === 'INTERNAL.UNEXPECTED');
    expect(line).toMatchObject({ level: 50, path: '/t/crash', status: 500 });
    expect((line?.['err'] as { stack?: string }).stack).toContain('hunter2');
  });

  it('answers a code missing from the table 500 and logs which code it was', async () => {
    logs.length = 0;
    const res = await inject({ method: 'GET', url: '/t/unmapped' });
    expect(res.statusCode).toBe(500);
    expect(problemOf(res)['code']).toBe('INTERNAL.UNEXPECTED');
    expect(logs.find((l) => l['unmappedCode'] === 'STORE.UNMAPPED')).toBeDefined();
  });

  it('answers an invalid body 400 REQUEST.INVALID with errors[{ path, message }]', async () => {
    const res = await inject({
      method: 'POST',
      url: '/t/orders',
      payload: { price: '1.5', quantity: 0 },
    });
    expect(res.statusCode).toBe(400);
    const body = problemOf(res);
    expect(body).toMatchObject({
      code: 'REQUEST.INVALID',
      detail: 'the body is invalid (2 problem(s))',
    });
    expect((body['errors'] as { path: string }[]).map((e) => e.path)).toEqual([
      '/price',
      '/quantity',
    ]);
  });

  it('answers an unknown route 404 HTTP.NOT_FOUND', async () => {
    const res = await inject({ method: 'POST', url: '/nope', payload: { a: 1 } });
    expect(res.statusCode).toBe(404);
    expect(problemOf(res)).toMatchObject({ code: 'HTTP.NOT_FOUND', instance: '/nope' });
  });

  it('answers malformed JSON 400 REQUEST.MALFORMED_JSON', async () => {
    for (const payload of ['{"price": ', '']) {
      const res = await inject({
        method: 'POST',
        url: '/t/orders',
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expect(res.statusCode).toBe(400);
      expect(problemOf(res)['code']).toBe('REQUEST.MALFORMED_JSON');
    }
  });

  it('answers an unsupported media type 415 and a body over the limit 413', async () => {
    const xml = await inject({
      method: 'POST',
      url: '/t/orders',
      headers: { 'content-type': 'application/xml' },
      payload: '<order/>',
    });
    expect(xml.statusCode).toBe(415);
    expect(problemOf(xml)['code']).toBe('REQUEST.UNSUPPORTED_MEDIA_TYPE');
    const big = await inject({
      method: 'POST',
      url: '/t/orders',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ price: '1', pad: 'x'.repeat(1_100_000) }),
    });
    expect(big.statusCode).toBe(413);
    expect(problemOf(big)['code']).toBe('REQUEST.TOO_LARGE');
  });

  it('leaves a failing readiness probe its terminus body (503, not a problem)', async () => {
    const res = await inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toMatchObject({ status: 'error', details: { kafka: { status: 'down' } } });
  });
});
