// GraphQL arguments enter through the REST API's own zod schemas (read/read.query.ts,
// orders/orders.query.ts): the same filters, the same strictness and the same refusals
// (REQUEST.INVALID naming each argument, READ.BAD_CURSOR from the readers), so the two APIs
// cannot drift on what they accept. The schemas take query-string text, so numbers given as
// GraphQL Ints are handed over as their decimal text; arguments left out or given as null are
// both "not given".
import type { z } from 'zod';
import { parseRequest } from '@atelier/platform';

/** `args` as the REST schema's input: nulls dropped, numbers as text. */
function asQuery(args: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) {
    if (v === null || v === undefined) continue;
    out[k] = typeof v === 'number' ? String(v) : v;
  }
  return out;
}

/** The parsed arguments, or a throw of REQUEST.INVALID listing every bad one. */
export const parseArgs = <S extends z.ZodType>(
  schema: S,
  args: Readonly<Record<string, unknown>>,
): z.output<S> => parseRequest(schema, asQuery(args), 'arguments');
