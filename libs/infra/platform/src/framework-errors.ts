// The failures Fastify answers before Nest routes a request, answered like every other one:
// problem+json through toProblem with the app's table. Fastify's defaults send a JSON body of
// their own (`{ error, code, message, statusCode }`) for
// - a URL that does not decode (`%ED%A0%80`, a lone surrogate): FST_ERR_BAD_URL, 400;
// - a path parameter longer than maxParamLength (100): FST_ERR_MAX_PARAM_LENGTH, 414;
// - bytes that are not an HTTP request (a malformed request line or header), headers past
//   node's limit, or a request that did not arrive in time: node's `clientError`, 400 / 431 / 408.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { CodedError } from '@atelier/kernel';
import type { Logger } from '@atelier/observability';
import { PROBLEM_CONTENT_TYPE, toProblem, type ErrorStatusTable } from './problem-details';
import { problemAnswer } from './problem-details.filter';

/** Fastify's `frameworkErrors` option: a bad URL or an over-long path parameter as a problem. */
export const frameworkErrorHandler =
  (table: ErrorStatusTable, logger: Logger) =>
  (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const answer = problemAnswer(error, request, table, logger);
    void reply.code(answer.status).headers(answer.headers).send(answer.body);
  };

/** A request node's HTTP parser gave up on; its code is the platform's. */
export class ClientRequestError extends CodedError<
  'HTTP.BAD_REQUEST' | 'HTTP.REQUEST_TIMEOUT' | 'REQUEST.HEADERS_TOO_LARGE'
> {
  override readonly name = 'ClientRequestError';
}

/** node's `clientError` -> our error (undefined: the connection is gone, nothing to answer). */
export function clientRequestError(err: NodeJS.ErrnoException): ClientRequestError | undefined {
  if (err.code === 'ECONNRESET') return undefined;
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return new ClientRequestError('HTTP.REQUEST_TIMEOUT', 'the request did not arrive in time');
  if (err.code === 'HPE_HEADER_OVERFLOW')
    return new ClientRequestError(
      'REQUEST.HEADERS_TOO_LARGE',
      'the request headers are larger than the server accepts',
    );
  return new ClientRequestError('HTTP.BAD_REQUEST', 'the request is not valid HTTP/1.1');
}

/**
 * Fastify's `clientErrorHandler` option: there is no request to route (node could not parse
 * one), so the answer is written to the socket as node itself would, as problem+json, and the
 * connection closed.
 */
export const clientErrorHandler =
  (table: ErrorStatusTable, logger: Logger) =>
  (err: NodeJS.ErrnoException, socket: Socket): void => {
    const error = clientRequestError(err);
    if (!error || socket.destroyed) return;
    const { problem } = toProblem(error, table, { instance: '' });
    logger.debug({ status: problem.status, code: problem.code, err }, 'client error');
    const body = JSON.stringify(problem);
    if (socket.writable)
      socket.write(
        `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? 'Error'}\r\n` +
          `Content-Type: ${PROBLEM_CONTENT_TYPE}; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    socket.destroy(err);
  };
