// bigints (token amounts, prices in base units, positions) cross JSON, HTTP and Kafka as
// canonical decimal strings: JSON numbers silently lose precision past 2^53. One strict
// format, so a value has exactly one spelling ("007", "+7", "7.0", "1e3" are rejected).
import { domainError, type DomainError } from './domain-error';
import { err, ok, type Result } from './result';

const DECIMAL = /^-?(0|[1-9][0-9]*)$/;
const UNSIGNED_DECIMAL = /^(0|[1-9][0-9]*)$/;

export type BigintErrorCode = 'BIGINT.NOT_DECIMAL' | 'BIGINT.NEGATIVE';

export const isDecimalString = (s: string): boolean => DECIMAL.test(s) && s !== '-0';

export const bigintToDecimal = (n: bigint): string => n.toString(10);

export function parseDecimalBigint(s: string): Result<bigint, DomainError<'BIGINT.NOT_DECIMAL'>> {
  return typeof s === 'string' && isDecimalString(s)
    ? ok(BigInt(s))
    : err(
        domainError('BIGINT.NOT_DECIMAL', 'not a canonical decimal integer string', { input: s }),
      );
}

export function parseUnsignedDecimalBigint(
  s: string,
): Result<bigint, DomainError<'BIGINT.NOT_DECIMAL' | 'BIGINT.NEGATIVE'>> {
  if (typeof s === 'string' && UNSIGNED_DECIMAL.test(s)) return ok(BigInt(s));
  if (typeof s === 'string' && isDecimalString(s))
    return err(domainError('BIGINT.NEGATIVE', 'must not be negative', { input: s }));
  return err(
    domainError('BIGINT.NOT_DECIMAL', 'not a canonical decimal integer string', { input: s }),
  );
}

/** Throwing parse, for trusted input. */
export function decimalToBigint(s: string): bigint {
  const r = parseDecimalBigint(s);
  if (!r.ok) throw new Error(`${r.error.code}: ${JSON.stringify(s)}`);
  return r.value;
}

/** JSON.stringify replacer that writes every bigint as its decimal string. */
export const bigintJsonReplacer = (_key: string, value: unknown): unknown =>
  typeof value === 'bigint' ? value.toString(10) : value;

export const minBigint = (a: bigint, b: bigint): bigint => (a < b ? a : b);
export const maxBigint = (a: bigint, b: bigint): bigint => (a > b ? a : b);
