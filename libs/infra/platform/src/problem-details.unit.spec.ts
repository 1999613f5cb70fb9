import { CodedError } from '@atelier/kernel';
import { z } from 'zod';
import {
  PLATFORM_ERROR_STATUS,
  toProblem,
  type ErrorStatusTable,
  type PlatformErrorCode,
} from './problem-details';
import { parseRequest, RequestValidationError } from './request-validation';

type TestCode = PlatformErrorCode | 'ORDER.EXPIRED' | 'STORE.UNAVAILABLE' | 'STORE.CORRUPT';
class TestError extends CodedError<string> {
  override readonly name = 'TestError';
}
const table = {
  ...PLATFORM_ERROR_STATUS,
  'ORDER.EXPIRED': 422,
  'STORE.UNAVAILABLE': 503,
  'STORE.CORRUPT': 500,
} as const satisfies ErrorStatusTable<TestCode>;
const at = { instance: '/v1/orders' };

describe('toProblem', () => {
  it('answers a CodedError with the status of its code, its message and details', () => {
    const { problem, serverFault } = toProblem(
      new TestError('ORDER.EXPIRED', 'the order expired at 12:00', { orderHash: '0xab' }),
      table,
      at,
    );
    expect(problem).toEqual({
      type: 'urn:atelier:error:ORDER.EXPIRED',
      title: 'Unprocessable Entity',
      status: 422,
      detail: 'the order expired at 12:00',
      instance: '/v1/orders',
      code: 'ORDER.EXPIRED',
      orderHash: '0xab',
    });
    expect(serverFault).toBe(false);
  });

  it('keeps the problem members when details name one of them', () => {
    const { problem } = toProblem(
      new TestError('ORDER.EXPIRED', 'expired', { status: 'x', code: 'y', type: 'z' }),
      table,
      at,
    );
    expect(problem).toMatchObject({ status: 422, code: 'ORDER.EXPIRED' });
    expect(problem.type).toBe('urn:atelier:error:ORDER.EXPIRED');
  });

  it('shows the code of a mapped 5xx but never its message or details', () => {
    const { problem, serverFault } = toProblem(
      new TestError('STORE.UNAVAILABLE', 'connect ECONNREFUSED 10.1.2.3:5432', {
        host: '10.1.2.3',
      }),
      table,
      at,
    );
    expect(problem.status).toBe(503);
    expect(problem.code).toBe('STORE.UNAVAILABLE');
    expect(JSON.stringify(problem)).not.toContain('10.1.2.3');
    expect(serverFault).toBe(true);
  });

  it('answers an unexpected error 500 INTERNAL.UNEXPECTED without leaking message or stack', () => {
    const e = new TypeError("Cannot read properties of undefined (reading 'secret')");
    const { problem, serverFault, unmappedCode } = toProblem(e, table, at);
    expect(problem).toMatchObject({ status: 500, code: 'INTERNAL.UNEXPECTED' });
    expect(problem.title).toBe('Internal Server Error');
    const text = JSON.stringify(problem);
    expect(text).not.toContain('secret');
    expect(text).not.toContain('stack');
    expect(text).not.toContain(__filename);
    expect(serverFault).toBe(true);
    expect(unmappedCode).toBeUndefined();
  });

  it('answers a pool that found no free connection, or a full server, 503 SERVICE.OVERLOADED', () => {
    const poolTimeout = new Error('timeout exceeded when trying to connect');
    const tooMany = Object.assign(new Error('sorry, too many clients already'), { code: '53300' });
    for (const e of [poolTimeout, tooMany])
      expect(toProblem(e, table, at).problem).toMatchObject({
        status: 503,
        code: 'SERVICE.OVERLOADED',
      });
  });

  it('answers a code the table lacks 500 INTERNAL.UNEXPECTED and says which code it was', () => {
    const { problem, unmappedCode } = toProblem(
      new TestError('LEDGER.NEGATIVE', 'balance would go negative', { account: 'a' }),
      table,
      at,
    );
    expect(problem).toMatchObject({ status: 500, code: 'INTERNAL.UNEXPECTED' });
    expect(JSON.stringify(problem)).not.toContain('negative');
    expect(unmappedCode).toBe('LEDGER.NEGATIVE');
  });

  it('answers thrown non-errors (strings, null) as unexpected', () => {
    for (const thrown of ['boom', null, undefined, 42, { code: 'ORDER.EXPIRED' }])
      expect(toProblem(thrown, table, at).problem).toMatchObject({
        status: 500,
        code: 'INTERNAL.UNEXPECTED',
      });
  });

  it('answers a validation failure 400 REQUEST.INVALID with errors[{ path, message }]', () => {
    const schema = z.object({
      price: z.string().regex(/^[0-9]+$/, 'a decimal string'),
      items: z.array(z.object({ 'a/b': z.number() })),
    });
    let thrown: unknown;
    try {
      parseRequest(schema, { price: '1.5', items: [{ 'a/b': 'x' }] }, 'body');
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(RequestValidationError);
    const { problem } = toProblem(thrown, table, at);
    expect(problem).toMatchObject({
      status: 400,
      code: 'REQUEST.INVALID',
      title: 'Bad Request',
      detail: 'the body is invalid (2 problem(s))',
    });
    expect(problem['errors']).toEqual([
      { path: '/price', message: 'a decimal string' },
      { path: '/items/0/a~1b', message: expect.stringContaining('number') },
    ]);
  });

  it("names Nest's HttpExceptions and Fastify's body errors with platform codes", () => {
    const nestLike = (status: number, message: string, cause?: unknown) =>
      Object.assign(new Error(message, { cause }), {
        getStatus: () => status,
        getResponse: () => ({ statusCode: status, message }),
      });
    const fastifyLike = (code: string, statusCode: number) =>
      Object.assign(new Error(code), { code, statusCode });
    const cases: [unknown, string, number][] = [
      [nestLike(404, 'Cannot GET /nope'), 'HTTP.NOT_FOUND', 404],
      [nestLike(400, 'Unexpected token', new SyntaxError('x')), 'REQUEST.MALFORMED_JSON', 400],
      [nestLike(400, 'Validation failed'), 'HTTP.BAD_REQUEST', 400],
      [nestLike(413, 'too large'), 'REQUEST.TOO_LARGE', 413],
      [nestLike(418, 'teapot'), 'HTTP.BAD_REQUEST', 400],
      [nestLike(502, 'bad gateway'), 'INTERNAL.UNEXPECTED', 500],
      [fastifyLike('FST_ERR_CTP_INVALID_JSON_BODY', 400), 'REQUEST.MALFORMED_JSON', 400],
      [fastifyLike('FST_ERR_CTP_EMPTY_JSON_BODY', 400), 'REQUEST.MALFORMED_JSON', 400],
      [fastifyLike('FST_ERR_CTP_BODY_TOO_LARGE', 413), 'REQUEST.TOO_LARGE', 413],
      [fastifyLike('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415), 'REQUEST.UNSUPPORTED_MEDIA_TYPE', 415],
      [fastifyLike('FST_ERR_SOMETHING_INTERNAL', 500), 'INTERNAL.UNEXPECTED', 500],
      [
        Object.assign(new SyntaxError('bad json'), { statusCode: 400 }),
        'REQUEST.MALFORMED_JSON',
        400,
      ],
    ];
    for (const [error, code, status] of cases)
      expect(toProblem(error, table, at).problem).toMatchObject({ code, status });
  });

  it('takes every status from the table, also for framework rejections', () => {
    const strict = { ...table, 'HTTP.NOT_FOUND': 410 } as const;
    const notFound = Object.assign(new Error('Cannot GET /x'), {
      getStatus: () => 404,
      getResponse: () => ({}),
    });
    expect(toProblem(notFound, strict, at).problem).toMatchObject({
      status: 410,
      title: 'Gone',
      code: 'HTTP.NOT_FOUND',
    });
  });
});
