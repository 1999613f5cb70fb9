// Who is calling, as the access guard established it: the API key (if any) and the subject its
// rate limit and idempotency keys are scoped to. Routes read it with @Caller() (e.g. to name
// the actor of the events they append: `maker:<key id>`), the SSE stream to pick its makers.
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { ApiKey } from './api-keys';

export interface CallerAccess {
  /** The live key the request came with, or null (a single order under its IP's limit). */
  readonly key: ApiKey | null;
  /** `key:<id>` or `ip:<address>`: whose bucket and idempotency keys these are. */
  readonly subject: string;
}

/** The parts of Fastify's request the access layer reads. */
export interface AccessRequest {
  readonly method: string;
  readonly url: string;
  readonly ip: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body?: unknown;
  readonly routeOptions?: { readonly url?: string };
}

/** Where the caller is kept on the request: a property of its own, not a WeakMap entry (a
 *  WeakMap write per request costs V8 an ephemeron barrier and work at every scavenge). */
const CALLER = Symbol('atelier.gateway.caller');
type WithCaller = { [CALLER]?: CallerAccess };

export const setCaller = (req: object, caller: CallerAccess): void => {
  (req as WithCaller)[CALLER] = caller;
};

/** The caller of a request the guard admitted; undefined on routes it leaves alone. */
export const callerOf = (req: object): CallerAccess | undefined => (req as WithCaller)[CALLER];

export const Caller = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): CallerAccess | undefined =>
    callerOf(ctx.switchToHttp().getRequest<object>()),
);

export const header = (req: AccessRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};
