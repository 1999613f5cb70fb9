// Decoded event arguments as plain JSON: the same text whether read from the indexer's
// tables, a Kafka message or a replay. bigints become decimal strings (JSON numbers lose
// precision past 2^53, the kernel's rule) and addresses are lowercased, so equal values compare equal as text.
import { bigintToDecimal } from '@atelier/kernel';

export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonArgs = { [name: string]: JsonValue };

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

export function toJsonValue(value: unknown): JsonValue {
  switch (typeof value) {
    case 'bigint':
      return bigintToDecimal(value);
    case 'string':
      return ADDRESS.test(value) ? value.toLowerCase() : value;
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`cannot encode ${value} as JSON`);
      return value;
    case 'boolean':
      return value;
    case 'undefined':
      return null;
    case 'object':
      if (value === null) return null;
      if (Array.isArray(value)) return value.map(toJsonValue);
      if (value instanceof Uint8Array) return `0x${Buffer.from(value).toString('hex')}`;
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonValue(v)]));
    default:
      throw new Error(`cannot encode a ${typeof value} as JSON`);
  }
}

/**
 * Event arguments as a JSON object. viem decodes events with unnamed parameters into an
 * array; those become an object keyed by position ("0", "1", ...) so `args` is always a record.
 */
export function toJsonArgs(args: unknown): JsonArgs {
  if (args === undefined || args === null) return {};
  if (Array.isArray(args))
    return Object.fromEntries(args.map((v, i) => [String(i), toJsonValue(v)]));
  if (typeof args !== 'object')
    throw new Error(`event args must be an object or an array, got ${typeof args}`);
  return toJsonValue(args) as JsonArgs;
}
