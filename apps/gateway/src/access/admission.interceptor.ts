// What a write costs once the guard let it in (on every write route: @UseInterceptors on each,
// checked by admission.unit.spec; a read runs no interceptor at all): its Idempotency-Key first
// (a retry of the same request gets the stored answer and costs nothing more; the same key with
// another body is 409 IDEMPOTENCY.KEY_REUSED; a duplicate racing the first waits for its answer,
// then 409 IDEMPOTENCY.IN_PROGRESS), then its orders against the key's daily quota (429
// RATE.QUOTA_EXCEEDED). Only successful answers are stored: an error answer means nothing was
// decided (a refusal throws before any append), so a retry may decide afresh.
import {
  Inject,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { catchError, from, mergeMap, of, type Observable } from 'rxjs';
import { policyFor } from './access-policy';
import { AccessError } from './access.errors';
import { callerOf, header, type AccessRequest } from './caller';
import { IdempotencyStore, requestHash } from './idempotency';
import { PgRateLimiter } from './rate-limiter';

interface ReplyLike {
  readonly statusCode: number;
  status(code: number): unknown;
  header(name: string, value: string): unknown;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Visible ASCII, as Stripe and the IETF draft's examples use (UUIDs, ULIDs, random strings). */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

@Injectable()
export class AdmissionInterceptor implements NestInterceptor {
  constructor(
    @Inject(IdempotencyStore) private readonly idempotency: IdempotencyStore,
    @Inject(PgRateLimiter) private readonly limiter: PgRateLimiter,
  ) {}

  async intercept(ctx: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (ctx.getType() !== 'http') return next.handle();
    const http = ctx.switchToHttp();
    const req = http.getRequest<AccessRequest>();
    const reply = http.getResponse<ReplyLike>();
    const policy = policyFor(req.method, req.routeOptions?.url);
    const caller = callerOf(req);
    if (!policy || !caller || !WRITES.has(req.method.toUpperCase())) return next.handle();

    const idemKey = header(req, 'idempotency-key');
    if (idemKey === undefined) {
      await this.chargeQuota(req, reply, policy.orders(req.body));
      return next.handle();
    }
    if (!IDEMPOTENCY_KEY.test(idemKey))
      throw new AccessError(
        'IDEMPOTENCY.KEY_INVALID',
        'Idempotency-Key must be 1 to 255 visible ASCII characters',
      );
    const { subject: scope } = caller;
    const hash = requestHash(req.method, req.url, req.body);
    const outcome = await this.idempotency.begin(scope, idemKey, hash);
    switch (outcome.kind) {
      case 'replay':
        reply.status(outcome.status);
        reply.header('idempotent-replayed', 'true');
        return of(outcome.body === null ? undefined : (JSON.parse(outcome.body) as unknown));
      case 'reused':
        throw new AccessError(
          'IDEMPOTENCY.KEY_REUSED',
          'this Idempotency-Key was used for another request; use a new key for a new request',
        );
      case 'in-progress':
        throw new AccessError(
          'IDEMPOTENCY.IN_PROGRESS',
          'a request with this Idempotency-Key is still being decided; retry shortly',
        );
      case 'decide':
        break;
      default: {
        const _exhaustive: never = outcome;
        throw new Error(`unknown idempotency outcome ${String(_exhaustive)}`);
      }
    }
    try {
      await this.chargeQuota(req, reply, policy.orders(req.body));
    } catch (e) {
      await this.idempotency.release(scope, idemKey, hash);
      throw e;
    }
    return next.handle().pipe(
      mergeMap(async (body: unknown) => {
        const text = body === undefined ? null : JSON.stringify(body);
        await this.idempotency.complete(scope, idemKey, hash, reply.statusCode, text);
        return body;
      }),
      catchError((e: unknown) =>
        from(
          this.idempotency.release(scope, idemKey, hash).then(() => {
            throw e;
          }),
        ),
      ),
    );
  }

  private async chargeQuota(req: AccessRequest, reply: ReplyLike, orders: number): Promise<void> {
    const key = callerOf(req)?.key;
    if (!key || orders <= 0) return;
    const quota = await this.limiter.consumeQuota(key.id, orders, key.dailyQuota);
    if (!quota.allowed) {
      reply.header('retry-after', String(quota.resetSeconds));
      throw new AccessError(
        'RATE.QUOTA_EXCEEDED',
        `this request's ${orders} order(s) would exceed the key's daily quota of ${key.dailyQuota}`,
        { quota: key.dailyQuota, used: quota.used, retryAfter: quota.resetSeconds },
      );
    }
  }
}
