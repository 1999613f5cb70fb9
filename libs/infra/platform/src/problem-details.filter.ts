// The one exception filter of a Nest app on Fastify: whatever a route, a pipe, Nest's router
// (404) or Fastify's body parser (400/413/415) throws is answered as problem+json through
// toProblem with the app's status table, and logged with pino: server faults at error with
// the error, refusals (4xx) at debug. No other status is chosen anywhere.
import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Logger } from '@atelier/observability';
import { PROBLEM_CONTENT_TYPE, toProblem, type ErrorStatusTable } from './problem-details';

/** The parts of Fastify's request and reply the filter uses. */
interface RequestLike {
  readonly method: string;
  readonly url: string;
}
interface ReplyLike {
  readonly sent: boolean;
  status(code: number): ReplyLike;
  header(name: string, value: string): ReplyLike;
  send(payload: string): unknown;
}

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(
    private readonly table: ErrorStatusTable,
    private readonly logger: Logger,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    // Only HTTP is answered here; a consumer or a scheduled job handles its own failures.
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const answer = problemAnswer(
      exception,
      http.getRequest<RequestLike>(),
      this.table,
      this.logger,
    );
    const reply = http.getResponse<ReplyLike>();
    if (reply.sent) return; // a streamed response already went out; the log is all we can do
    for (const [name, value] of Object.entries(answer.headers)) reply.header(name, value);
    reply.status(answer.status).send(answer.body);
  }
}

/** What a failure is answered with: status, headers and the problem+json body. */
export interface ProblemAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * The answer to `exception` (toProblem with `table`), logged: server faults at error with the
 * error, refusals (4xx) at debug. The filter's, and that of the failures Fastify answers before
 * Nest routes a request (framework-errors.ts).
 */
export function problemAnswer(
  exception: unknown,
  req: RequestLike,
  table: ErrorStatusTable,
  logger: Logger,
): ProblemAnswer {
  const path = req.url.split('?')[0] ?? req.url;
  const { problem, serverFault, unmappedCode } = toProblem(exception, table, { instance: path });
  const fields = { method: req.method, path, status: problem.status, code: problem.code };
  if (serverFault)
    logger.error(
      { ...fields, err: exception, ...(unmappedCode ? { unmappedCode } : {}) },
      unmappedCode
        ? `error code ${unmappedCode} has no status in the app's table; answered 500`
        : `request failed: ${exception instanceof Error ? exception.message : String(exception)}`,
    );
  else logger.debug(fields, `request refused: ${problem.code}`);
  return {
    status: problem.status,
    headers: {
      'content-type': `${PROBLEM_CONTENT_TYPE}; charset=utf-8`,
      ...(problem.code === 'SERVICE.OVERLOADED' ? { 'retry-after': '1' } : {}),
    },
    body: JSON.stringify(problem),
  };
}
