// The fast readers against the zod schemas they mirror. For any value: a reader gives zod's output
// (deep-equal, bigints and -0 included) or undefined, and undefined whenever zod refuses. For the
// values zod gives back unchanged, a reader answers (it is not undefined everywhere).
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { z } from 'zod';
import {
  isObjectValue,
  readArray,
  readBoolean,
  readDefault,
  readInt,
  readJsonRecord,
  readMatching,
  readNullable,
  readObject,
  readOneOf,
  readString,
  readUnsignedBigint,
  readUnsignedDecimal,
  zUnsignedDecimal,
  type Read,
} from './index';

/** Whether `read` answered; throws when its answer is not zod's. */
function agrees<T>(read: Read<T>, schema: z.ZodType, v: unknown): boolean {
  const parsed = schema.safeParse(v);
  const fast = read(v);
  if (!parsed.success) expect(fast).toBeUndefined();
  // node's deep strict equality: jest's toStrictEqual compares an own `constructor` key by identity.
  else if (fast !== undefined && !isDeepStrictEqual(fast, parsed.data)) {
    expect(fast).toStrictEqual(parsed.data);
    throw new Error('not deep-strict-equal');
  }
  return fast !== undefined;
}

/** A JSON object as JSON.parse gives it: a key `__proto__` is an own key. */
const parsed = (json: string): unknown => JSON.parse(json);

const special = fc.constantFrom<unknown>(
  0,
  -0,
  1,
  -1,
  0.5,
  2 ** 53 - 1,
  2 ** 53,
  -(2 ** 53),
  1e21,
  Infinity,
  -Infinity,
  NaN,
  '',
  '0',
  '00',
  '01',
  '-0',
  '-1',
  '+1',
  '1e3',
  '1.0',
  ' 1',
  '١',
  '0xab',
  '0xAB',
  '0xabc',
  '0x',
  'x'.repeat(513),
  true,
  false,
  null,
  undefined,
  [],
  {},
  [1, 'a'],
  new Date(0),
  Object.create(null),
  parsed('{"__proto__": {"a": 1}, "b": 2}'),
  parsed('{"a": "x", "b": 1, "c": 3}'),
  parsed('{"a": "x", "b": null}'),
  parsed('{"constructor": "x"}'),
  parsed('{"nested": [{"__proto__": 1}]}'),
);
const value: fc.Arbitrary<unknown> = fc.oneof(
  special,
  fc.jsonValue(),
  fc.stringMatching(/^-?[0-9]{0,6}$/),
  fc.bigInt({ min: 0n, max: 2n ** 256n }).map(String),
  fc.stringMatching(/^0x[0-9a-fA-F]{0,6}$/),
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.array(fc.oneof(fc.integer({ min: -2, max: 5 }), fc.constant('1')), { maxLength: 4 }),
  fc.record(
    { a: fc.oneof(fc.string(), fc.integer()), b: fc.oneof(fc.nat(), fc.constant(null)) },
    { requiredKeys: [] },
  ),
);

const objectSchema = z.object({ a: z.string(), b: z.number().int().min(0).nullable() });
const jsonObject = z.custom<Record<string, unknown>>(isObjectValue);
const pairs: [string, Read<unknown>, z.ZodType][] = [
  ['readString()', readString(), z.string()],
  ['readString(1, 5)', readString(1, 5), z.string().min(1).max(5)],
  ['readMatching', readMatching(/^0x[0-9a-f]{2,4}$/), z.string().regex(/^0x[0-9a-f]{2,4}$/)],
  ['readInt()', readInt(), z.number().int()],
  ['readInt(1)', readInt(1), z.number().int().positive()],
  ['readInt(0, 10_000)', readInt(0, 10_000), z.number().int().min(0).max(10_000)],
  ['readBoolean', readBoolean, z.boolean()],
  ['readOneOf(strings)', readOneOf(['0', 'a', 'x']), z.enum(['0', 'a', 'x'])],
  ['readOneOf(numbers)', readOneOf([0, 1, 2]), z.union([z.literal(0), z.literal(1), z.literal(2)])],
  ['readUnsignedDecimal', readUnsignedDecimal, zUnsignedDecimal],
  ['readUnsignedBigint', readUnsignedBigint, zUnsignedDecimal.transform((s) => BigInt(s))],
  ['readNullable', readNullable(readString(1)), z.string().min(1).nullable()],
  ['readDefault', readDefault(readOneOf(['a']), () => 'a'), z.enum(['a']).default('a')],
  ['readArray', readArray(readInt(0)), z.array(z.number().int().min(0))],
  [
    'readArray of bigints',
    readArray(readUnsignedBigint),
    z.array(zUnsignedDecimal.transform((s) => BigInt(s))),
  ],
  [
    'readObject',
    readObject<z.output<typeof objectSchema>>({ a: readString(), b: readNullable(readInt(0)) }),
    objectSchema,
  ],
  [
    'readObject with a default',
    readObject<{ a: string; m: Record<string, unknown> }>({
      a: readString(),
      m: readDefault(
        ((v) => (isObjectValue(v) ? v : undefined)) as Read<Record<string, unknown>>,
        () => ({}),
      ),
    }),
    z.object({ a: z.string(), m: jsonObject.default({}) }),
  ],
  ['readJsonRecord', readJsonRecord, z.record(z.string(), z.json())],
];

describe('json readers', () => {
  it.each(pairs)(
    '%s gives zod`s output or undefined, never a value zod refuses',
    (_, read, schema) => {
      let answered = 0;
      fc.assert(
        fc.property(value, (v) => {
          if (agrees(read, schema, v)) answered++;
        }),
        { numRuns: 1500 },
      );
      expect(answered).toBeGreaterThan(0);
    },
  );

  it('answer for the values zod gives back unchanged', () => {
    const answers = <T>(read: Read<T>, arb: fc.Arbitrary<unknown>) =>
      fc.assert(fc.property(arb, (v) => expect(read(v)).not.toBeUndefined()));
    answers(readUnsignedBigint, fc.bigInt({ min: 0n, max: 2n ** 256n }).map(String));
    answers(readInt(1), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }));
    answers(readString(1, 5), fc.string({ minLength: 1, maxLength: 5 }));
    answers(
      readJsonRecord,
      fc
        .dictionary(fc.string(), fc.jsonValue())
        .map((d) => JSON.stringify(d))
        .filter((json) => !json.includes('"__proto__"'))
        .map(parsed),
    );
  });

  it('give the input back where zod does (-0 stays -0), and a bigint of a long decimal', () => {
    expect(Object.is(readInt(0)(-0), -0)).toBe(true);
    expect(Object.is(readOneOf([0, 1])(-0), -0)).toBe(true);
    expect(readUnsignedBigint('1' + '0'.repeat(77))).toBe(10n ** 77n);
    expect(readUnsignedBigint('01')).toBeUndefined();
  });

  it('readObject: any key spelling, the shape`s order, and no key Object.prototype has', () => {
    // Its reader is code written for the shape's keys: keys that need quoting must still be read.
    const odd = ['a-b', 'q"\'`${x}\\', '0', 'é', ' ', 'constructor2'] as const;
    const read = readObject<Record<string, unknown>>(
      Object.fromEntries(odd.map((k, i) => [k, i % 2 ? readInt() : readString()])),
    );
    // The compiled form (node allows new Function): the loop, its fallback, would hide a key that
    // broke the generated code.
    expect(read.name).toBe('readObject');
    const schema = z.object(
      Object.fromEntries(odd.map((k, i) => [k, i % 2 ? z.number().int() : z.string()])),
    );
    const record = fc.record(
      Object.fromEntries(odd.map((k, i) => [k, i % 2 ? fc.integer() : fc.string()])),
    );
    fc.assert(
      fc.property(record, fc.dictionary(fc.string(), fc.jsonValue()), (r, extra) => {
        const v = { ...extra, ...r };
        expect(agrees(read, schema, v)).toBe(true);
        expect(Object.keys(read(v) as object)).toEqual(Object.keys(schema.parse(v)));
      }),
    );
    expect(read({ ...Object.fromEntries(odd.map((k) => [k, 'x'])) })).toBeUndefined();
    for (const key of ['toString', '__proto__', 'constructor', 'hasOwnProperty'])
      expect(() => readObject({ [key]: readString() })).toThrow(TypeError);
  });

  it('leave to zod what zod changes: a key __proto__ (dropped), Infinity (refused)', () => {
    const withProto = parsed('{"a": {"__proto__": 1, "b": 2}}');
    expect(readJsonRecord(withProto)).toBeUndefined();
    expect(z.record(z.string(), z.json()).parse(withProto)).toStrictEqual({ a: { b: 2 } });
    expect(readJsonRecord(parsed('{"a": 1e400}'))).toBeUndefined();
    expect(readJsonRecord({ a: new Date(0) })).toBeUndefined();
  });
});
