// Codec and upcasting: bigints as decimal strings both ways, validation on read, unknown
// types and versions refused with stable codes, and old versions upcast on the read path.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import {
  defineEventCodec,
  InMemoryEventStore,
  UpcasterRegistry,
  zBigint,
  zUnsignedBigint,
  type JsonObject,
  type RecordedEvent,
} from './index';
import { listedV1ToV2, listingCodec, NOW, SELLER, type ListingEvent } from './testing/listing';
import { z } from 'zod';

const meta = { correlationId: 'c-1', causationId: null, actor: 'user:test', occurredAt: NOW };

describe('event codec', () => {
  it('encodes bigints as decimal strings and decodes them back', () => {
    const event: ListingEvent = {
      type: 'Listed',
      data: { seller: SELLER, price: 2n ** 80n, listedAt: NOW },
    };
    const encoded = listingCodec.encode(event);
    expect(encoded).toEqual({
      type: 'Listed',
      schemaVersion: 2,
      data: { seller: SELLER, price: '1208925819614629174706176', listedAt: NOW },
    });
    expect(JSON.parse(JSON.stringify(encoded.data))).toEqual(encoded.data);
    expect(listingCodec.decode(encoded)).toEqual(event);
  });

  it('round-trips any non-negative price', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 256n }), (price) => {
        const e: ListingEvent = { type: 'Repriced', data: { price } };
        expect(listingCodec.decode(JSON.parse(JSON.stringify(listingCodec.encode(e))))).toEqual(e);
      }),
    );
  });

  it('refuses unknown types, stale versions and invalid data with stable codes', () => {
    expect(() => listingCodec.decode({ type: 'Nope', schemaVersion: 1, data: {} })).toThrow(
      expect.objectContaining({ code: 'EVENT_STORE.UNKNOWN_EVENT_TYPE' }),
    );
    expect(() => listingCodec.decode({ type: 'Listed', schemaVersion: 1, data: {} })).toThrow(
      expect.objectContaining({ code: 'EVENT_STORE.EVENT_DECODE_FAILED' }),
    );
    expect(() =>
      listingCodec.decode({ type: 'Repriced', schemaVersion: 1, data: { price: '01' } }),
    ).toThrow(expect.objectContaining({ code: 'EVENT_STORE.EVENT_DECODE_FAILED' }));
    expect(() =>
      listingCodec.decode({
        type: 'Sold',
        schemaVersion: 1,
        data: { buyer: 'nobody', price: '1' },
      }),
    ).toThrow(/buyer/);
  });

  it('zBigint accepts only canonical decimal strings', () => {
    expect(z.decode(zBigint, '-42')).toBe(-42n);
    for (const bad of ['1.0', '1e3', '', '007'])
      expect(zBigint.safeDecode(bad).success).toBe(false);
    expect(z.encode(zBigint, 10n ** 30n)).toBe('1000000000000000000000000000000');
  });
});

describe('event codec with a fast decode', () => {
  type Priced = { type: 'Priced'; data: { price: bigint } };
  const codecWith = (fast: (data: unknown) => { price: bigint } | undefined) => {
    const asked: unknown[] = [];
    const codec = defineEventCodec<Priced>({
      Priced: {
        schemaVersion: 1,
        schema: z.object({ price: zUnsignedBigint }),
        fast: (data) => {
          asked.push(data);
          return fast(data);
        },
      },
    });
    return { codec, asked };
  };

  it('takes the fast answer as it is', () => {
    const answer = { price: 7n };
    const { codec, asked } = codecWith(() => answer);
    const decoded = codec.decode({ type: 'Priced', schemaVersion: 1, data: { price: '1' } });
    expect(decoded.data).toBe(answer);
    expect(asked).toEqual([{ price: '1' }]);
  });

  it('asks zod when the fast decode gives undefined: the same output and the same errors', () => {
    const { codec } = codecWith(() => undefined);
    const zodOnly = defineEventCodec<Priced>({
      Priced: { schemaVersion: 1, schema: z.object({ price: zUnsignedBigint }) },
    });
    const datas: JsonObject[] = [{ price: '12' }, { price: '01' }, { price: -1 }, {}];
    for (const data of datas) {
      const outcome = (c: typeof zodOnly) => {
        try {
          return c.decode({ type: 'Priced', schemaVersion: 1, data });
        } catch (e) {
          return { code: (e as { code: string }).code, message: (e as Error).message };
        }
      };
      expect(outcome(codec)).toEqual(outcome(zodOnly));
    }
    expect(() => codec.decode({ type: 'Priced', schemaVersion: 1, data: { price: '01' } })).toThrow(
      expect.objectContaining({ code: 'EVENT_STORE.EVENT_DECODE_FAILED' }),
    );
  });

  it('is not asked about an unknown type or another version', () => {
    const { codec, asked } = codecWith(() => ({ price: 1n }));
    expect(() => codec.decode({ type: 'Nope', schemaVersion: 1, data: {} })).toThrow(
      expect.objectContaining({ code: 'EVENT_STORE.UNKNOWN_EVENT_TYPE' }),
    );
    expect(() => codec.decode({ type: 'Priced', schemaVersion: 2, data: {} })).toThrow(
      expect.objectContaining({ code: 'EVENT_STORE.EVENT_DECODE_FAILED' }),
    );
    expect(asked).toHaveLength(0);
  });
});

describe('upcasting', () => {
  const registry = new UpcasterRegistry([listedV1ToV2]);
  const v1 = {
    type: 'Listed',
    schemaVersion: 1,
    data: { seller: SELLER, priceGwei: 3 },
    metadata: meta,
  };

  it('brings an old version to the current one, then the codec decodes it', () => {
    const up = registry.upcast(v1);
    expect(up).toEqual({
      ...v1,
      schemaVersion: 2,
      data: { seller: SELLER, price: '3000000000', listedAt: NOW },
    });
    expect(listingCodec.decode(up)).toEqual({
      type: 'Listed',
      data: { seller: SELLER, price: 3_000_000_000n, listedAt: NOW },
    });
  });

  it('leaves current versions untouched (same object)', () => {
    const current = { type: 'Listed', schemaVersion: 2, data: {}, metadata: meta };
    expect(registry.upcast(current)).toBe(current);
  });

  it('chains steps and renames', () => {
    const chain = new UpcasterRegistry([
      {
        type: 'A',
        fromVersion: 1,
        upcast: (e) => ({ type: 'A', schemaVersion: 2, data: { ...e.data, two: true } }),
      },
      {
        type: 'A',
        fromVersion: 2,
        upcast: (e) => ({ type: 'B', schemaVersion: 1, data: { ...e.data, renamed: true } }),
      },
    ]);
    expect(chain.upcast({ type: 'A', schemaVersion: 1, data: {}, metadata: meta })).toMatchObject({
      type: 'B',
      schemaVersion: 1,
      data: { two: true, renamed: true },
    });
  });

  it('refuses duplicates, loops and throwing upcasters with a stable code', () => {
    expect(() => new UpcasterRegistry([listedV1ToV2, listedV1ToV2])).toThrow(/duplicate/);
    const loop = new UpcasterRegistry([
      { type: 'A', fromVersion: 1, upcast: (e) => ({ ...e, schemaVersion: 1 }) },
    ]);
    expect(() => loop.upcast({ type: 'A', schemaVersion: 1, data: {}, metadata: meta })).toThrow(
      expect.objectContaining({ code: 'EVENT_STORE.UPCAST_FAILED' }),
    );
    const boom = new UpcasterRegistry([
      {
        type: 'A',
        fromVersion: 1,
        upcast: () => {
          throw new Error('bad data');
        },
      },
    ]);
    expect(() => boom.upcast({ type: 'A', schemaVersion: 1, data: {}, metadata: meta })).toThrow(
      expect.objectContaining({ code: 'EVENT_STORE.UPCAST_FAILED' }),
    );
  });

  it('is applied by the store read path (stream, all and subscription)', async () => {
    const store = new InMemoryEventStore({ upcasters: registry });
    await store.append('listing-1', [{ id: randomUUID(), ...v1 }], {
      expectedRevision: 'no_stream',
    });
    const check = (e: RecordedEvent | undefined) =>
      expect(e).toMatchObject({ schemaVersion: 2, data: { price: '3000000000' } });
    check((await store.readStream('listing-1'))[0]);
    check((await store.readAll())[0]);
    const controller = new AbortController();
    for await (const e of store.subscribe({ signal: controller.signal })) {
      check(e);
      controller.abort();
    }
    await store.close();
  });
});
