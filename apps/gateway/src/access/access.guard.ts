// The gate in front of every /v1 route (a global guard): authenticate the API key if one is
// sent (401 AUTH.INVALID_KEY for a bad or revoked one), demand one where the route's policy
// does (401 AUTH.KEY_REQUIRED), take a token from the key's bucket or the client IP's
// (429 RATE.LIMITED with Retry-After), and refuse a key acting for a maker it does not hold
// (403 AUTH.MAKER_NOT_ALLOWED). A key's bucket, and the IP's for writes, are rows shared by every
// instance; the IP's bucket for reads (GET, HEAD) is this process's (rate-limiter.ts says why).
// GraphQL requests (reads only: the schema has no mutation) pass the same gate as a keyless or
// keyed read, from a Fastify hook on /graphql (graphql/graphql-access.ts): Nest guards do not see
// them.
// The daily order quota is the admission interceptor's, after the idempotency key, so a
// replayed answer costs no quota.
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { policyFor, READ_POLICY, type RoutePolicy } from './access-policy';
import { AccessError } from './access.errors';
import { ApiKeyStore } from './api-keys';
import { header, setCaller, type AccessRequest } from './caller';
import { LocalRateLimiter, PgRateLimiter } from './rate-limiter';
import { ACCESS_OPTIONS, type AccessOptions } from './access.tokens';

export interface ReplyLike {
  header(name: string, value: string): unknown;
}

/** The key as sent: `Authorization: Bearer <token>` or `x-api-key: <token>`. */
function tokenOf(req: AccessRequest): string | undefined {
  const auth = header(req, 'authorization');
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return m ? m[1] : auth; // any other scheme is a bad key, not an anonymous call
  }
  return header(req, 'x-api-key');
}

const READS = new Set(['GET', 'HEAD']);

@Injectable()
export class AccessGuard implements CanActivate {
  private readonly readLimiter = new LocalRateLimiter();

  constructor(
    private readonly keys: ApiKeyStore,
    private readonly limiter: PgRateLimiter,
    @Inject(ACCESS_OPTIONS) private readonly options: AccessOptions,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const http = ctx.switchToHttp();
    const req = http.getRequest<AccessRequest>();
    const reply = http.getResponse<ReplyLike>();
    const policy = policyFor(req.method, req.routeOptions?.url);
    if (!policy) return true;
    await this.admit(req, reply, policy, READS.has(req.method.toUpperCase()));
    return true;
  }

  /** A GraphQL request: a read, under the key's bucket or else this process's IP bucket. */
  async admitRead(req: AccessRequest, reply: ReplyLike): Promise<void> {
    await this.admit(req, reply, READ_POLICY, true);
  }

  /**
   * The gate of a route served outside Nest's pipeline (read/book-fast-path.ts), decided without
   * waiting: true when `req` is admitted as `admit` would admit it, a read without a key under
   * this process's IP bucket (its token taken); false when it is not that case (a key to look
   * up, a policy asking for more, a write) or the bucket refuses. Then the request goes Nest's
   * way, whose guard decides and answers the refusal (a refusal takes no token, so this one took
   * nothing). `policy` is the route's (`policyFor`, fixed per route). It records no caller
   * (setCaller): only Nest's handlers read one, and a WeakMap entry per read costs more than
   * the rest of the gate (issue 10).
   */
  admitReadNow(req: AccessRequest, policy: RoutePolicy | null): boolean {
    if (!policy) return true;
    if (!READS.has(req.method)) return false;
    if (req.headers['authorization'] !== undefined || req.headers['x-api-key'] !== undefined)
      return false;
    if (policy.key(req.body) !== 'optional') return false;
    return this.readLimiter.take(`ip:${req.ip}`, this.options.ipRps, this.options.ipBurst).allowed;
  }

  /** Authenticates, limits and records the caller of `req` under `policy`; throws AccessError. */
  private async admit(
    req: AccessRequest,
    reply: ReplyLike,
    policy: RoutePolicy,
    read: boolean,
  ): Promise<void> {
    const token = tokenOf(req);
    const key = token === undefined ? null : await this.keys.authenticate(token);
    if (token !== undefined && !key) {
      reply.header('www-authenticate', 'Bearer error="invalid_token"');
      throw new AccessError('AUTH.INVALID_KEY', 'the API key is unknown, malformed or revoked');
    }
    if (!key && policy.key(req.body) === 'required') {
      reply.header('www-authenticate', 'Bearer');
      throw new AccessError(
        'AUTH.KEY_REQUIRED',
        'this request needs an API key (Authorization: Bearer atl_…); only a single order may come without one',
      );
    }

    const subject = key ? `key:${key.id}` : `ip:${req.ip}`;
    const bucket = key
      ? await this.limiter.take(subject, key.rps, key.burst)
      : read
        ? this.readLimiter.take(subject, this.options.ipRps, this.options.ipBurst)
        : await this.limiter.take(subject, this.options.ipRps, this.options.ipBurst);
    if (!bucket.allowed) {
      reply.header('retry-after', String(bucket.retryAfterSeconds));
      throw new AccessError(
        'RATE.LIMITED',
        `rate limit reached; retry in ${bucket.retryAfterSeconds} s`,
        {
          retryAfter: bucket.retryAfterSeconds,
        },
      );
    }

    if (key?.makers) {
      const allowed = new Set<string>(key.makers);
      const foreign = [...new Set(policy.makers(req.body).map((m) => m.toLowerCase()))].filter(
        (m) => !allowed.has(m),
      );
      if (foreign.length > 0)
        throw new AccessError(
          'AUTH.MAKER_NOT_ALLOWED',
          'this API key may not act for some makers of the request',
          { makers: foreign },
        );
    }

    setCaller(req, { key, subject });
    // The orders API names the actor of the events it appends from this (orders/command-context.ts).
    if (key) (req as AccessRequest & { atelierActor?: string }).atelierActor = `maker:${key.id}`;
  }
}
