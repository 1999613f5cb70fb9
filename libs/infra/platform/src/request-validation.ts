// Request validation at the edge: a body, query or params object is parsed with a zod schema
// into the use case's input, or refused as `REQUEST.INVALID` listing every problem, which the
// problem filter answers as 400 with `errors: [{ path, message }]` (docs/errors.md).
import type { z } from 'zod';
import { CodedError } from '@atelier/kernel';

/** One invalid field: `path` is a JSON Pointer (RFC 6901) into the request part, '' for the whole. */
export interface RequestFieldError {
  readonly path: string;
  readonly message: string;
  /** The field's own stable code, when the schema gave one (`params: { code }` on a custom issue). */
  readonly code?: string;
}

export class RequestValidationError extends CodedError<'REQUEST.INVALID'> {
  override readonly name = 'RequestValidationError';
  constructor(
    readonly errors: readonly RequestFieldError[],
    part = 'request',
  ) {
    // "the body is invalid", "the arguments are invalid" (a GraphQL field's).
    const verb = part.endsWith('s') ? 'are' : 'is';
    super('REQUEST.INVALID', `the ${part} ${verb} invalid (${errors.length} problem(s))`, {
      errors,
    });
  }
}

const pointer = (path: readonly PropertyKey[]): string =>
  path.map((k) => `/${String(k).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');

const issueCode = (issue: z.core.$ZodIssue): string | undefined => {
  const code =
    issue.code === 'custom' ? (issue.params as { code?: unknown } | undefined)?.code : undefined;
  return typeof code === 'string' ? code : undefined;
};

export const fieldErrors = (error: z.ZodError): RequestFieldError[] =>
  error.issues.map((issue) => {
    const code = issueCode(issue);
    return { path: pointer(issue.path), message: issue.message, ...(code ? { code } : {}) };
  });

/** The parsed value, or a throw of `REQUEST.INVALID` naming every invalid field. */
export function parseRequest<S extends z.ZodType>(
  schema: S,
  input: unknown,
  part = 'request',
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new RequestValidationError(fieldErrors(result.error), part);
}
