// The order-book reads the usual way, without Nest's request pipeline (issue 10): the two book
// routes are answered from memory in a few microseconds, and Nest's router (execution context,
// guard and pipe consumers, the async handler and its response controller) cost more than that
// per request. A Fastify `onRoute` hook wraps the handler Nest registers for each book route
// (GET and its HEAD), so the route, its hooks, metrics label, error handler and OpenAPI entry
// (BookHttpController) stay Nest's; the wrapper answers at once when it can answer exactly as
// the controller would:
//   - the parameters and query pass the controller's own zod schemas (parsed once per URL: the
//     same URL has the same parameters and query);
//   - the book's answer is ready without waiting (BookAnswers.now: the book is in memory and
//     any `minMarketPosition` is handed out already);
//   - the access gate admits the request without waiting (AccessGuard.admitReadNow: a read
//     without a key, a token from this process's IP bucket), checked last, so a token is only
//     taken for a request answered here.
// Anything else (a key to authenticate, a bad parameter, a wait, a book to load, a refusal) goes
// to Nest's handler unchanged, which decides and answers it as before (problem+json, 401/429).
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { policyFor, type RoutePolicy } from '../access/access-policy';
import { AccessGuard } from '../access/access.guard';
import { BookAnswers, type BookRequest } from './book-answer';
import { bookQuery, collectionBookParams, tokenBookParams } from './read-market.query';

export const COLLECTION_BOOK_ROUTE = '/v1/collections/:address/book';
export const TOKEN_BOOK_ROUTE = '/v1/artworks/:collection/:tokenId/book';
/** What BookHttpController's @Header sets. */
const JSON_TYPE = 'application/json; charset=utf-8';
const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);
/** URLs whose request is kept per route before the memo starts over. */
const MEMO_SIZE = 4_096;

/** A book route's request for BookAnswers from its parameters and query, or undefined when
 *  the controller's schemas refuse them (then Nest's way answers the 400). */
type ReadOf = (params: unknown, query: unknown) => BookRequest | undefined;

const READS: ReadonlyMap<string, ReadOf> = new Map<string, ReadOf>([
  [
    COLLECTION_BOOK_ROUTE,
    (params, query) => {
      const p = collectionBookParams.safeParse(params);
      const q = bookQuery.safeParse(query);
      return p.success && q.success ? { collection: p.data.address, ...q.data } : undefined;
    },
  ],
  [
    TOKEN_BOOK_ROUTE,
    (params, query) => {
      const p = tokenBookParams.safeParse(params);
      const q = bookQuery.safeParse(query);
      return p.success && q.success
        ? { collection: p.data.collection, tokenId: p.data.tokenId, ...q.data }
        : undefined;
    },
  ],
]);

/**
 * The valid requests of one route by URL: the same URL has the same parameters and query, so
 * its parse is kept (a bound, not an LRU: past MEMO_SIZE URLs it starts over). Refused ones are
 * not kept.
 */
class RequestMemo {
  private readonly requests = new Map<string, BookRequest>();
  constructor(private readonly read: ReadOf) {}

  get(req: FastifyRequest): BookRequest | undefined {
    const hit = this.requests.get(req.url);
    if (hit !== undefined) return hit;
    const request = this.read(req.params, req.query);
    if (request === undefined) return undefined;
    if (this.requests.size >= MEMO_SIZE) this.requests.clear();
    this.requests.set(req.url, request);
    return request;
  }
}

/**
 * Installs the fast path on the book routes Nest registers later (call before the app is
 * initialised, as HttpAppSpec.configure is). The services are looked up on the first request.
 */
export function installBookFastPath(app: NestFastifyApplication): void {
  let services: { readonly books: BookAnswers; readonly gate: AccessGuard } | undefined;
  const resolve = () =>
    (services ??= {
      books: app.get(BookAnswers, { strict: false }),
      gate: app.get(AccessGuard, { strict: false }),
    });

  /** True when the request was answered here; false: Nest's handler answers it. */
  const serve = (
    memo: RequestMemo,
    policy: RoutePolicy | null,
    req: FastifyRequest,
    reply: FastifyReply,
  ): boolean => {
    const request = memo.get(req);
    if (!request) return false;
    const { books, gate } = resolve();
    const answer = books.now(request);
    if (!answer || !gate.admitReadNow(req, policy)) return false;
    reply.header('content-type', JSON_TYPE).send(answer.bytes());
    return true;
  };

  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRoute', (route: RouteOptions) => {
      const read = READS.get(route.url);
      const methods: readonly string[] = Array.isArray(route.method)
        ? route.method
        : [route.method];
      if (!read || !methods.every((m) => READ_METHODS.has(m))) return;
      const nest = route.handler;
      const memo = new RequestMemo(read);
      // Fixed per route: the access table is keyed by method and route pattern.
      const policies = new Map(methods.map((m) => [m, policyFor(m, route.url)]));
      route.handler = function bookFastPath(req, reply) {
        const policy = policies.get(req.method);
        if (policy !== undefined && serve(memo, policy, req, reply)) return undefined;
        return nest.call(this, req, reply);
      };
    });
}
