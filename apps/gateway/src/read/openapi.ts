// The OpenAPI 3.1 document (/openapi.json, /openapi.yaml) and its interactive UI (/docs), by
// @nestjs/swagger scanning every controller of the gateway. The read API describes its
// parameters and answers from the same zod schemas that validate them (read.query.ts,
// read.views.ts), converted with zod's own JSON Schema (2020-12, what OpenAPI 3.1 uses), so
// the document cannot drift from what the routes accept and answer.
import { applyDecorators } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiTags,
  DocumentBuilder,
  SwaggerModule,
} from '@nestjs/swagger';
import { z } from 'zod';
import { problemJson } from './read.views';

type Schema = Record<string, unknown>;

/** A zod schema as JSON Schema 2020-12 (the request side for inputs, the answer side else). */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): Schema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as Schema;
  return rest;
}

const shapeOf = (schema: z.ZodType): Record<string, z.ZodType> =>
  schema instanceof z.ZodObject ? (schema.shape as Record<string, z.ZodType>) : {};

const problem = (status: number, description: string) =>
  ApiResponse({
    status,
    description,
    content: { 'application/problem+json': { schema: jsonSchema(problemJson) as never } },
  });

/** Documents one read route: its path parameters, query, answer and problems. */
export function ApiRead(options: {
  readonly tag: string;
  readonly summary: string;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly ok: z.ZodType;
  readonly notFound?: string;
  /** The route takes a minimum position and may answer 409 READ_MODEL.BEHIND. */
  readonly behind?: boolean;
}) {
  const params = Object.entries(shapeOf(options.params ?? z.object({}))).map(([name, s]) =>
    ApiParam({ name, required: true, schema: jsonSchema(s, 'input') as never }),
  );
  const query = Object.entries(shapeOf(options.query ?? z.object({}))).map(([name, s]) => {
    const optional = s.safeParse(undefined).success;
    const { description, ...schema } = jsonSchema(s, 'input');
    return ApiQuery({
      name,
      required: !optional,
      schema: schema as never,
      ...(typeof description === 'string' ? { description } : {}),
    });
  });
  return applyDecorators(
    ApiTags(options.tag),
    ApiOperation({ summary: options.summary }),
    ...params,
    ...query,
    ApiOkResponse({ schema: jsonSchema(options.ok) as never }),
    problem(400, 'invalid parameters, an unknown parameter, or a cursor this API did not give'),
    ...(options.notFound ? [problem(404, options.notFound)] : []),
    ...(options.behind
      ? [
          problem(
            409,
            'READ_MODEL.BEHIND: the read model had not reached the minimum position in time',
          ),
        ]
      : []),
    problem(429, 'rate limited'),
  );
}

export const OPENAPI_JSON = '/openapi.json';
export const DOCS = 'docs';

/** Serves the document and the UI; the document is built on first request (all routes known). */
export function setupOpenApi(app: NestFastifyApplication): void {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Atelier gateway')
    .setDescription(
      'Orders, artworks with provenance and lineage, settled trades, ledgers and collection stats. ' +
        'Errors are RFC 9457 problems (application/problem+json) with a stable `code`; ' +
        'listings are keyset-paginated with opaque cursors; every read says the position it reflects.',
    )
    .setVersion('1')
    .build();
  SwaggerModule.setup(DOCS, app, () => SwaggerModule.createDocument(app, config), {
    jsonDocumentUrl: OPENAPI_JSON,
    yamlDocumentUrl: '/openapi.yaml',
  });
}
