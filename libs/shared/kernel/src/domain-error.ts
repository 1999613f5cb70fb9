// The one shape of an expected, typed failure: a stable machine code (`ORDER.EXPIRED`,
// `EVENT_STORE.WRONG_EXPECTED_VERSION`) that the edge maps to HTTP once, a human message,
// and structured details. Codes are part of the API: never reword one, add a new one.

/** `AREA.REASON` in upper snake case, e.g. `ORDER.EXPIRED`. */
export type ErrorCode = `${Uppercase<string>}.${Uppercase<string>}`;

const CODE = /^[A-Z][A-Z0-9_]*(\.[A-Z][A-Z0-9_]*)+$/;

export const isErrorCode = (s: string): s is ErrorCode => CODE.test(s);

/** A refused command or invalid input, as a value (returned in a Result, never thrown). */
export interface DomainError<C extends string = string> {
  readonly code: C;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export function domainError<C extends string>(
  code: C,
  message: string,
  details?: Readonly<Record<string, unknown>>,
): DomainError<C> {
  if (!CODE.test(code)) throw new Error(`domainError: '${code}' is not an AREA.REASON code`);
  return details === undefined ? { code, message } : { code, message, details };
}

/**
 * An exception that carries a stable code, for failures that are not a decider's answer
 * (infrastructure conflicts, corrupt data, invalid input at an edge). Subclass it per area
 * with a literal code union and a `name`; the constructor is shared, so a subclass needs
 * none of its own unless it derives the message from structured fields:
 * `class KafkaError extends CodedError<KafkaErrorCode> { override readonly name = 'KafkaError'; }`.
 */
export abstract class CodedError<C extends string = string> extends Error {
  constructor(
    readonly code: C,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True for any error-like value with a string `code` (CodedError, DomainError, driver errors). */
export const hasCode = (e: unknown, code?: string): e is { code: string } =>
  typeof e === 'object' &&
  e !== null &&
  typeof (e as { code?: unknown }).code === 'string' &&
  (code === undefined || (e as { code: string }).code === code);
