import fc from 'fast-check';
import { parseJsonDocument } from '@atelier/kernel';
import {
  everySingleMutation,
  expectDeepStrictEqual,
  jsonText,
  mutatedJson,
  noFastAnswers,
  outcomeOf,
  recordFastAnswer,
} from '@atelier/testing';
import {
  ENVELOPE_SCHEMA,
  EnvelopeError,
  decodeEnvelope,
  encodeEnvelope,
  envelopeDocument,
  envelopeWireSchema,
  fastEnvelopeWire,
  fromWire,
  toWire,
  type EventEnvelope,
} from './envelope';
import { marketEnvelopeCodec } from './codec';
import { HEADERS } from './headers';
import { categoryOf, marketRoutes, marketTopic, TopicNameError } from './topics';

const envelope = (overrides: Partial<EventEnvelope> = {}): EventEnvelope => ({
  eventId: '0b6f6c1e-7d4a-4a3c-9d59-6c1c2f0f9a11',
  type: 'TradeMatched',
  version: 1,
  streamName: 'orderbook-0xabc',
  streamRevision: 3n,
  globalPosition: 42n,
  occurredAt: new Date('2025-01-02T03:04:05.678Z'),
  correlationId: 'corr-1',
  causationId: null,
  data: { price: '1000000', maker: '0x01' },
  metadata: {},
  ...overrides,
});

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    if (e instanceof EnvelopeError) return e.code;
    throw e;
  }
  throw new Error('expected an EnvelopeError');
};

const text = fc.string({ minLength: 1, maxLength: 40 });
const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const arbitraryEnvelope: fc.Arbitrary<EventEnvelope> = fc.record({
  eventId: text,
  type: text,
  version: fc.integer({ min: 1, max: 1000 }),
  streamName: text,
  streamRevision: u64,
  globalPosition: u64,
  occurredAt: fc.date({
    min: new Date('1970-01-01T00:00:00Z'),
    max: new Date('9999-12-31T23:59:59Z'),
    noInvalidDate: true,
  }),
  correlationId: fc.option(text, { nil: null }),
  causationId: fc.option(text, { nil: null }),
  data: fc.dictionary(
    fc.string().filter((k) => k !== '__proto__'),
    fc.jsonValue(),
  ) as fc.Arbitrary<Record<string, unknown>>,
  metadata: fc.dictionary(
    fc.string().filter((k) => k !== '__proto__'),
    fc.jsonValue(),
  ) as fc.Arbitrary<Record<string, unknown>>,
});

describe('event envelope codec', () => {
  it('round-trips any valid envelope exactly, bigints included (payloads as their JSON image)', () => {
    const jsonImage = (v: unknown) => JSON.parse(JSON.stringify(v)); // e.g. -0 is 0 in JSON
    fc.assert(
      fc.property(arbitraryEnvelope, (e) => {
        expect(decodeEnvelope(encodeEnvelope(e))).toEqual({
          ...e,
          data: jsonImage(e.data),
          metadata: jsonImage(e.metadata),
        });
      }),
      { numRuns: 300 },
    );
  });

  it('writes positions as decimal strings, exact beyond 2^53', () => {
    const big = 2n ** 63n + 1n;
    const wire = JSON.parse(
      encodeEnvelope(envelope({ globalPosition: big, streamRevision: 0n })).toString(),
    );
    expect(wire).toMatchObject({
      schema: ENVELOPE_SCHEMA,
      globalPosition: '9223372036854775809',
      streamRevision: '0',
    });
    expect(decodeEnvelope(JSON.stringify(wire)).globalPosition).toBe(big);
  });

  it('writes bigints inside the payload as decimal strings', () => {
    const bytes = encodeEnvelope(
      envelope({ data: { price: 12_345_678_901_234_567_890n, nested: { fee: 7n } } }),
    );
    expect(decodeEnvelope(bytes).data).toEqual({
      price: '12345678901234567890',
      nested: { fee: '7' },
    });
  });

  it('ignores fields it does not know (a newer producer of the same schema)', () => {
    const wire = { ...toWire(envelope()), addedLater: true };
    expect(decodeEnvelope(JSON.stringify(wire))).toEqual(envelope());
  });

  it('defaults missing metadata to an empty object', () => {
    const wire: Partial<ReturnType<typeof toWire>> = toWire(envelope());
    delete wire.metadata;
    expect(decodeEnvelope(JSON.stringify(wire)).metadata).toEqual({});
  });

  describe('rejects a poison message with a stable code', () => {
    it.each([
      ['a tombstone', null, 'ENVELOPE.EMPTY'],
      ['an empty value', Buffer.alloc(0), 'ENVELOPE.EMPTY'],
      ['bytes that are not JSON', Buffer.from('{"schema": nope'), 'ENVELOPE.NOT_JSON'],
      ['a JSON array', '[]', 'ENVELOPE.INVALID'],
      [
        'another envelope schema',
        JSON.stringify({ ...toWire(envelope()), schema: 'atelier.envelope/v9' }),
        'ENVELOPE.UNSUPPORTED_SCHEMA',
      ],
      [
        'no schema at all',
        JSON.stringify({ ...toWire(envelope()), schema: undefined }),
        'ENVELOPE.INVALID',
      ],
      [
        'a position as a JSON number',
        JSON.stringify({ ...toWire(envelope()), globalPosition: 42 }),
        'ENVELOPE.INVALID',
      ],
      [
        'a negative revision',
        JSON.stringify({ ...toWire(envelope()), streamRevision: '-1' }),
        'ENVELOPE.INVALID',
      ],
      [
        'a position with leading zeros',
        JSON.stringify({ ...toWire(envelope()), globalPosition: '007' }),
        'ENVELOPE.INVALID',
      ],
      [
        'a date without offset',
        JSON.stringify({ ...toWire(envelope()), occurredAt: '2025-01-02 03:04' }),
        'ENVELOPE.INVALID',
      ],
      [
        'a payload that is not an object',
        JSON.stringify({ ...toWire(envelope()), data: 'x' }),
        'ENVELOPE.INVALID',
      ],
      [
        'a payload that is an array',
        JSON.stringify({ ...toWire(envelope()), data: [1] }),
        'ENVELOPE.INVALID',
      ],
      [
        'a payload that is null',
        JSON.stringify({ ...toWire(envelope()), data: null }),
        'ENVELOPE.INVALID',
      ],
      [
        'metadata that is not an object',
        JSON.stringify({ ...toWire(envelope()), metadata: [] }),
        'ENVELOPE.INVALID',
      ],
      ['version 0', JSON.stringify({ ...toWire(envelope()), version: 0 }), 'ENVELOPE.INVALID'],
      ['no event id', JSON.stringify({ ...toWire(envelope()), eventId: '' }), 'ENVELOPE.INVALID'],
    ])('%s', (_what, bytes, code) => {
      expect(codeOf(() => decodeEnvelope(bytes as Buffer | string | null))).toBe(code);
    });

    it('names every invalid field', () => {
      const wire = { ...toWire(envelope()), eventId: '', globalPosition: 'x' };
      try {
        decodeEnvelope(JSON.stringify(wire));
        throw new Error('expected a failure');
      } catch (e) {
        expect((e as EnvelopeError).details.issues?.join('\n')).toMatch(/eventId/);
        expect((e as EnvelopeError).details.issues?.join('\n')).toMatch(/globalPosition/);
      }
    });

    it('any random bytes either decode to a valid envelope or fail with an EnvelopeError', () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.uint8Array({ maxLength: 200 }),
            fc.json().map((s) => new TextEncoder().encode(s)),
          ),
          (bytes) => {
            try {
              decodeEnvelope(Buffer.from(bytes));
            } catch (e) {
              expect(e).toBeInstanceOf(EnvelopeError);
            }
          },
        ),
        { numRuns: 300 },
      );
    });
  });

  it('refuses to encode an envelope its consumers would reject', () => {
    expect(codeOf(() => encodeEnvelope(envelope({ eventId: '' })))).toBe('ENVELOPE.INVALID');
    expect(codeOf(() => encodeEnvelope(envelope({ occurredAt: new Date(Number.NaN) })))).toBe(
      'ENVELOPE.INVALID',
    );
    expect(codeOf(() => encodeEnvelope(envelope({ globalPosition: -1n })))).toBe(
      'ENVELOPE.INVALID',
    );
    expect(codeOf(() => encodeEnvelope(envelope({ version: 1.5 })))).toBe('ENVELOPE.INVALID');
  });
});

describe('the fast form of the envelope (fastEnvelopeWire) against zod', () => {
  const rawOf = (e: EventEnvelope): unknown => JSON.parse(encodeEnvelope(e).toString('utf8'));
  const mutated = arbitraryEnvelope.chain((e) => mutatedJson(rawOf(e)));

  it('gives zod`s output for every envelope a producer writes, without asking zod', () => {
    fc.assert(
      fc.property(arbitraryEnvelope, (e) => {
        const raw = rawOf(e);
        const fast = fastEnvelopeWire(raw);
        expect(fast).not.toBeUndefined();
        expectDeepStrictEqual(fast, envelopeWireSchema.parse(raw));
      }),
      { numRuns: 300 },
    );
  });

  it('gives zod`s output or undefined for a mutated envelope, and undefined whenever zod refuses it', () => {
    const seen = noFastAnswers();
    fc.assert(
      fc.property(mutated, (raw) =>
        recordFastAnswer(seen, envelopeWireSchema.safeParse(raw), fastEnvelopeWire(raw)),
      ),
      { numRuns: 3000 },
    );
    expect(seen.taken).toBeGreaterThan(300);
    expect(seen.refused).toBeGreaterThan(300);
  });

  it('agrees with zod on every single change of sampled envelopes (a sweep)', () => {
    const seen = noFastAnswers();
    const samples = [envelope(), ...fc.sample(arbitraryEnvelope, { numRuns: 4, seed: 515 })];
    for (const e of samples)
      for (const raw of everySingleMutation(rawOf(e))) {
        recordFastAnswer(seen, envelopeWireSchema.safeParse(raw), fastEnvelopeWire(raw));
      }
  });

  it('decodeEnvelope decodes what zod alone decodes, and fails as zod alone fails', () => {
    const zodOnly = { ...envelopeDocument, fast: undefined };
    fc.assert(
      fc.property(mutated.map(jsonText), (text) => {
        expectDeepStrictEqual(
          outcomeOf(() => decodeEnvelope(text)),
          outcomeOf(() => fromWire(parseJsonDocument(text, zodOnly))),
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('takes the spellings zod takes: offsets, any fraction of a second, leap days; no metadata', () => {
    const wire = toWire(envelope());
    for (const occurredAt of [
      '2024-02-29T00:00:00Z',
      '2000-02-29T12:00:00.123456+05:30',
      '2025-01-02T03:04:05-23:59',
    ])
      expect(fastEnvelopeWire({ ...wire, occurredAt })).toStrictEqual(
        envelopeWireSchema.parse({ ...wire, occurredAt }),
      );
    for (const occurredAt of ['2023-02-29T00:00:00Z', '2025-01-02T03:04Z', '2025-01-02T24:00:00Z'])
      expect(fastEnvelopeWire({ ...wire, occurredAt })).toBeUndefined();
    const withoutMetadata: Partial<typeof wire> = { ...wire };
    delete withoutMetadata.metadata;
    expect(fastEnvelopeWire(withoutMetadata)).toStrictEqual({ ...wire, metadata: {} });
  });
});

describe('market topics', () => {
  it('routes a stream to its category topic', () => {
    expect(categoryOf('orderbook-0xabc-def')).toBe('orderbook');
    expect(categoryOf('artwork')).toBe('artwork');
    expect(marketTopic(categoryOf('orderbook-0xabc'))).toBe('market.orderbook');
    expect(marketTopic('artwork', 'test-1.market')).toBe('test-1.market.artwork');
    expect(marketRoutes(['artwork', 'orderbook'], 't.market')).toEqual({
      artwork: 't.market.artwork',
      orderbook: 't.market.orderbook',
    });
  });

  it('refuses names Kafka would reject', () => {
    expect(() => marketTopic('order book')).toThrow(TopicNameError);
    expect(() => marketTopic('x'.repeat(250))).toThrow(/not a valid Kafka topic name/);
  });
});

describe('marketEnvelopeCodec', () => {
  it('keys by stream name, carries id, type and schema in headers, and round-trips', () => {
    const e = envelope();
    const encoded = marketEnvelopeCodec.encode(e);
    expect(encoded.key).toBe(e.streamName);
    expect(encoded.headers).toEqual({
      [HEADERS.eventId]: e.eventId,
      [HEADERS.eventType]: e.type,
      [HEADERS.schema]: ENVELOPE_SCHEMA,
      [HEADERS.contentType]: 'application/json',
    });
    expect(marketEnvelopeCodec.decode(encoded.value)).toEqual(e);
    expect(marketEnvelopeCodec.id(e)).toBe(e.eventId);
  });

  it('calls a decode failure poison, and nothing else', () => {
    const error = (() => {
      try {
        marketEnvelopeCodec.decode('{');
      } catch (e) {
        return e;
      }
    })();
    expect(marketEnvelopeCodec.isPoison(error)).toBe(true);
    expect(marketEnvelopeCodec.isPoison(new TypeError('a bug'))).toBe(false);
  });
});
