// The analysts' routes in the OpenAPI document: /v1/events' parameters from the zod fields that
// parse them and its NDJSON line shapes; the as-of-block book through the read API's ApiRead
// (params, query and answer from the zod schemas the route validates with and answers).
import { applyDecorators } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { jsonSchema } from '../read/openapi';
import { problemJson } from '../read/read.views';
import { eventsQueryFields } from './events.query';

const decimal = z.string().regex(/^\d+$/);
const position = decimal.nullable().describe('resume with fromPosition=<this> (null: not started)');

/** One NDJSON line of /v1/events. */
export const eventLineJson = z.union([
  z.object({
    kind: z.literal('event'),
    position: decimal,
    type: z.string(),
    stream: z.string(),
    revision: decimal,
    id: z.string(),
    schemaVersion: z.number().int(),
    recordedAt: z.string(),
    metadata: z.record(z.string(), z.unknown()),
    data: z.record(z.string(), z.unknown()),
  }),
  z.object({ kind: z.literal('keepalive'), position }),
  z.object({
    kind: z.literal('end'),
    reason: z.enum(['head', 'limit', 'to-position', 'max-duration', 'shutdown', 'error']),
    position,
  }),
  z.object({ kind: z.literal('error'), code: z.string(), message: z.string(), position }),
]);

export function ApiEvents() {
  const query = Object.entries(eventsQueryFields.shape).map(([name, s]) => {
    const { description, ...schema } = jsonSchema(s as z.ZodType, 'input');
    return ApiQuery({
      name,
      required: false,
      schema: schema as never,
      ...(typeof description === 'string' ? { description } : {}),
    });
  });
  return applyDecorators(
    ApiTags('analytics'),
    ApiOperation({
      summary: 'The market event log as NDJSON, from a position, block or time (docs/analysts.md)',
    }),
    ApiProduces('application/x-ndjson'),
    ...query,
    ApiResponse({
      status: 200,
      description: 'one JSON object per line: events, keepalive lines when idle, and one end line',
      content: { 'application/x-ndjson': { schema: jsonSchema(eventLineJson) as never } },
    }),
    ApiResponse({
      status: 400,
      description: 'REQUEST.INVALID, each field with its code (EVENTS.*)',
      content: { 'application/problem+json': { schema: jsonSchema(problemJson) as never } },
    }),
  );
}
