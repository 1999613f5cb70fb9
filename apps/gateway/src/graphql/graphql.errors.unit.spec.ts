// The GraphQL error formatter: codes and statuses from the gateway's one table, 5xx hidden and
// logged, mercurius' wrappers unwrapped (but not REQUEST.INVALID's own `errors`), the HTTP status
// by the GraphQL-over-HTTP rule.
import { Writable } from 'node:stream';
import { GraphQLError } from 'graphql';
import pino from 'pino';
import { ChainReadError } from '@atelier/market-projections';
import { RequestValidationError } from '@atelier/platform';
import { GATEWAY_ERROR_STATUS } from '../http-errors';
import { graphqlErrorFormatter } from './graphql.errors';
import { GraphqlLimitError } from './query-limits';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: pino({ level: 'debug' }, stream) };
}

const thrown = (original: Error, path: readonly (string | number)[] = ['artworks']) =>
  new GraphQLError(original.message, { originalError: original, path });

describe('graphqlErrorFormatter', () => {
  it('answers a coded refusal of a resolver with its code, status and message (data null: 400)', () => {
    const { logger, lines } = capture();
    const format = graphqlErrorFormatter(GATEWAY_ERROR_STATUS, logger);
    const out = format({
      data: null,
      errors: [
        thrown(
          new ChainReadError('READ.BAD_CURSOR', 'the cursor is not one this listing gave', {
            parameter: 'cursor',
          }),
        ),
      ],
    });
    expect(out.statusCode).toBe(400);
    expect(out.response.errors).toEqual([
      {
        message: 'the cursor is not one this listing gave',
        path: ['artworks'],
        extensions: { code: 'READ.BAD_CURSOR', status: 400, parameter: 'cursor' },
      },
    ]);
    expect(lines).toEqual([]);
  });

  it('keeps REQUEST.INVALID’s own errors[] as an extension (not a mercurius wrapper)', () => {
    const format = graphqlErrorFormatter(GATEWAY_ERROR_STATUS, capture().logger);
    const invalid = new RequestValidationError(
      [{ path: '/creator', message: 'a 20-byte hex address' }],
      'arguments',
    );
    const out = format({ data: null, errors: [thrown(invalid)] });
    expect(out.statusCode).toBe(400);
    expect(out.response.errors[0]!.extensions).toEqual({
      code: 'REQUEST.INVALID',
      status: 400,
      errors: [{ path: '/creator', message: 'a 20-byte hex address' }],
    });
  });

  it('hides and logs anything unexpected: 500 INTERNAL.UNEXPECTED, 503 for a full pool', () => {
    const { logger, lines } = capture();
    const format = graphqlErrorFormatter(GATEWAY_ERROR_STATUS, logger);
    const out = format({
      data: null,
      errors: [thrown(new TypeError("Cannot read properties of undefined (reading 'secret')"))],
    });
    expect(out.statusCode).toBe(500);
    expect(out.response.errors[0]!.message).not.toContain('secret');
    expect(out.response.errors[0]!.extensions).toEqual({
      code: 'INTERNAL.UNEXPECTED',
      status: 500,
    });
    expect(lines).toEqual([
      expect.objectContaining({ level: 50, code: 'INTERNAL.UNEXPECTED', path: ['artworks'] }),
    ]);
    const busy = format({
      data: null,
      errors: [thrown(new Error('timeout exceeded when trying to connect'))],
    });
    expect(busy.statusCode).toBe(503);
    expect(busy.response.errors[0]!.extensions!['code']).toBe('SERVICE.OVERLOADED');
    // A null in a non-null field, graphql-js's own execution error: ours too.
    const bug = format({
      data: null,
      errors: [new GraphQLError('Cannot return null for non-nullable field', { path: ['x'] })],
    });
    expect(bug.statusCode).toBe(500);
  });

  it('unwraps mercurius refusals before execution; graphql-js refusals are REQUEST.INVALID', () => {
    const format = graphqlErrorFormatter(GATEWAY_ERROR_STATUS, capture().logger);
    const wrapper = Object.assign(new Error('Graphql validation error'), {
      code: 'MER_ERR_GQL_VALIDATION',
      statusCode: 400,
      errors: [
        new GraphQLError('Cannot query field "color" on type "Artwork".'),
        new GraphQLError('introspection is disabled on this server', {
          extensions: { code: 'GRAPHQL.INTROSPECTION_DISABLED' },
        }),
      ],
    });
    const out = format({ errors: [new GraphQLError(wrapper.message, { originalError: wrapper })] });
    expect(out.statusCode).toBe(400);
    expect(out.response.data).toBeNull();
    expect(out.response.errors.map((e) => e.extensions)).toEqual([
      { code: 'REQUEST.INVALID', status: 400 },
      { code: 'GRAPHQL.INTROSPECTION_DISABLED', status: 400 },
    ]);
    const limit = format({
      errors: [
        new GraphQLError('too deep', {
          originalError: new GraphqlLimitError('GRAPHQL.TOO_DEEP', 'too deep', { depth: 12 }),
        }),
      ],
    });
    expect(limit.statusCode).toBe(400);
    expect(limit.response.errors[0]!.extensions).toEqual({
      code: 'GRAPHQL.TOO_DEEP',
      status: 400,
      depth: 12,
    });
  });

  it('answers mercurius refusing the request itself (no query, a method) with its 4xx, not 500', () => {
    const { logger, lines } = capture();
    const format = graphqlErrorFormatter(GATEWAY_ERROR_STATUS, logger);
    const refused = (code: string, message: string, statusCode: number) =>
      format({
        errors: [
          new GraphQLError(message, {
            originalError: Object.assign(new Error(message), { code, statusCode }),
          }),
        ],
      });
    // {"query": ""} or {"query": null}: mercurius looks for a persisted query and finds none.
    const empty = refused('MER_ERR_GQL_PERSISTED_QUERY_NOT_FOUND', 'Unknown query', 400);
    expect(empty.statusCode).toBe(400);
    expect(empty.response.errors).toEqual([
      {
        message: 'the request has no query',
        extensions: { code: 'REQUEST.INVALID', status: 400 },
      },
    ]);
    const method = refused('MER_ERR_METHOD_NOT_ALLOWED', 'Method not allowed', 405);
    expect(method.statusCode).toBe(405);
    expect(method.response.errors[0]!.extensions).toEqual({
      code: 'HTTP.METHOD_NOT_ALLOWED',
      status: 405,
    });
    // A mercurius error with a 5xx (or none) is still ours to hide and log.
    const broken = refused('MER_ERR_GQL_INVALID_SCHEMA', 'Invalid schema', 500);
    expect(broken.statusCode).toBe(500);
    expect(broken.response.errors[0]!.extensions).toEqual({
      code: 'INTERNAL.UNEXPECTED',
      status: 500,
    });
    expect(lines.map((l) => l['code'])).toEqual(['INTERNAL.UNEXPECTED']);
  });

  it('answers 200 beside partial data, whatever the errors', () => {
    const format = graphqlErrorFormatter(GATEWAY_ERROR_STATUS, capture().logger);
    const out = format({
      data: { trades: { items: [{ artwork: null }] } },
      errors: [thrown(new TypeError('boom'), ['trades', 'items', 0, 'artwork'])],
    });
    expect(out.statusCode).toBe(200);
    expect(out.response.data).toEqual({ trades: { items: [{ artwork: null }] } });
    expect(out.response.errors[0]!.extensions!['code']).toBe('INTERNAL.UNEXPECTED');
  });
});
