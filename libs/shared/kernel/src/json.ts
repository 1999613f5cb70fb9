// JSON at the edges (Kafka messages, HTTP bodies): the one bigint rule (a bigint is written as
// its decimal string, since JSON numbers lose precision past 2^53) and the one way bytes that
// claim to be a versioned JSON document are parsed at a boundary, so every messages library
// rejects a poison message with the same four reasons and names every invalid field.
import { z } from 'zod';
import { bigintJsonReplacer, parseUnsignedDecimalBigint } from './bigint';

/** JSON text of `value` with every bigint, at any depth, as its decimal string. */
export const stringifyJson = (value: unknown): string => JSON.stringify(value, bigintJsonReplacer);

/** `stringifyJson` as UTF-8 bytes, the form a message value takes. */
export const jsonBytes = (value: unknown): Buffer => Buffer.from(stringifyJson(value), 'utf8');

/** A non-negative integer as a canonical decimal string (positions, amounts on the wire). */
export const zUnsignedDecimal = z
  .string()
  .refine(
    (s) => parseUnsignedDecimalBigint(s).ok,
    'must be a non-negative integer as a decimal string',
  );

/** One line per zod issue, `path: message`, so an error names every invalid field. */
export const describeIssues = (error: z.ZodError): string[] =>
  error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);

/** Why bytes are not a valid document; each library prefixes its own area (`ENVELOPE.EMPTY`). */
export type JsonDocumentFailure = 'EMPTY' | 'NOT_JSON' | 'UNSUPPORTED_SCHEMA' | 'INVALID';

export interface JsonDocumentFormat<S extends z.ZodType, A extends string> {
  /** Validates (and may transform) the parsed JSON. */
  readonly schema: S;
  /**
   * A fast form of `schema` (built with json-readers.ts): `schema`'s output for the documents it
   * takes, undefined for any other, which `schema` then decides (and names the errors of). It is
   * given JSON.parse's fresh value, which nothing else holds, and may return parts of it.
   */
  readonly fast?: (raw: unknown) => z.output<S> | undefined;
  /** Values of the document's `schema` field this reader understands. */
  readonly supportedSchemas: readonly string[];
  /** What the document is, in messages: 'envelope', 'chain fact'. */
  readonly what: string;
  /** The area of the error codes: `${area}.EMPTY`, `${area}.INVALID`, … */
  readonly area: A;
  /** The library's own error class (a CodedError); `details.issues` names every invalid field. */
  readonly error: new (
    code: `${A}.${JsonDocumentFailure}`,
    message: string,
    details: { issues?: string[] },
    options?: { cause?: unknown },
  ) => Error;
}

/**
 * Parses message bytes into a document or throws the format's error: no value (a tombstone),
 * not JSON, a `schema` this reader does not know (a newer producer: say so rather than list
 * field errors), or fields that do not validate.
 */
export function parseJsonDocument<S extends z.ZodType, A extends string>(
  bytes: Buffer | string | null | undefined,
  format: JsonDocumentFormat<S, A>,
): z.output<S> {
  const fail = (reason: JsonDocumentFailure, message: string, issues?: string[], cause?: unknown) =>
    new format.error(
      `${format.area}.${reason}`,
      message,
      issues ? { issues } : {},
      cause === undefined ? undefined : { cause },
    );
  if (bytes === null || bytes === undefined || bytes.length === 0) {
    throw fail('EMPTY', 'message has no value (tombstone or empty)');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
  } catch (cause) {
    throw fail(
      'NOT_JSON',
      `message value is not JSON: ${(cause as Error).message}`,
      undefined,
      cause,
    );
  }
  const schema =
    typeof raw === 'object' && raw !== null ? (raw as { schema?: unknown }).schema : undefined;
  if (typeof schema === 'string' && !format.supportedSchemas.includes(schema)) {
    throw fail(
      'UNSUPPORTED_SCHEMA',
      `${format.what} schema '${schema}' is not supported (this consumer reads ${format.supportedSchemas.join(', ')})`,
    );
  }
  const fast = format.fast?.(raw);
  if (fast !== undefined) return fast;
  const parsed = format.schema.safeParse(raw);
  if (!parsed.success) {
    const issues = describeIssues(parsed.error);
    throw fail('INVALID', `message is not a valid ${format.what}: ${issues.join('; ')}`, issues);
  }
  return parsed.data;
}
