// Branded identifiers the whole system shares, each with one parser that validates and
// normalises at the boundary (HTTP input, chain logs, Kafka messages). Inside the domain a
// value of these types is known to be valid and canonical (addresses lower-cased, so map
// keys and equality never depend on EIP-55 checksum casing).
import type { Brand } from './brand';
import { domainError, type DomainError } from './domain-error';
import { err, ok, type Result } from './result';

export type Address = Brand<string, 'Address'>;
export type OrderHash = Brand<string, 'OrderHash'>;
/** `<category>-<id>`, e.g. `market-0xabc…`; the category is the part before the first '-'. */
export type StreamName = Brand<string, 'StreamName'>;

export type IdErrorCode = 'ID.INVALID_ADDRESS' | 'ID.INVALID_ORDER_HASH' | 'ID.INVALID_STREAM_NAME';

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const HASH32 = /^0x[0-9a-fA-F]{64}$/;
// A category is an identifier; the id part is anything printable without whitespace.
// '$' is reserved (KurrentDB system streams), so no stream may start with it.
const CATEGORY = /^[A-Za-z][A-Za-z0-9_.]*$/;
const STREAM_ID = /^[^\s]+$/;
const MAX_STREAM_NAME = 512;

export function parseAddress(input: string): Result<Address, DomainError<'ID.INVALID_ADDRESS'>> {
  return ADDRESS.test(input)
    ? ok(input.toLowerCase() as Address)
    : err(domainError('ID.INVALID_ADDRESS', 'not a 20-byte hex address', { input }));
}

export function parseOrderHash(
  input: string,
): Result<OrderHash, DomainError<'ID.INVALID_ORDER_HASH'>> {
  return HASH32.test(input)
    ? ok(input.toLowerCase() as OrderHash)
    : err(domainError('ID.INVALID_ORDER_HASH', 'not a 32-byte hex hash', { input }));
}

export function parseStreamName(
  input: string,
): Result<StreamName, DomainError<'ID.INVALID_STREAM_NAME'>> {
  const dash = input.indexOf('-');
  const category = dash < 0 ? input : input.slice(0, dash);
  const id = dash < 0 ? '' : input.slice(dash + 1);
  const valid =
    input.length <= MAX_STREAM_NAME && CATEGORY.test(category) && (dash < 0 || STREAM_ID.test(id));
  return valid
    ? ok(input as StreamName)
    : err(
        domainError(
          'ID.INVALID_STREAM_NAME',
          'stream names are <category>-<id>: a category of letters, digits, _ or ., then a non-blank id',
          {
            input,
          },
        ),
      );
}

/** Builds `<category>-<id>`; throws on an invalid category or id (a programming error). */
export function streamName(category: string, id: string): StreamName {
  const r = parseStreamName(`${category}-${id}`);
  if (!r.ok || id.length === 0) throw new Error(`invalid stream name parts: ${category} / ${id}`);
  return r.value;
}

/** The category of a stream: the part before the first '-', or the whole name without one. */
export function categoryOf(name: string): string {
  const dash = name.indexOf('-');
  return dash < 0 ? name : name.slice(0, dash);
}

/** Throwing variants for trusted input (tests, constants). */
export const asAddress = (s: string): Address => unwrapId(parseAddress(s));
export const asOrderHash = (s: string): OrderHash => unwrapId(parseOrderHash(s));
export const asStreamName = (s: string): StreamName => unwrapId(parseStreamName(s));

function unwrapId<T>(r: Result<T, DomainError>): T {
  if (r.ok) return r.value;
  throw new Error(`${r.error.code}: ${r.error.message} (${JSON.stringify(r.error.details)})`);
}
