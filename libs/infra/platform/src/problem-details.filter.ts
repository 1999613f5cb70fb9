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
    const req = http.getRequest<RequestLike>();
    const reply = http.getResponse<ReplyLike>();
    const path = req.url.split('?')[0] ?? req.url;
    const { problem, serverFault, unmappedCode } = toProblem(exception, this.table, {
      instance: path,
    });
    const fields = { method: req.method, path, status: problem.status, code: problem.code };
    if (serverFault)
      this.logger.error(
        { ...fields, err: exception, ...(unmappedCode ? { unmappedCode } : {}) },
        unmappedCode
          ? `error code ${unmappedCode} has no status in the app's table; answered 500`
          : `request failed: ${exception instanceof Error ? exception.message : String(exception)}`,
      );
    else this.logger.debug(fields, `request refused: ${problem.code}`);
    if (reply.sent) return; // a streamed response already went out; the log is all we can do
    if (problem.code === 'SERVICE.OVERLOADED') reply.header('retry-after', '1');
    reply
      .status(problem.status)
      .header('content-type', `${PROBLEM_CONTENT_TYPE}; charset=utf-8`)
      .send(JSON.stringify(problem));
  }
}
