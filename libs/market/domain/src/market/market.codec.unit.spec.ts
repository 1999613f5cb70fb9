// The fast decodes of the market's events against their zod codecs: for every event the market
// writes, the fast form answers, with zod's output; for data mutated anywhere it gives zod's
// output or undefined (and undefined whenever zod refuses); marketEventCodec.decode decodes and
// fails exactly as a codec of the zod schemas alone.
import fc from 'fast-check';
import { defineEventCodec, type EventDefinitions, type JsonObject } from '@atelier/eventsourcing';
import type { Address, OrderHash } from '@atelier/kernel';
import {
  everySingleMutation,
  expectDeepStrictEqual,
  jsonText,
  mutatedJson,
  noFastAnswers,
  outcomeOf,
  recordFastAnswer,
} from '@atelier/testing';
import { marketEventCodec, marketEventDefinitions } from './market.codec';
import { ORDER_STATUSES, type MarketEvent } from './market';
import type { Hex } from './order';
import { SKIP_REASONS } from './skip-reasons';

// ---- events as the market writes them ------------------------------------------------------

const address = fc.stringMatching(/^0x[0-9a-f]{40}$/) as fc.Arbitrary<Address>;
const orderHash = fc.stringMatching(/^0x[0-9a-f]{64}$/) as fc.Arbitrary<OrderHash>;
const hex = fc
  .uint8Array({ maxLength: 70 })
  .map((b) => Buffer.from(b).toString('hex'))
  .chain((h) => fc.constantFrom(`0x${h}`, `0x${h.toUpperCase()}`)) as fc.Arbitrary<Hex>;
const uint = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }), fc.constantFrom(0n, 1n));
const at = fc
  .date({
    min: new Date('2000-01-01T00:00:00Z'),
    max: new Date('2100-01-01T00:00:00Z'),
    noInvalidDate: true,
  })
  .map((d) => d.toISOString());
const text = fc.string({ maxLength: 20 });
const status = fc.constantFrom(...ORDER_STATUSES);
const order = fc.record({
  maker: address,
  kind: fc.constantFrom(0 as const, 1 as const, 2 as const),
  collection: address,
  tokenId: uint,
  currency: address,
  price: uint,
  start: uint,
  expiry: uint,
  counter: uint,
  nonce: uint,
});
const signedOrder = fc.record({ hash: orderHash, order, signature: hex });
const contributors = fc.array(fc.record({ account: address, amount: uint }), { maxLength: 3 });
const askSplit = fc.record({
  royaltyReceiver: fc.option(address, { nil: null }),
  royalty: uint,
  contributors,
});
const tradeSplit = fc.record({
  price: uint,
  feeRecipient: fc.option(address, { nil: null }),
  protocolFee: uint,
  royaltyReceiver: fc.option(address, { nil: null }),
  royalty: uint,
  contributors,
  attribution: uint,
  sellerProceeds: uint,
});

const event = <T extends MarketEvent['type']>(
  type: T,
  data: fc.Arbitrary<Extract<MarketEvent, { type: T }>['data']>,
): fc.Arbitrary<MarketEvent> => data.map((d) => ({ type, data: d }) as MarketEvent);

const marketEvent: fc.Arbitrary<MarketEvent> = fc.oneof(
  event(
    'OrderAccepted',
    fc.record({
      collection: address,
      hash: orderHash,
      order,
      signature: hex,
      seq: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })),
      acceptedAt: at,
      status,
      reason: fc.option(text, { nil: null }),
      split: fc.option(askSplit, { nil: null }),
    }),
  ),
  event(
    'OrderStatusChanged',
    fc.record({
      hash: orderHash,
      from: status,
      status,
      reason: fc.option(text, { nil: null }),
      at,
    }),
  ),
  event(
    'CancelRecorded',
    fc.record({
      cancelId: fc.oneof(
        fc.constantFrom('c', 'c'.repeat(200)),
        fc.string({ minLength: 1, maxLength: 200 }),
      ),
      maker: address,
      hashes: fc.array(orderHash, { maxLength: 4 }),
      at,
    }),
  ),
  event(
    'TokenObserved',
    fc.record({ tokenId: uint, owner: address, approved: fc.boolean(), block: uint }),
  ),
  event(
    'FundsObserved',
    fc.record({
      maker: address,
      currency: address,
      balance: uint,
      reservedElsewhere: uint,
      block: uint,
    }),
  ),
  event('CounterObserved', fc.record({ maker: address, counter: uint, block: uint })),
  event(
    'NonceObserved',
    fc.record({
      maker: address,
      nonce: uint,
      state: fc.constantFrom('open' as const, 'filled' as const, 'cancelled' as const),
      filledBy: fc.option(orderHash, { nil: null }),
      block: uint,
    }),
  ),
  event(
    'ProtocolFeeObserved',
    fc.record({
      recipient: fc.option(address, { nil: null }),
      bps: fc.oneof(fc.constantFrom(0, 10_000), fc.integer({ min: 0, max: 10_000 })),
      block: uint,
    }),
  ),
  event(
    'TradeMatched',
    fc.record({
      tradeId: fc.string({ minLength: 1, maxLength: 20 }),
      collection: address,
      tokenId: uint,
      currency: address,
      price: uint,
      seller: address,
      buyer: address,
      ask: signedOrder,
      bid: signedOrder,
      split: tradeSplit,
      matchedAt: at,
    }),
  ),
  event(
    'TradeSettled',
    fc.record({
      tradeId: fc.string({ minLength: 1, maxLength: 20 }),
      transactionHash: hex,
      block: uint,
      at,
    }),
  ),
  event(
    'TradeUnsettled',
    fc.record({ tradeId: fc.string({ minLength: 1, maxLength: 20 }), reason: text, at }),
  ),
  event(
    'TradeReleased',
    fc.record({
      tradeId: fc.string({ minLength: 1, maxLength: 20 }),
      reason: fc.constantFrom(...SKIP_REASONS),
      at,
    }),
  ),
);

/** An event as a projector reads it: encoded, through JSON text (the envelope's data). */
const stored = (e: MarketEvent) => {
  const encoded = marketEventCodec.encode(e);
  return { ...encoded, data: JSON.parse(JSON.stringify(encoded.data)) as JsonObject };
};

const definition = (type: string) =>
  (marketEventDefinitions as Record<string, (typeof marketEventDefinitions)[MarketEvent['type']]>)[
    type
  ]!;

/** The codec of the zod schemas alone. */
const zodOnly = defineEventCodec<MarketEvent>(
  Object.fromEntries(
    Object.entries(marketEventDefinitions).map(([type, { schemaVersion, schema }]) => [
      type,
      { schemaVersion, schema },
    ]),
  ) as EventDefinitions<MarketEvent>,
);

// ---- the properties ------------------------------------------------------------------------

describe('market event codec: the fast decodes against zod', () => {
  it('every event type has a fast form', () => {
    for (const type of marketEventCodec.types) expect(definition(type).fast).toBeDefined();
  });

  it('give zod`s output for every event the market writes, without asking zod', () => {
    const types = new Set<string>();
    fc.assert(
      fc.property(marketEvent, (e) => {
        const s = stored(e);
        const def = definition(e.type);
        const fast = def.fast!(s.data);
        expect(fast).not.toBeUndefined();
        expectDeepStrictEqual(fast, def.schema.decode(s.data));
        expect(fast).toEqual(e.data); // the round trip (fast-check's records may lack a prototype)
        types.add(e.type);
      }),
      { numRuns: 1500 },
    );
    expect(types.size).toBe(marketEventCodec.types.length);
  });

  it('agree with zod on every single change of sampled events (a sweep)', () => {
    const seen = noFastAnswers();
    let checked = 0;
    for (const type of marketEventCodec.types) {
      const def = definition(type);
      const events = fc.sample(
        marketEvent.filter((e) => e.type === type),
        { numRuns: 3, seed: 20_260_515 },
      );
      for (const e of events)
        for (const data of everySingleMutation(stored(e).data)) {
          recordFastAnswer(seen, def.schema.safeDecode(data), def.fast!(data as JsonObject));
          checked++;
        }
    }
    expect(checked).toBeGreaterThan(10_000);
  });

  it('give zod`s output or undefined for mutated data, and undefined whenever zod refuses it', () => {
    const seen = noFastAnswers();
    fc.assert(
      fc.property(
        marketEvent.chain((e) =>
          mutatedJson(stored(e).data).map((data) => ({ type: e.type, data })),
        ),
        ({ type, data }) => {
          const def = definition(type);
          recordFastAnswer(seen, def.schema.safeDecode(data), def.fast!(data as JsonObject));
        },
      ),
      { numRuns: 4000 },
    );
    expect(seen.taken).toBeGreaterThan(300);
    expect(seen.refused).toBeGreaterThan(1000);
  });

  it('marketEventCodec.decode decodes what zod alone decodes, and fails as it fails', () => {
    fc.assert(
      fc.property(
        marketEvent.chain((e) => {
          const s = stored(e);
          return mutatedJson(s.data).map((data) => ({
            type: e.type,
            schemaVersion: s.schemaVersion,
            // as a projector gets it: JSON.parse of the message (Infinity from 1e400 included)
            data: JSON.parse(jsonText(data)) as JsonObject,
          }));
        }),
        (s) =>
          expectDeepStrictEqual(
            outcomeOf(() => marketEventCodec.decode(s)),
            outcomeOf(() => zodOnly.decode(s)),
          ),
      ),
      { numRuns: 1500 },
    );
  });

  it('leaves addresses and hashes in upper or mixed case to zod, which lower-cases them', () => {
    let leftToZod = 0;
    fc.assert(
      fc.property(marketEvent, fc.boolean(), (e, mixed) => {
        const s = stored(e);
        const text = JSON.stringify(s.data).replace(
          /"0x([0-9a-f]{40}|[0-9a-f]{64})"/g,
          (m) =>
            `"0x${mixed ? m.slice(3).replace(/[a-f]/, (c) => c.toUpperCase()) : m.slice(3).toUpperCase()}`,
        );
        const data = JSON.parse(text) as JsonObject;
        const def = definition(e.type);
        const fast = def.fast!(data);
        const decoded = def.schema.decode(data);
        if (fast === undefined) leftToZod++;
        else expectDeepStrictEqual(fast, decoded);
        const stored2 = { ...s, data };
        expectDeepStrictEqual(marketEventCodec.decode(stored2), zodOnly.decode(stored2));
      }),
      { numRuns: 500 },
    );
    expect(leftToZod).toBeGreaterThan(300);
  });
});
