// How a GraphQL answer carries our errors. Every error gets `extensions.code` (the same
// `AREA.REASON` codes REST answers in problem+json) and `extensions.status`, chosen by the app's
// one table (http-errors.ts) through the platform's toProblem, so a code means the same status on
// both APIs and a 5xx never shows its message or details:
// - an error a resolver threw (a CodedError: READ.BAD_CURSOR, REQUEST.INVALID with `errors[]`
//   naming each argument, READ_MODEL.BEHIND, ...): its code and status; anything else thrown
//   is INTERNAL.UNEXPECTED 500 and logged, or SERVICE.OVERLOADED 503 when the pool is full;
// - a refusal before execution (GRAPHQL.TOO_DEEP / TOO_COMPLEX / INTROSPECTION_DISABLED): its code;
// - a document graphql-js refuses (syntax, unknown field or enum value, a variable of the wrong
//   type) or a malformed request body: REQUEST.INVALID 400 (REQUEST.MALFORMED_JSON for bad JSON);
// - an execution error with no cause of ours (a null in a non-null field): INTERNAL.UNEXPECTED.
// The HTTP status follows the GraphQL-over-HTTP convention: 200 whenever `data` came back (errors
// beside partial data), else the status of the first error, a 5xx before any 4xx.
import { GraphQLError, type ExecutionResult, type GraphQLFormattedError } from 'graphql';
import type { Logger } from '@atelier/observability';
import { toProblem, type ErrorStatusTable } from '@atelier/platform';

const INSTANCE = '/graphql';
const PROBLEM_MEMBERS = new Set(['type', 'title', 'status', 'detail', 'instance', 'code']);

/** What mercurius hands its errorFormatter. */
export interface FormatterInput {
  readonly data?: ExecutionResult['data'];
  readonly errors?: readonly GraphQLError[];
  readonly statusCode?: number;
}

export interface FormatterOutput {
  readonly statusCode: number;
  readonly response: { data: ExecutionResult['data'] | null; errors: GraphQLFormattedError[] };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Mercurius wraps refusals before execution in a MER_ERR_* error whose `errors` are the real
 *  ones (REQUEST.INVALID's own `errors`, the fields at fault, are not such a list). */
function flatten(errors: readonly GraphQLError[]): GraphQLError[] {
  return errors.flatMap((e) => {
    const wrapper = isObject(e.originalError) ? e.originalError : undefined;
    const inner =
      wrapper && typeof wrapper['code'] === 'string' && wrapper['code'].startsWith('MER_ERR_')
        ? wrapper['errors']
        : undefined;
    if (!Array.isArray(inner)) return [e];
    return inner.map((x: unknown) =>
      x instanceof GraphQLError
        ? x
        : new GraphQLError(x instanceof Error ? x.message : String(x), {
            originalError: x instanceof Error ? x : undefined,
          }),
    );
  });
}

/** A mercurius MER_ERR_* error with a 4xx status: our code and message for it. */
function mercuriusRefusal(original: unknown): { code: string; message: string } | undefined {
  if (!isObject(original)) return undefined;
  const code = original['code'];
  const status = original['statusCode'];
  if (typeof code !== 'string' || !code.startsWith('MER_ERR_')) return undefined;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  if (code === 'MER_ERR_GQL_PERSISTED_QUERY_NOT_FOUND')
    return { code: 'REQUEST.INVALID', message: 'the request has no query' };
  if (status === 405)
    return { code: 'HTTP.METHOD_NOT_ALLOWED', message: String(original['message']) };
  return { code: 'REQUEST.INVALID', message: String(original['message']) };
}

interface Shaped {
  readonly status: number;
  readonly error: GraphQLFormattedError;
}

function shape(e: GraphQLError, table: ErrorStatusTable, logger: Logger): Shaped {
  const base = {
    message: e.message,
    ...(e.locations ? { locations: e.locations } : {}),
    ...(e.path ? { path: e.path } : {}),
  };
  const original = e.originalError;
  const ownCode = typeof e.extensions?.['code'] === 'string' ? e.extensions['code'] : undefined;
  // A GraphQLError of ours (a validation rule's refusal) names its code itself.
  if (!original && ownCode) {
    const status = Object.hasOwn(table, ownCode) ? table[ownCode]! : 400;
    return { status, error: { ...base, extensions: { code: ownCode, status } } };
  }
  // graphql-js refusing the document, variables or request body (no path: nothing ran).
  if ((!original || original instanceof GraphQLError) && !e.path) {
    return {
      status: 400,
      error: { ...base, extensions: { code: 'REQUEST.INVALID', status: 400 } },
    };
  }
  // Mercurius refusing the request itself (no path: nothing ran), with the 4xx it chose: a body
  // without a query (it then looks for a persisted query, and says "Unknown query"), a method
  // it does not serve.
  const refusal = mercuriusRefusal(original);
  if (refusal && !e.path) {
    const status = (Object.hasOwn(table, refusal.code) ? table[refusal.code] : undefined) ?? 400;
    return {
      status,
      error: { ...base, message: refusal.message, extensions: { code: refusal.code, status } },
    };
  }
  // A thrown value, or graphql-js failing during execution without one (our bug).
  const thrown = original ?? e;
  const { problem, serverFault, unmappedCode } = toProblem(
    original && !(original instanceof GraphQLError) ? original : undefined,
    table,
    { instance: INSTANCE },
  );
  if (serverFault)
    logger.error(
      {
        err: thrown,
        path: e.path,
        status: problem.status,
        code: problem.code,
        ...(unmappedCode ? { unmappedCode } : {}),
      },
      `GraphQL field failed: ${thrown.message}`,
    );
  const { status, detail, code } = problem;
  // The problem's own members are the error's message and code; its extensions stay extensions.
  const extensions = Object.fromEntries(
    Object.entries(problem).filter(([k]) => !PROBLEM_MEMBERS.has(k)),
  );
  return {
    status,
    error: { ...base, message: detail, extensions: { ...extensions, code, status } },
  };
}

/** Mercurius' `errorFormatter` for the gateway: codes and statuses from `table`. */
export function graphqlErrorFormatter(table: ErrorStatusTable, logger: Logger) {
  return (execution: FormatterInput): FormatterOutput => {
    const shaped = flatten(execution.errors ?? []).map((e) => shape(e, table, logger));
    const data = execution.data ?? null;
    const fault = shaped.find((s) => s.status >= 500);
    const statusCode = data !== null ? 200 : ((fault ?? shaped[0])?.status ?? 200);
    return { statusCode, response: { data, errors: shaped.map((s) => s.error) } };
  };
}
