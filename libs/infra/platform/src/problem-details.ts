// The HTTP face of the error model (docs/errors.md): every failure a service answers with is
// an RFC 9457 problem (`application/problem+json`) that carries the stable `code` of the
// error behind it. This module owns the problem shape, the status table type, the codes the
// platform itself raises, and the one function that turns anything thrown into a problem.
// It is framework-free: Nest's HttpException and Fastify's errors are recognised by their
// shape, so the mapping is unit-tested without booting an app.
import { STATUS_CODES } from 'node:http';
import { CodedError } from '@atelier/kernel';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** RFC 9457 members plus our `code`; extension members (e.g. `errors`) sit beside them. */
export interface ProblemDetails {
  /** `urn:atelier:error:<code>`: names the problem type; clients switch on `code`. */
  readonly type: string;
  /** The status phrase of `status` (constant per code, as the RFC asks of a title). */
  readonly title: string;
  readonly status: HttpErrorStatus;
  /** What happened this time; a fixed sentence for 5xx, so internals never leak. */
  readonly detail: string;
  /** The request path this problem occurred on. */
  readonly instance: string;
  /** `AREA.REASON`, the stable, documented part of the answer. */
  readonly code: string;
  readonly [extension: string]: unknown;
}

/** The statuses an error may answer with. */
export type HttpErrorStatus =
  | 400
  | 401
  | 403
  | 404
  | 405
  | 406
  | 408
  | 409
  | 410
  | 412
  | 413
  | 414
  | 415
  | 422
  | 429
  | 431
  | 500
  | 501
  | 502
  | 503
  | 504;

/**
 * An app's codes -> statuses, the only place a status is chosen. Declared with
 * `satisfies ErrorStatusTable<AppErrorCode>`, so a code the app can raise but the table
 * forgets, or a key that is no code of the app, is a type error (docs/errors.md).
 */
export type ErrorStatusTable<C extends string = string> = { readonly [K in C]: HttpErrorStatus };

/** Codes the platform raises itself: framework rejections, request validation, the fallback. */
export type PlatformErrorCode =
  | 'HTTP.BAD_REQUEST'
  | 'HTTP.UNAUTHORIZED'
  | 'HTTP.FORBIDDEN'
  | 'HTTP.NOT_FOUND'
  | 'HTTP.METHOD_NOT_ALLOWED'
  | 'HTTP.NOT_ACCEPTABLE'
  | 'HTTP.REQUEST_TIMEOUT'
  | 'HTTP.TOO_MANY_REQUESTS'
  | 'REQUEST.URI_TOO_LONG'
  | 'REQUEST.HEADERS_TOO_LARGE'
  | 'REQUEST.MALFORMED_JSON'
  | 'REQUEST.TOO_LARGE'
  | 'REQUEST.UNSUPPORTED_MEDIA_TYPE'
  | 'REQUEST.INVALID'
  | 'SERVICE.OVERLOADED'
  | 'INTERNAL.UNEXPECTED';

/** The platform's rows; every app's table spreads them first. */
export const PLATFORM_ERROR_STATUS = {
  'HTTP.BAD_REQUEST': 400,
  'HTTP.UNAUTHORIZED': 401,
  'HTTP.FORBIDDEN': 403,
  'HTTP.NOT_FOUND': 404,
  'HTTP.METHOD_NOT_ALLOWED': 405,
  'HTTP.NOT_ACCEPTABLE': 406,
  'HTTP.REQUEST_TIMEOUT': 408,
  'HTTP.TOO_MANY_REQUESTS': 429,
  'REQUEST.URI_TOO_LONG': 414,
  'REQUEST.HEADERS_TOO_LARGE': 431,
  'REQUEST.MALFORMED_JSON': 400,
  'REQUEST.TOO_LARGE': 413,
  'REQUEST.UNSUPPORTED_MEDIA_TYPE': 415,
  'REQUEST.INVALID': 400,
  // No database connection within the pool's wait (every one busy) or the server full: a
  // moment's overload, not a fault; the answer carries Retry-After.
  'SERVICE.OVERLOADED': 503,
  'INTERNAL.UNEXPECTED': 500,
} as const satisfies ErrorStatusTable<PlatformErrorCode>;

export const UNEXPECTED: PlatformErrorCode = 'INTERNAL.UNEXPECTED';
const HIDDEN_DETAIL = 'The server could not complete the request; the failure is logged.';
/** Problem members an error's details must not overwrite. */
const RESERVED = new Set(['type', 'title', 'status', 'detail', 'instance', 'code']);

/**
 * A status a framework rejection carries -> our code for it. The framework chose the
 * status, this names it; the status answered is still looked up in the app's table.
 */
const FRAMEWORK_STATUS_CODE: Readonly<Record<number, PlatformErrorCode>> = {
  400: 'HTTP.BAD_REQUEST',
  401: 'HTTP.UNAUTHORIZED',
  403: 'HTTP.FORBIDDEN',
  404: 'HTTP.NOT_FOUND',
  405: 'HTTP.METHOD_NOT_ALLOWED',
  406: 'HTTP.NOT_ACCEPTABLE',
  408: 'HTTP.REQUEST_TIMEOUT',
  413: 'REQUEST.TOO_LARGE',
  414: 'REQUEST.URI_TOO_LONG',
  415: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
  429: 'HTTP.TOO_MANY_REQUESTS',
  431: 'REQUEST.HEADERS_TOO_LARGE',
};

/** Fastify's body-parsing errors (node_modules/fastify/lib/errors.js) by their code. */
const FASTIFY_CODE: Readonly<Record<string, PlatformErrorCode>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'REQUEST.MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'REQUEST.MALFORMED_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'REQUEST.TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
};

/** What a thrown value means at the edge, before the table gives it a status. */
interface Failure {
  readonly code: string;
  /** Safe to show a client when the status is 4xx. */
  readonly detail: string;
  readonly extensions: Readonly<Record<string, unknown>>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Nest's HttpException, by shape (getStatus + getResponse), to stay framework-free. */
function httpExceptionFailure(e: Record<string, unknown>): Failure | undefined {
  if (typeof e['getStatus'] !== 'function' || typeof e['getResponse'] !== 'function')
    return undefined;
  const status = (e['getStatus'] as () => unknown)();
  if (typeof status !== 'number') return undefined;
  // Nest wraps Fastify's own errors (body parsing) in an HttpException with them as cause.
  const cause = e['cause'];
  const fromFastify = isObject(cause) ? fastifyFailure(cause) : undefined;
  if (fromFastify) return fromFastify;
  // A JSON body parser may report a syntax error as a 400 whose cause is the SyntaxError.
  const code =
    status === 400 && e['cause'] instanceof SyntaxError
      ? 'REQUEST.MALFORMED_JSON'
      : (FRAMEWORK_STATUS_CODE[status] ?? (status < 500 ? 'HTTP.BAD_REQUEST' : UNEXPECTED));
  return { code, detail: String(e['message'] ?? ''), extensions: {} };
}

/** Fastify's own errors carry `code: 'FST_…'` and the status they mean. */
function fastifyFailure(e: Record<string, unknown>): Failure | undefined {
  const code = e['code'];
  const status = e['statusCode'];
  if (typeof code !== 'string' || !code.startsWith('FST_') || typeof status !== 'number')
    return undefined;
  const ours = FASTIFY_CODE[code] ?? FRAMEWORK_STATUS_CODE[status];
  return ours && status < 500
    ? { code: ours, detail: String(e['message'] ?? ''), extensions: {} }
    : undefined;
}

function failureOf(e: unknown): Failure | undefined {
  if (e instanceof CodedError) return { code: e.code, detail: e.message, extensions: e.details };
  if (!isObject(e)) return undefined;
  // A body parser's SyntaxError that reached us bare (status 400 set by the parser).
  if (e instanceof SyntaxError && e['statusCode'] === 400)
    return { code: 'REQUEST.MALFORMED_JSON', detail: e.message, extensions: {} };
  return httpExceptionFailure(e) ?? fastifyFailure(e) ?? overloadFailure(e);
}

/**
 * pg's pool gives up waiting for a free connection with this message, and the server refuses a
 * connection past max_connections with SQLSTATE 53300: both mean "busy, retry", never a bug.
 */
function overloadFailure(e: Record<string, unknown>): Failure | undefined {
  const message = typeof e['message'] === 'string' ? e['message'] : '';
  if (message === 'timeout exceeded when trying to connect' || e['code'] === '53300')
    return {
      code: 'SERVICE.OVERLOADED',
      detail: 'the service is busy; retry shortly',
      extensions: {},
    };
  return undefined;
}

export interface ProblemOutcome {
  readonly problem: ProblemDetails;
  /** 5xx and unmapped codes are server faults (log at error, with the error); 4xx are not. */
  readonly serverFault: boolean;
  /** The code the error carried when the table had no row for it (answered as 500). */
  readonly unmappedCode?: string;
}

export interface ProblemOptions {
  /** The request path, for `instance`. */
  readonly instance: string;
  readonly typePrefix?: string;
}

/**
 * The problem an error answers with. The status comes only from `table`; a code without a
 * row, or anything that is not a known failure, answers 500 `INTERNAL.UNEXPECTED`, and a
 * 5xx never shows its message, details or stack (the caller logs the error itself).
 */
export function toProblem(
  error: unknown,
  table: ErrorStatusTable,
  { instance, typePrefix = 'urn:atelier:error:' }: ProblemOptions,
): ProblemOutcome {
  const failure = failureOf(error);
  const mapped =
    failure !== undefined && Object.hasOwn(table, failure.code) ? table[failure.code] : undefined;
  const unmappedCode = failure !== undefined && mapped === undefined ? failure.code : undefined;
  const code = mapped !== undefined && failure ? failure.code : UNEXPECTED;
  const status =
    mapped ?? (Object.hasOwn(table, UNEXPECTED) ? table[UNEXPECTED] : undefined) ?? 500;
  const shown = status < 500 && failure !== undefined;
  const extensions = shown
    ? Object.fromEntries(Object.entries(failure.extensions).filter(([k]) => !RESERVED.has(k)))
    : {};
  const problem: ProblemDetails = {
    ...extensions,
    type: `${typePrefix}${code}`,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail: shown ? failure.detail : HIDDEN_DETAIL,
    instance,
    code,
  };
  return { problem, serverFault: status >= 500, ...(unmappedCode ? { unmappedCode } : {}) };
}
