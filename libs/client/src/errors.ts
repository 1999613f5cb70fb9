// What the client throws. A gateway answer that is not 2xx becomes an AtelierApiError carrying
// the RFC 9457 problem (docs/errors.md): its stable `code`, `status`, `detail` and, for
// REQUEST.INVALID, `errors[]` naming each field. A request that got no answer at all (refused
// connection, reset, DNS) is an AtelierNetworkError instead, so callers can tell "the server
// said no" from "the server was not reached". Both are the kernel's CodedError.
import { CodedError } from '@atelier/kernel';

/** One invalid field of a REQUEST.INVALID problem: a JSON Pointer into the request part. */
export interface ProblemFieldError {
  readonly path: string;
  readonly message: string;
  /** The field's own code (`BIGINT.NOT_DECIMAL`, `ID.BAD_CHECKSUM`, `REQUEST.UNKNOWN_FIELD`, …). */
  readonly code?: string;
}

/** An RFC 9457 problem as the gateway answers it. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly instance?: string;
  readonly code: string;
  readonly [extension: string]: unknown;
}

/** The code given to an error answer that is not a problem (a proxy's HTML page, say). */
export const NOT_A_PROBLEM = 'CLIENT.UNEXPECTED_RESPONSE';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function isProblem(v: unknown): v is Problem {
  return isObject(v) && typeof v['code'] === 'string' && typeof v['status'] === 'number';
}

function fieldErrors(v: unknown): ProblemFieldError[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isObject).map((e) => ({
    path: typeof e['path'] === 'string' ? e['path'] : '',
    message: typeof e['message'] === 'string' ? e['message'] : '',
    ...(typeof e['code'] === 'string' ? { code: e['code'] } : {}),
  }));
}

export class AtelierApiError extends CodedError<string> {
  override readonly name = 'AtelierApiError';
  readonly status: number;
  readonly detail: string;
  /** Each invalid field (REQUEST.INVALID); empty otherwise. */
  readonly errors: readonly ProblemFieldError[];
  /** The whole problem body (extension members such as `index`, `hash`, `max`), if there was one. */
  readonly problem: Problem | undefined;
  /** The server's Retry-After, in ms, when it sent one (429, 503). */
  readonly retryAfterMs: number | undefined;

  constructor(
    status: number,
    body: unknown,
    init: { retryAfterMs?: number; method?: string; url?: string } = {},
  ) {
    const problem = isProblem(body) ? body : undefined;
    const code = problem?.code ?? NOT_A_PROBLEM;
    const detail =
      typeof problem?.detail === 'string'
        ? problem.detail
        : typeof body === 'string'
          ? body.slice(0, 200)
          : '';
    const where = init.url ? ` (${[init.method, init.url].filter(Boolean).join(' ')})` : '';
    super(code, `${status} ${code}: ${detail}${where}`, problem ?? { body });
    this.status = status;
    this.detail = detail;
    this.errors = fieldErrors(problem?.['errors']);
    this.problem = problem;
    this.retryAfterMs = init.retryAfterMs;
  }
}

export class AtelierNetworkError extends CodedError<'CLIENT.NETWORK'> {
  override readonly name = 'AtelierNetworkError';
}

/**
 * A bulk submission stopped part-way: the chunks before the failing one were answered (their
 * results are in `completed`, indexes as in the whole input); the failing chunk's error is the
 * `cause`, and the chunks after it were not sent.
 */
export class AtelierBulkError extends CodedError<'CLIENT.BULK_INCOMPLETE'> {
  override readonly name = 'AtelierBulkError';
}
