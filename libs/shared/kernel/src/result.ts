// Result: the return type of anything that can fail in an expected, typed way (a decider
// refusing a command, a parser rejecting input). Exceptions stay for the unexpected.
// A plain tagged union rather than a class, so it survives structuredClone, equality in
// tests and JSON logging, and narrows with an ordinary `if (r.ok)`.

export interface Ok<T> {
  readonly ok: true;
  readonly value: T;
}

export interface Err<E> {
  readonly ok: false;
  readonly error: E;
}

export type Result<T, E> = Ok<T> | Err<E>;

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });
export const err = <E>(error: E): Err<E> => ({ ok: false, error });

export const isOk = <T, E>(r: Result<T, E>): r is Ok<T> => r.ok;
export const isErr = <T, E>(r: Result<T, E>): r is Err<E> => !r.ok;

export function mapResult<T, U, E>(r: Result<T, E>, f: (value: T) => U): Result<U, E> {
  return r.ok ? ok(f(r.value)) : r;
}

export function flatMapResult<T, U, E, F>(
  r: Result<T, E>,
  f: (value: T) => Result<U, F>,
): Result<U, E | F> {
  return r.ok ? f(r.value) : r;
}

export function mapError<T, E, F>(r: Result<T, E>, f: (error: E) => F): Result<T, F> {
  return r.ok ? r : err(f(r.error));
}

/** The value, or throws what `toError` makes of the error: for call sites where failure is a bug. */
export function unwrap<T, E>(
  r: Result<T, E>,
  toError: (error: E) => Error = (e) => new Error(String(e)),
): T {
  if (r.ok) return r.value;
  throw toError(r.error);
}
