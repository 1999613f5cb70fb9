// Fast forms of the zod schemas that check JSON at the edges (message envelopes, stored event
// data). A projector decodes thousands of messages a second and zod's machinery (a payload and an
// issue list per field, a copy of every record) was a tenth of its CPU. A reader gives exactly
// what the zod schema it mirrors gives, for the values it accepts, and undefined for anything
// else, which then goes to zod: zod stays the authority and names every error. A reader never
// says a value is invalid, only "this is zod's output" or "ask zod".
//
// Readers take JSON values (what JSON.parse gives): no undefined fields, symbols, getters or
// class instances reach them, and the structure they are given is the caller's own (see readJson).

/** zod's output for `v`, or undefined: the value goes to zod, which decides. */
export type Read<T> = (v: unknown) => T | undefined;

/** The language of zUnsignedDecimal (kernel bigint.ts): 0, or digits without a leading zero. */
const UNSIGNED_DECIMAL = /^(?:0|[1-9][0-9]*)$/;

/** `z.string()` with `.min(min).max(max)`, lengths in UTF-16 code units as zod counts them. */
export const readString =
  (min = 0, max = Number.POSITIVE_INFINITY): Read<string> =>
  (v) =>
    typeof v === 'string' && v.length >= min && v.length <= max ? v : undefined;

/** `z.string().regex(pattern)` (no transform); `pattern` is neither global nor sticky. */
export const readMatching =
  <T extends string = string>(pattern: RegExp): Read<T> =>
  (v) =>
    typeof v === 'string' && pattern.test(v) ? (v as T) : undefined;

/**
 * `z.number().int()` with `.min(min).max(max)`: zod 4's int() takes safe integers only. Gives `v`
 * itself, as zod does (a -0 stays -0).
 */
export const readInt =
  (min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): Read<number> =>
  (v) =>
    typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max ? v : undefined;

/** `z.boolean()`. */
export const readBoolean: Read<boolean> = (v) => (typeof v === 'boolean' ? v : undefined);

/** `z.enum(values)`, `z.literal(values)` or a union of literals: `v` itself when it is one. */
export function readOneOf<const T extends string | number>(values: readonly T[]): Read<T> {
  // A Set, as zod's: the same SameValueZero membership (-0 is 0) and `v` given back unchanged.
  const set = new Set<unknown>(values);
  return (v) => (set.has(v) ? (v as T) : undefined);
}

/** `zUnsignedDecimal`: a non-negative integer as a canonical decimal string. */
export const readUnsignedDecimal: Read<string> = readMatching(UNSIGNED_DECIMAL);

/** `zUnsignedDecimal` decoded to its bigint (`zUnsignedBigint`, `decimalBigint`). */
export const readUnsignedBigint: Read<bigint> = (v) =>
  typeof v === 'string' && UNSIGNED_DECIMAL.test(v) ? BigInt(v) : undefined;

/** `schema.nullable()`. */
export const readNullable =
  <T>(read: Read<T>): Read<T | null> =>
  (v) =>
    v === null ? null : read(v);

/** `schema.default(value)`: `fallback()` (a fresh value, as zod's shallow clone) when absent. */
export const readDefault =
  <T>(read: Read<T>, fallback: () => T): Read<T> =>
  (v) =>
    v === undefined ? fallback() : read(v);

/** `z.array(item)`: a new array of the items' outputs. */
export const readArray =
  <T>(item: Read<T>): Read<T[]> =>
  (v) => {
    if (!Array.isArray(v)) return undefined;
    const out: T[] = [];
    for (let i = 0; i < v.length; i++) {
      const x = item(v[i]);
      if (x === undefined) return undefined;
      out.push(x);
    }
    return out;
  };

/** What `z.object` takes as an object: anything but null and arrays. */
export const isObjectValue = (v: unknown): v is Readonly<Record<string, unknown>> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `z.object(shape)`, unknown keys stripped: a new object with the shape's keys in the shape's
 * order (every key required; an absent one reads as undefined, which only readDefault takes).
 * No key of the shape may be one Object.prototype has (`toString`, `__proto__`): refused here.
 *
 * The reader is compiled for its shape (compiledObjectReader), as zod 4 compiles its objects: one
 * generic loop over every shape made each property read and write a lookup that had seen dozens
 * of shapes, and its objects grew a key at a time, most of their fields outside the object
 * (decoding bench:projections' 80,462 market events' data, CPU ms, processes alternated: 99-174
 * compiled against 206-257 looped; their envelopes 329-405 against 472-603; 30,611 chain facts
 * 113-166 against 180-213). The loop stays for where code generation is refused (a page's
 * Content-Security-Policy).
 */
export function readObject<T extends object>(fields: {
  readonly [K in keyof T]-?: Read<T[K]>;
}): Read<T> {
  const entries = Object.entries(fields) as [string, Read<unknown>][];
  for (const [key] of entries)
    if (key in Object.prototype)
      throw new TypeError(`readObject: key ${JSON.stringify(key)} is one Object.prototype has`);
  return (compiledObjectReader(entries) ?? loopObjectReader(entries)) as Read<T>;
}

/**
 * readObject's reader as code written for its keys: a property read per key (each site sees one
 * shape), each field's reader called in the shape's order, stopping at the first undefined, and
 * the output made by one object literal (every field inside the object). Keys are written as JSON
 * strings, so any key is quoted safely; none is `__proto__` (readObject refuses it). undefined
 * when the platform refuses `new Function`.
 */
function compiledObjectReader(
  entries: readonly [string, Read<unknown>][],
): Read<unknown> | undefined {
  const lines = entries.map(
    ([key], i) =>
      `const x${i} = r${i}(v[${JSON.stringify(key)}]); if (x${i} === undefined) return undefined;`,
  );
  const readers = entries.map((_, i) => `const r${i} = r[${i}];`).join(' ');
  const literal = entries.map(([key], i) => `${JSON.stringify(key)}: x${i}`).join(', ');
  const body = `${readers}
return function readObject(v) {
  if (!isObjectValue(v)) return undefined;
  ${lines.join('\n  ')}
  return { ${literal} };
};`;
  try {
    const make = new Function('r', 'isObjectValue', body) as (
      r: readonly Read<unknown>[],
      is: typeof isObjectValue,
    ) => Read<unknown>;
    return make(
      entries.map(([, read]) => read),
      isObjectValue,
    );
  } catch {
    return undefined;
  }
}

/** readObject's reader as a loop over the shape (where code generation is refused). */
function loopObjectReader(entries: readonly [string, Read<unknown>][]): Read<unknown> {
  return (v) => {
    if (!isObjectValue(v)) return undefined;
    const out: Record<string, unknown> = {};
    for (const [key, read] of entries) {
      const x = read(v[key]);
      if (x === undefined) return undefined;
      out[key] = x;
    }
    return out;
  };
}

/** Deeper JSON than this goes to zod (which then decides how to fail, as it always did). */
const MAX_JSON_DEPTH = 64;

/**
 * Whether `v` is a JSON value `z.json()` gives back as it is (deep-equal): strings, finite
 * numbers (JSON.parse makes Infinity of 1e400, which z.number() refuses), booleans, null,
 * arrays and plain objects of them. A key `__proto__` (JSON.parse makes it an own key; zod drops
 * it) is left to zod.
 */
export function isJsonAsZodGivesIt(v: unknown, depth = 0): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v);
    case 'object': {
      if (v === null) return true;
      if (depth >= MAX_JSON_DEPTH) return false;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) if (!isJsonAsZodGivesIt(v[i], depth + 1)) return false;
        return true;
      }
      if (Object.getPrototypeOf(v) !== Object.prototype) return false;
      for (const key in v) {
        if (key === '__proto__') return false;
        if (!isJsonAsZodGivesIt((v as Record<string, unknown>)[key], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * `z.record(z.string(), z.json())`: zod gives a deep copy; this gives `v` itself, which is only
 * the same thing to a caller that owns `v` (a value JSON.parse has just made, that nothing else
 * holds). parseJsonDocument's `fast` is such a caller.
 */
export const readJsonRecord: Read<Record<string, unknown>> = (v) =>
  isObjectValue(v) && isJsonAsZodGivesIt(v) ? v : undefined;
