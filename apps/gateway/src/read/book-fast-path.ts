// The order-book reads the usual way, without Nest's request pipeline (issue 10): the two book
// routes are answered from memory in a few microseconds, and Nest's router (execution context,
// guard and pipe consumers, the async handler and its response controller) cost more than that
// per request. A Fastify `onRoute` hook wraps the handler Nest registers for each book route
// (GET and its HEAD), so the route, its hooks, metrics label, error handler and OpenAPI entry
// (BookHttpController) stay Nest's; the wrapper answers at once when it can answer exactly as
// the controller would:
//   - the parameters and query pass the controller's own zod schemas (the parsed values of the
//     last strings seen are kept: the same string parses to the same value);
//   - the book's answer is ready without waiting (BookAnswers.now: the book is in memory and
//     any `minMarketPosition` is handed out already);
//   - the access gate admits the request without waiting (AccessGuard.admitReadNow: a read
//     without a key, a token from this process's IP bucket), checked last, so a token is only
//     taken for a request answered here.
// Anything else (a key to authenticate, a bad parameter, a wait, a book to load, a refusal) goes
// to Nest's handler unchanged, which decides and answers it as before (problem+json, 401/429).
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { z } from 'zod';
import { policyFor, type RoutePolicy } from '../access/access-policy';
import { AccessGuard } from '../access/access.guard';
import { BookAnswers, type BookRequest } from './book-answer';
import { bookQuery, collectionBookParams, tokenBookParams } from './read-market.query';

export const COLLECTION_BOOK_ROUTE = '/v1/collections/:address/book';
export const TOKEN_BOOK_ROUTE = '/v1/artworks/:collection/:tokenId/book';
/** What BookHttpController's @Header sets. */
const JSON_TYPE = 'application/json; charset=utf-8';
const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);
/** Parsed strings kept per schema before the memo starts over (a bound, not an LRU). */
const MEMO_SIZE = 4_096;

/** The successful parses of `schema` by the string they came from (failures are not kept). */
class ParseMemo<S extends z.ZodType> {
  private readonly parsed = new Map<string, z.output<S>>();
  constructor(private readonly schema: S) {}

  /** The parsed value of `input` (whose identity is `key`), or undefined when it is invalid. */
  get(key: string, input: unknown): z.output<S> | undefined {
    const hit = this.parsed.get(key);
    if (hit !== undefined) return hit;
    const result = this.schema.safeParse(input);
    if (!result.success) return undefined;
    if (this.parsed.size >= MEMO_SIZE) this.parsed.clear();
    this.parsed.set(key, result.data);
    return result.data;
  }
}

/** Reads of one book route: its request for BookAnswers from the parameters, or undefined. */
type ReadOf = (params: unknown) => Omit<BookRequest, keyof z.output<typeof bookQuery>> | undefined;

const collectionParams = new ParseMemo(collectionBookParams);
const tokenParams = new ParseMemo(tokenBookParams);
const queries = new ParseMemo(bookQuery);

const READS: ReadonlyMap<string, ReadOf> = new Map<string, ReadOf>([
  [
    COLLECTION_BOOK_ROUTE,
    (params) => {
      const raw = (params as { address?: unknown }).address;
      if (typeof raw !== 'string') return undefined;
      const p = collectionParams.get(raw, params);
      return p && { collection: p.address };
    },
  ],
  [
    TOKEN_BOOK_ROUTE,
    (params) => {
      const { collection, tokenId } = params as { collection?: unknown; tokenId?: unknown };
      if (typeof collection !== 'string' || typeof tokenId !== 'string') return undefined;
      const p = tokenParams.get(`${collection}/${tokenId}`, params);
      return p && { collection: p.collection, tokenId: p.tokenId };
    },
  ],
]);

/** The query string of `url` as the memo's key ('' for none). */
const searchOf = (url: string): string => {
  const i = url.indexOf('?');
  return i < 0 ? '' : url.slice(i + 1);
};

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
    read: ReadOf,
    policy: RoutePolicy | null,
    req: FastifyRequest,
    reply: FastifyReply,
  ): boolean => {
    const target = read(req.params);
    if (!target) return false;
    const query = queries.get(searchOf(req.url), req.query);
    if (!query) return false;
    const { books, gate } = resolve();
    const answer = books.now({ ...target, ...query });
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
      // Fixed per route: the access table is keyed by method and route pattern.
      const policies = new Map(methods.map((m) => [m, policyFor(m, route.url)]));
      route.handler = function bookFastPath(req, reply) {
        const policy = policies.get(req.method);
        if (policy !== undefined && serve(read, policy, req, reply)) return undefined;
        return nest.call(this, req, reply);
      };
    });
}
