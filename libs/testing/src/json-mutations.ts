// Mutations of a valid JSON document, for the property specs that hold a fast form of a zod
// schema (kernel json-readers.ts) to zod's answer: a field deleted, retyped or respelled (case, a
// leading zero, a sign, a length at a schema's limit, a datetime written another way), an unknown
// key added, at any depth. What comes out is what JSON.parse could give: own data properties only
// (an added `__proto__` is an own key, as JSON.parse makes it), Infinity (JSON.parse's 1e400),
// -0 and integers past 2^53 included.
import { inspect, isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';

type Path = readonly (string | number)[];

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every place of `value` a mutation can reach: the root and each key or index below it. */
export function jsonPaths(value: unknown, at: Path = []): Path[] {
  const paths: Path[] = [at];
  if (Array.isArray(value)) value.forEach((v, i) => paths.push(...jsonPaths(v, [...at, i])));
  else if (isObject(value))
    for (const key of Object.keys(value)) paths.push(...jsonPaths(value[key], [...at, key]));
  return paths;
}

const valueAt = (value: unknown, path: Path): unknown =>
  path.reduce<unknown>((v, key) => (v as Record<string | number, unknown>)[key], value);

/** Sets an own, enumerable data property, as JSON.parse does (`__proto__` included). */
const setOwn = (o: Record<string, unknown>, key: string, value: unknown) =>
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });

const DELETE = Symbol('delete');
type Change = (current: unknown) => unknown;

/** `value` with `change` made at `path`; only the containers on the way are copied. */
function changed(value: unknown, path: Path, change: Change): unknown {
  if (path.length === 0) return change(value);
  const [key, ...rest] = path;
  const inner = (v: unknown) => changed(v, rest, change);
  if (Array.isArray(value)) {
    const copy = value.slice();
    const next = inner(copy[key as number]);
    if (next === DELETE) copy.splice(key as number, 1);
    else copy[key as number] = next;
    return copy;
  }
  const copy: Record<string, unknown> = {};
  for (const k of Object.keys(value as object)) {
    const v = (value as Record<string, unknown>)[k];
    const next = k === key ? inner(v) : v;
    if (next !== DELETE) setOwn(copy, k, next);
  }
  return copy;
}

/** Datetimes zod's `z.iso.datetime({ offset: true })` takes or refuses, near the common form. */
export const DATETIME_SPELLINGS = [
  '2024-02-29T00:00:00Z',
  '2023-02-29T00:00:00Z',
  '1900-02-29T00:00:00Z',
  '2000-02-29T12:00:00.5+01:00',
  '2024-04-31T00:00:00Z',
  '2024-04-30T23:59:59.999999999Z',
  '2024-01-01T24:00:00Z',
  '2024-01-01T23:60:00Z',
  '2024-01-01T23:59:60Z',
  '2024-01-01T00:00Z',
  '2024-01-01T00:00:00',
  '2024-01-01T00:00:00.Z',
  '2024-01-01T00:00:00+0100',
  '2024-01-01T00:00:00+01',
  '2024-01-01T00:00:00+24:00',
  '2024-01-01T00:00:00-23:59',
  '2024-01-01 00:00:00Z',
  '2024-01-01t00:00:00z',
  '+002024-01-01T00:00:00.000Z',
  '-000001-12-31T00:00:00.000Z',
  '0000-01-01T00:00:00.000Z',
  '9999-12-31T23:59:59.999Z',
  '2024-1-01T00:00:00Z',
  '2024-01-01',
] as const;

const COMMON_DATETIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/** Other spellings of the string `s`, each a plausible mistake or a limit of some schema. */
export function respellings(s: string): string[] {
  const out = [
    s.toUpperCase(),
    s.toLowerCase(),
    `0${s}`,
    `-${s}`,
    `+${s}`,
    ` ${s}`,
    `${s} `,
    `${s}0`,
    s.slice(1),
    s.slice(0, -1),
    `${s}${s}`,
  ];
  const letter = s.search(/[a-f]/);
  if (letter >= 0)
    out.push(s.slice(0, letter) + s.charAt(letter).toUpperCase() + s.slice(letter + 1));
  for (const n of [199, 200, 201, 255, 256, 257, 511, 512, 513])
    if (s.length < n) out.push(s.padEnd(n, 'x'));
  if (COMMON_DATETIME.test(s)) {
    const bare = s.replace(/(\.\d+)?Z$/, '');
    out.push(
      `${bare}Z`,
      `${bare}.1Z`,
      `${bare}.123456789Z`,
      `${bare}+00:00`,
      `${bare}-05:30`,
      `${bare}+23:59`,
      `${bare}+24:00`,
      `${bare}+0000`,
      `${bare}z`,
      `${bare}`,
      bare.replace('T', ' ') + 'Z',
      bare.slice(0, -3) + 'Z',
    );
  }
  return out;
}

const NUMBERS = [
  0,
  -0,
  1,
  2,
  3,
  -1,
  0.5,
  2 ** 53 - 1,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  1e21,
  Infinity,
];
const STRINGS = ['', ' ', '0', '00', '01', '-0', '-1', '+1', '1e3', '1.0', '0x', '0x0', 'null'];

/** Values of another type, near the limits schemas draw, for any place. */
const OTHERS: readonly unknown[] = [
  ...NUMBERS,
  ...STRINGS,
  ...DATETIME_SPELLINGS,
  null,
  true,
  false,
];

/** What is near `current`: its respellings (a string), its neighbours (a number), it wrapped. */
function near(current: unknown): unknown[] {
  const out: unknown[] = [[], {}, [current], { value: current }];
  if (typeof current === 'string') out.push(...respellings(current));
  if (typeof current === 'number')
    out.push(current + 1, current - 1, -current, current + 0.5, current + 2 ** 53, String(current));
  return out;
}

/** What a mutation may put in place of `current`: another type, a respelling, a neighbour. */
const replacements = (current: unknown): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...OTHERS) },
    { weight: 4, arbitrary: fc.constantFrom(...near(current)) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
    { weight: 1, arbitrary: fc.oneof(fc.string(), fc.integer(), fc.double()) },
  );

const KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'x', 'extra'];
const UNKNOWN_KEYS = fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 }));

/** `c` (an object) with an own key `key` set to `value`, as JSON.parse would make it. */
function withKey(c: unknown, key: string, value: unknown): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const k of Object.keys(c as object)) setOwn(copy, k, (c as typeof copy)[k]);
  return setOwn(copy, key, value);
}

/** One change somewhere in `doc`: delete a key or item, replace a value, or add an unknown key. */
function oneMutation(doc: unknown): fc.Arbitrary<unknown> {
  return fc.constantFrom(...jsonPaths(doc)).chain((path) => {
    const current = valueAt(doc, path);
    const options: fc.Arbitrary<Change>[] = [replacements(current).map((next) => () => next)];
    if (path.length > 0) options.push(fc.constant(() => DELETE));
    if (isObject(current))
      options.push(
        fc.tuple(UNKNOWN_KEYS, fc.jsonValue({ maxDepth: 1 })).map(
          ([key, value]) =>
            (c: unknown) =>
              withKey(c, key, value),
        ),
      );
    return fc.oneof(...options).map((change) => changed(doc, path, change));
  });
}

/**
 * Every single change of `doc` from the fixed lists, none random: each key or item deleted, each
 * value replaced by every value of OTHERS and everything near it, an unknown key added to each
 * object. Thousands for a large document: a sweep, where mutatedJson samples.
 */
export function everySingleMutation(doc: unknown): unknown[] {
  const out: unknown[] = [];
  for (const path of jsonPaths(doc)) {
    const current = valueAt(doc, path);
    if (path.length > 0) out.push(changed(doc, path, () => DELETE));
    for (const next of [...OTHERS, ...near(current)]) out.push(changed(doc, path, () => next));
    if (isObject(current))
      for (const key of KEYS) out.push(changed(doc, path, (c) => withKey(c, key, 1)));
  }
  return out;
}

/** `doc` after one to `max` mutations (each may land anywhere, the earlier ones' results too). */
export function mutatedJson(doc: unknown, max = 3): fc.Arbitrary<unknown> {
  const step = (d: unknown, left: number): fc.Arbitrary<unknown> =>
    left === 0 ? fc.constant(d) : oneMutation(d).chain((next) => step(next, left - 1));
  return fc.integer({ min: 1, max }).chain((n) => step(doc, n));
}

/**
 * JSON text of `value` that JSON.parse reads back as it is, where JSON.stringify would not:
 * Infinity as 1e400 (JSON.parse's Infinity) and -0 as -0 (JSON.stringify writes null and 0).
 */
export function jsonText(value: unknown): string {
  const INF = '\u0000inf';
  const NEG_INF = '\u0000-inf';
  const NEG_ZERO = '\u0000-0';
  const text: string | undefined = JSON.stringify(value, (_key, v: unknown) =>
    v === Infinity ? INF : v === -Infinity ? NEG_INF : Object.is(v, -0) ? NEG_ZERO : v,
  );
  return (text ?? '')
    .replaceAll(JSON.stringify(INF), '1e400')
    .replaceAll(JSON.stringify(NEG_INF), '-1e400')
    .replaceAll(JSON.stringify(NEG_ZERO), '-0');
}

/**
 * Expects `actual` to be deep-equal to `expected` as node:util's isDeepStrictEqual has it: the same
 * prototypes, -0 apart from 0, bigints and dates by value. (jest's toStrictEqual also compares an
 * own `constructor` key by identity, and JSON.parse makes such keys: `{"constructor": {}}`.)
 */
export function expectDeepStrictEqual(actual: unknown, expected: unknown): void {
  if (isDeepStrictEqual(actual, expected)) return;
  expect(actual).toStrictEqual(expected);
  throw new Error(`not deep-strict-equal: ${inspect(actual)} vs ${inspect(expected)}`);
}

/** How the inputs of a fast form's property spec fell (recordFastAnswer). */
export interface FastAnswers {
  /** zod took it and so did the fast form, with zod's output. */
  taken: number;
  /** zod took it; the fast form left it to zod. */
  leftToZod: number;
  /** zod refused it (and so the fast form left it to zod). */
  refused: number;
}

export const noFastAnswers = (): FastAnswers => ({ taken: 0, leftToZod: 0, refused: 0 });

/**
 * Expects a fast form's answer for one input to agree with zod's: undefined whenever zod refuses
 * the input, zod's output (deep-strict-equal) whenever it answers; and counts the case in `seen`.
 */
export function recordFastAnswer(
  seen: FastAnswers,
  zod: { readonly success: boolean; readonly data?: unknown },
  fast: unknown,
): void {
  if (!zod.success) {
    expect(fast).toBeUndefined();
    seen.refused++;
  } else if (fast === undefined) seen.leftToZod++;
  else {
    expectDeepStrictEqual(fast, zod.data);
    seen.taken++;
  }
}

/**
 * What calling `decode` comes to, to compare two decoders of the same input: its value, or its
 * error's class name, code, message and details.
 */
export function outcomeOf(decode: () => unknown): unknown {
  try {
    return { ok: decode() };
  } catch (e) {
    const error = e as Error & { code?: unknown; details?: unknown };
    return {
      error: error.constructor.name,
      code: error.code,
      message: error.message,
      details: error.details,
    };
  }
}
