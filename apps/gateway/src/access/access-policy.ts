// Which routes need an API key, which makers a request acts for, and how many orders it places:
// one table keyed by the matched route (method and Fastify route pattern), read by the access
// guard and the admission interceptor, so the order routes carry no access code of their own.
// Routes outside /v1 (health, metrics) are not limited; every other /v1 route is rate limited
// per key, or per client IP without one, and needs a key only where its row says so.

/** What a route asks of the caller, given the request body (parsed, not yet validated). */
export interface RoutePolicy {
  /** 'required': 401 AUTH.KEY_REQUIRED without a key; 'optional': the IP's limit applies. */
  readonly key: (body: unknown) => 'required' | 'optional';
  /** Makers the request acts for (a key may act only for its own); unreadable parts are skipped
   *  here and refused by the route's validation. */
  readonly makers: (body: unknown) => readonly string[];
  /** Orders the request places, counted against the key's daily quota. */
  readonly orders: (body: unknown) => number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** The `{orders: [...]}` of a bulk submission, or null for a single order. */
const bulkOf = (body: unknown): readonly unknown[] | null =>
  isObject(body) && Array.isArray(body['orders']) ? body['orders'] : null;

/** The maker of an order as sent: `{order: {maker}, signature}` or a bare `{maker, ...}`. */
function makerOf(entry: unknown): string | undefined {
  if (!isObject(entry)) return undefined;
  const order = isObject(entry['order']) ? entry['order'] : entry;
  return typeof order['maker'] === 'string' ? order['maker'] : undefined;
}

const present = (xs: readonly (string | undefined)[]): string[] =>
  xs.filter((x): x is string => x !== undefined);

const none: RoutePolicy = { key: () => 'optional', makers: () => [], orders: () => 0 };

/** A read of any kind (every unlisted /v1 route, and GraphQL): a key if sent, else the IP's. */
export const READ_POLICY: RoutePolicy = none;

export const SUBMIT_ORDERS: RoutePolicy = {
  // A single signed order authenticates itself; a bulk needs a key (issue 9).
  key: (body) => (bulkOf(body) ? 'required' : 'optional'),
  makers: (body) => present((bulkOf(body) ?? [body]).map(makerOf)),
  orders: (body) => bulkOf(body)?.length ?? 1,
};

export const CANCEL_ORDERS: RoutePolicy = {
  key: () => 'required',
  // `{cancel: {maker, orderHashes, issuedAt}, signature}`.
  makers: (body) =>
    present([makerOf(isObject(body) && isObject(body['cancel']) ? body['cancel'] : body)]),
  orders: () => 0,
};

export const KEY_ONLY: RoutePolicy = { ...none, key: () => 'required' };

/** `METHOD /route/pattern` -> its policy; unlisted /v1 routes get `none`. */
export const ROUTE_POLICIES: Readonly<Record<string, RoutePolicy>> = {
  'POST /v1/orders': SUBMIT_ORDERS,
  'POST /v1/orders/cancel': CANCEL_ORDERS,
  'GET /v1/orders/events': KEY_ONLY,
};

/** The policy of a matched route, or null when the access layer leaves it alone. */
export function policyFor(method: string, route: string | undefined): RoutePolicy | null {
  if (!route || !(route === '/v1' || route.startsWith('/v1/'))) return null;
  return ROUTE_POLICIES[`${method.toUpperCase()} ${route}`] ?? none;
}
