// The query of GET /v1/events, strict: every parameter is parsed here into a typed selection
// or the request is refused with 400 REQUEST.INVALID, each problem naming its field and, where
// the reason is specific, a code of its own (EVENTS.UNKNOWN_TYPE, EVENTS.BAD_TIME, ...;
// docs/analysts.md). Nothing the client sends reaches SQL: the selection filters events read
// through the store's port.
import { z } from 'zod';
import { marketAggregate } from '@atelier/market-domain';

/** Every event type the gateway's store holds (its one aggregate, the market). */
export const EVENT_TYPES: readonly string[] = [...marketAggregate.codec.types].sort();

export const MAX_LIMIT = 1_000_000;
const MAX_POSITION = (1n << 63n) - 1n;

export type EventsStart =
  | { readonly kind: 'position'; readonly after: bigint }
  | { readonly kind: 'block'; readonly block: bigint }
  | { readonly kind: 'time'; readonly time: Date };

export interface EventsQuery {
  readonly start: EventsStart;
  /** Null: every type. */
  readonly types: ReadonlySet<string> | null;
  /** Null: every stream. */
  readonly stream: string | null;
  /** Inclusive. */
  readonly toPosition: bigint | null;
  readonly limit: number | null;
  readonly follow: boolean;
}

/** A string field parsed by `read`, or an issue with its own `code` (kept in the problem). */
const field = <T>(code: string, message: string, read: (s: string) => T | undefined) =>
  z.string({ error: `${message} (one value)` }).transform((s, ctx): T => {
    const v = read(s);
    if (v === undefined) {
      ctx.addIssue({ code: 'custom', message, params: { code } });
      return z.NEVER;
    }
    return v;
  });

const position = field('EVENTS.BAD_POSITION', 'a global position: a decimal integer', (s) =>
  /^(0|[1-9][0-9]{0,18})$/.test(s) && BigInt(s) <= MAX_POSITION ? BigInt(s) : undefined,
);
const block = field('EVENTS.BAD_BLOCK', 'a block number: a decimal integer', (s) =>
  /^(0|[1-9][0-9]{0,17})$/.test(s) ? BigInt(s) : undefined,
);
// RFC 3339 with a zone (Z or ±hh:mm): a time without one would depend on the server's zone.
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))$/;
const time = field(
  'EVENTS.BAD_TIME',
  'an ISO-8601 time with a zone, e.g. 2026-12-01T00:00:00Z',
  (s) => {
    const m = ISO.exec(s);
    if (!m) return undefined;
    const [y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0] = m.slice(1, 7).map(Number);
    const date = new Date(s);
    // Date.parse rolls 2026-02-30 over to March: check the fields it was given.
    const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
    if (Number.isNaN(date.getTime()) || mo < 1 || mo > 12 || d < 1 || d > days) return undefined;
    if (h > 23 || mi > 59 || sec > 59) return undefined;
    return date;
  },
);
const types = z
  .union([z.string(), z.array(z.string()).max(32, 'at most 32 type parameters')])
  .transform((v, ctx): Set<string> => {
    const names = (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(','));
    const out = new Set<string>();
    for (const name of names) {
      if (EVENT_TYPES.includes(name)) out.add(name);
      else
        ctx.addIssue({
          code: 'custom',
          message: `an event type: one of ${EVENT_TYPES.join(', ')}`,
          params: { code: 'EVENTS.UNKNOWN_TYPE' },
        });
    }
    return out;
  });
const stream = field(
  'EVENTS.BAD_STREAM',
  'a stream name: <category>-<id> (letters, digits, _ . : -)',
  (s) => (/^[a-z][a-z0-9_]{0,47}-[A-Za-z0-9_.:-]{1,200}$/.test(s) ? s : undefined),
);
const collection = field('EVENTS.BAD_COLLECTION', 'a 20-byte hex address', (s) =>
  /^0x[0-9a-fA-F]{40}$/.test(s) ? s.toLowerCase() : undefined,
);
const limit = field('EVENTS.BAD_LIMIT', `an integer from 1 to ${MAX_LIMIT}`, (s) =>
  /^[1-9][0-9]{0,6}$/.test(s) && Number(s) <= MAX_LIMIT ? Number(s) : undefined,
);
const follow = field('EVENTS.BAD_FOLLOW', 'true or false', (s) =>
  s === 'true' ? true : s === 'false' ? false : undefined,
);

/** The parameters one by one (also what the OpenAPI document lists, events.openapi.ts). */
export const eventsQueryFields = z
  .object({
    fromPosition: position
      .optional()
      .describe('events after this global position (exclusive); 0, the default, is the whole log'),
    fromBlock: block
      .optional()
      .describe('from the first event carrying a chain block at or above N, then all after it'),
    fromTime: time
      .optional()
      .describe('from the first event recorded at or after this RFC 3339 time (with a zone)'),
    toPosition: position.optional().describe('the last global position, inclusive'),
    type: types
      .optional()
      .describe('only these event types: repeatable, or a comma-separated list'),
    stream: stream.optional().describe('one stream, e.g. market-0x…'),
    collection: collection.optional().describe("the collection's market stream"),
    limit: limit.optional().describe(`at most this many events, 1..${MAX_LIMIT}`),
    follow: follow
      .optional()
      .describe('true: stay open and write events as they are appended (keepalive lines)'),
  })
  .strict();

export const eventsQuery = eventsQueryFields.transform((q, ctx): EventsQuery => {
  const starts = (['fromPosition', 'fromBlock', 'fromTime'] as const).filter(
    (k) => q[k] !== undefined,
  );
  const [, second] = starts;
  if (second)
    ctx.addIssue({
      code: 'custom',
      path: [second],
      message: `one start only: ${starts.join(' and ')} were both given`,
      params: { code: 'EVENTS.CONFLICTING_START' },
    });
  const byCollection = q.collection === undefined ? undefined : `market-${q.collection}`;
  if (q.stream !== undefined && byCollection !== undefined && q.stream !== byCollection)
    ctx.addIssue({
      code: 'custom',
      path: ['collection'],
      message: `the collection's stream is ${byCollection}, not ${q.stream}`,
      params: { code: 'EVENTS.CONFLICTING_STREAM' },
    });
  if (q.fromPosition !== undefined && q.toPosition !== undefined && q.toPosition < q.fromPosition)
    ctx.addIssue({
      code: 'custom',
      path: ['toPosition'],
      message: 'toPosition must not be below fromPosition',
      params: { code: 'EVENTS.BAD_RANGE' },
    });
  const start: EventsStart =
    q.fromBlock !== undefined
      ? { kind: 'block', block: q.fromBlock }
      : q.fromTime !== undefined
        ? { kind: 'time', time: q.fromTime }
        : { kind: 'position', after: q.fromPosition ?? 0n };
  return {
    start,
    types: q.type ?? null,
    stream: q.stream ?? byCollection ?? null,
    toPosition: q.toPosition ?? null,
    limit: q.limit ?? null,
    follow: q.follow ?? false,
  };
});
