// The orders routes in the OpenAPI document (/openapi.json): bodies, path and query parameters
// from the zod schemas the routes validate with (order-input.ts registers each parser's wire
// format), answers from the schemas beside their views, and the problems each route answers
// (docs/errors.md). The typed client (@atelier/client) is generated from this document.
import { applyDecorators } from '@nestjs/common';
import {
  ApiBody,
  ApiHeader,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { z } from 'zod';
import { jsonSchema } from '../read/openapi';
import { problemJson } from '../read/read.views';

type Schema = Record<string, unknown>;

/** The properties of an object's wire schema, each with whether it is required. */
function fieldsOf(schema: z.ZodType): { name: string; required: boolean; schema: Schema }[] {
  const wire = jsonSchema(schema, 'input') as {
    properties?: Record<string, Schema>;
    required?: string[];
  };
  return Object.entries(wire.properties ?? {}).map(([name, s]) => ({
    name,
    required: (wire.required ?? []).includes(name),
    schema: s,
  }));
}

const withDescription = (schema: Schema) => {
  const { description, ...rest } = schema;
  return { schema: rest as never, ...(typeof description === 'string' ? { description } : {}) };
};

/** The problems the orders routes answer besides their own, by status. */
const PROBLEMS = {
  400: 'REQUEST.INVALID (errors[] names each field and its code), REQUEST.MALFORMED_JSON, a cursor this API did not give',
  401: 'AUTH.KEY_REQUIRED, AUTH.INVALID_KEY',
  403: 'AUTH.MAKER_NOT_ALLOWED: the key may not act for that maker',
  404: 'ORDER.NOT_FOUND',
  409: 'ORDER.DUPLICATE, ORDER.NONCE_RESERVED, CANCEL.REPLAYED, READ_MODEL.BEHIND (?minPosition= not reached: retry), IDEMPOTENCY.*',
  413: 'ORDERS.TOO_MANY: more than 1,000 orders in one request',
  422: 'the single order (ORDER.*) or the cancel (CANCEL.BAD_SIGNATURE, CANCEL.EXPIRED) refused',
  429: 'RATE.LIMITED, RATE.QUOTA_EXCEEDED (Retry-After)',
  503: 'SERVICE.OVERLOADED, EVENT_STORE.UNAVAILABLE, CHAIN.UNAVAILABLE (retry later)',
} as const;
export type OrdersProblemStatus = keyof typeof PROBLEMS;

const problem = (status: OrdersProblemStatus) =>
  ApiResponse({
    status,
    description: PROBLEMS[status],
    content: { 'application/problem+json': { schema: jsonSchema(problemJson) as never } },
  });

/** Documents one orders route. */
export function ApiOrders(options: {
  readonly summary: string;
  readonly description?: string;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  /** The request body's JSON Schema (a union of shapes is given as `oneOf`). */
  readonly body?: Schema;
  /** Writes take an Idempotency-Key. */
  readonly write?: boolean;
  readonly ok: readonly { status: number; description: string; schema: z.ZodType }[];
  readonly problems: readonly OrdersProblemStatus[];
}) {
  return applyDecorators(
    ApiTags('orders'),
    ApiOperation({
      summary: options.summary,
      ...(options.description ? { description: options.description } : {}),
    }),
    ...(options.params ? fieldsOf(options.params) : []).map((f) =>
      ApiParam({ name: f.name, required: true, ...withDescription(f.schema) }),
    ),
    ...(options.query ? fieldsOf(options.query) : []).map((f) =>
      ApiQuery({ name: f.name, required: f.required, ...withDescription(f.schema) }),
    ),
    ...(options.body ? [ApiBody({ required: true, schema: options.body as never })] : []),
    ...(options.write
      ? [
          ApiHeader({
            name: 'Idempotency-Key',
            required: false,
            description:
              'the same key and body get the same answer again (24 h); 1 to 255 visible ASCII characters',
          }),
        ]
      : []),
    ...options.ok.map((r) =>
      ApiResponse({
        status: r.status,
        description: r.description,
        schema: jsonSchema(r.schema) as never,
      }),
    ),
    ...options.problems.map(problem),
  );
}

/** The wire schema of a request body parser (what a client sends). */
export const bodySchema = (schema: z.ZodType): Schema => jsonSchema(schema, 'input');
