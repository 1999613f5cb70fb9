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
import { chainFactCodec } from './codec';
import {
  CHAIN_FACT_SCHEMA,
  CHAIN_HEADERS,
  chainFact,
  chainFactDocument,
  chainFactEnvelopeSchema,
  ChainFactError,
  decodeChainFact,
  encodeChainFact,
  fastChainFact,
  retractionOf,
  type ChainFactEnvelope,
  type ChainFactInput,
} from './envelope';
import { foldChainFacts } from './fold';
import { factId, parseFactId, retractionId } from './ids';
import { toJsonArgs } from './json';
import { partitionKey } from './topics';

const blockHash = `0x${'ab'.repeat(32)}`;
const input: ChainFactInput = {
  chainId: 31337,
  contract: 'TestStablecoin',
  address: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  event: 'Transfer',
  blockNumber: 7,
  blockHash,
  blockTimestamp: 1_700_000_000,
  transactionHash: `0x${'cd'.repeat(32)}`,
  transactionIndex: 0,
  logIndex: 3,
  args: toJsonArgs({
    from: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
    to: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    value: 2n ** 70n,
  }),
};

describe('chain fact envelope', () => {
  it('given a decoded log, the fact has the stable id, lowercase hex and bigints as decimal strings', () => {
    const fact = chainFact(input);
    expect(fact).toMatchObject({
      schema: CHAIN_FACT_SCHEMA,
      id: `31337:${blockHash}:3`,
      factId: `31337:${blockHash}:3`,
      kind: 'fact',
      type: 'TestStablecoin.Transfer',
      version: 1,
      address: '0x5fbdb2315678afecb367f032d93f642f64180aa3',
      args: {
        from: '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266',
        to: '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
        value: '1180591620717411303424',
      },
    });
  });

  it('round-trips through bytes, and a retraction keeps the fact id under its own message id', () => {
    const fact = chainFact(input);
    expect(decodeChainFact(encodeChainFact(fact))).toEqual(fact);
    const retraction = retractionOf(fact);
    expect(retraction).toMatchObject({
      kind: 'retracted',
      id: retractionId(fact.factId),
      factId: fact.factId,
    });
    expect(decodeChainFact(encodeChainFact(retraction))).toEqual(retraction);
  });

  it('rejects an envelope whose id does not match its block and log', () => {
    const forged = { ...chainFact(input), id: factId(31337, blockHash, 4) };
    expect(() => encodeChainFact(forged)).toThrow(ChainFactError);
    expect(() => decodeChainFact(JSON.stringify(forged))).toThrow(/id: must be/);
  });

  it('names what is wrong with a message that is not a chain fact', () => {
    expect(() => decodeChainFact(null)).toThrow(
      expect.objectContaining({ code: 'CHAIN_FACT.EMPTY' }),
    );
    expect(() => decodeChainFact('{')).toThrow(
      expect.objectContaining({ code: 'CHAIN_FACT.NOT_JSON' }),
    );
    expect(() => decodeChainFact(JSON.stringify({ schema: 'atelier.chain-fact/v9' }))).toThrow(
      expect.objectContaining({ code: 'CHAIN_FACT.UNSUPPORTED_SCHEMA' }),
    );
  });

  it('parses a fact id back into its parts', () => {
    expect(parseFactId(`1:${blockHash}:0`)).toEqual({ chainId: 1, blockHash, logIndex: 0 });
    expect(() => parseFactId('1:0xabc:0')).toThrow(/not a chain fact id/);
  });
});

describe('toJsonArgs', () => {
  it('encodes nested tuples and arrays, and names unnamed parameters by position', () => {
    expect(toJsonArgs({ p: { parents: [1n, 2n], seed: 5, ok: true, hash: '0xABCD' } })).toEqual({
      p: { parents: ['1', '2'], seed: 5, ok: true, hash: '0xABCD' },
    });
    expect(toJsonArgs([1n, '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'])).toEqual({
      '0': '1',
      '1': '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
    });
  });
});

describe('foldChainFacts', () => {
  it('given a fact, its retraction and the replacing fact, a consumer believes the replacement only', () => {
    const dropped = chainFact(input);
    const replacement = chainFact({ ...input, blockHash: `0x${'ef'.repeat(32)}` });
    const believed = foldChainFacts([
      dropped,
      dropped,
      retractionOf(dropped),
      replacement,
      replacement,
    ]);
    expect([...believed.keys()]).toEqual([replacement.factId]);
  });

  it('ignores the retraction of a fact it never saw', () => {
    expect(foldChainFacts([retractionOf(chainFact(input))]).size).toBe(0);
  });
});

describe('chainFactCodec', () => {
  it("keys a fact by its contract's key strategy, a retraction by the same key, with id, type and kind in headers", () => {
    const fact = chainFact({ ...input, contract: 'ArtworkRegistry', event: 'Transfer' });
    const encoded = chainFactCodec.encode(fact);
    expect(encoded.key).toBe(partitionKey('artwork', fact.address, fact.args));
    expect(encoded.headers).toEqual({
      [CHAIN_HEADERS.eventId]: fact.id,
      [CHAIN_HEADERS.eventType]: 'ArtworkRegistry.Transfer',
      [CHAIN_HEADERS.kind]: 'fact',
      [CHAIN_HEADERS.schema]: CHAIN_FACT_SCHEMA,
    });
    expect(chainFactCodec.decode(encoded.value)).toEqual(fact);
    const retraction = chainFactCodec.encode(retractionOf(fact));
    expect(retraction.key).toBe(encoded.key);
    expect(retraction.headers[CHAIN_HEADERS.kind]).toBe('retracted');
    expect(chainFactCodec.id(retractionOf(fact))).toBe(retractionId(fact.factId));
  });

  it('calls a decode failure poison, and nothing else', () => {
    let error: unknown;
    try {
      chainFactCodec.decode(JSON.stringify({ schema: CHAIN_FACT_SCHEMA }));
    } catch (e) {
      error = e;
    }
    expect(chainFactCodec.isPoison(error)).toBe(true);
    expect((error as ChainFactError).details.issues?.join('\n')).toMatch(/factId/);
    expect(chainFactCodec.isPoison(new TypeError('a bug'))).toBe(false);
  });
});

describe('the fast form of the chain fact envelope (fastChainFact) against zod', () => {
  /** Hex as a log gives it, lower or upper case: chainFact lowercases it. */
  const hexOf = (bytes: number) =>
    fc
      .uint8Array({ minLength: bytes, maxLength: bytes })
      .map((b) => Buffer.from(b).toString('hex'))
      .chain((h) => fc.constantFrom(`0x${h}`, `0x${h.toUpperCase()}`));
  const args = fc
    .dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.jsonValue(), fc.bigInt(), hexOf(20)), {
      maxKeys: 6,
    })
    .map(toJsonArgs);
  const contract = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,15}$/);
  const event = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,15}$/);
  /** A fact and its retraction as chainFact builds them (it checks nothing: encodeChainFact does). */
  const factOf = (names: { contract: fc.Arbitrary<string>; event: fc.Arbitrary<string> }) =>
    fc
      .record({
        chainId: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        contract: names.contract,
        address: hexOf(20),
        event: names.event,
        blockNumber: fc.maxSafeNat(),
        blockHash: hexOf(32),
        blockTimestamp: fc.maxSafeNat(),
        transactionHash: hexOf(32),
        transactionIndex: fc.nat(),
        logIndex: fc.maxSafeNat(),
        args,
      })
      .map(chainFact)
      .chain((f) => fc.constantFrom(f, retractionOf(f)));
  const fact = factOf({ contract, event });
  const rawOf = (f: ChainFactEnvelope): unknown => JSON.parse(JSON.stringify(f));
  // Names a type must not be made of, too (`A-b.c`): a type agrees with them, yet zod refuses it.
  const mutated = factOf({
    contract: fc.oneof(contract, fc.string({ maxLength: 6 })),
    event: fc.oneof(event, fc.string({ maxLength: 6 })),
  }).chain((f) => mutatedJson(rawOf(f)));

  it('gives zod`s output for every fact and retraction a producer writes, without asking zod', () => {
    fc.assert(
      fc.property(
        // A key __proto__, which zod drops, is the one thing left to zod (below).
        fact.filter((f) => !encodeChainFact(f).includes('"__proto__"')),
        (f) => {
          const raw = JSON.parse(encodeChainFact(f).toString('utf8'));
          const fast = fastChainFact(raw);
          expect(fast).not.toBeUndefined();
          expectDeepStrictEqual(fast, chainFactEnvelopeSchema.parse(raw));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('gives zod`s output or undefined for a mutated fact, and undefined whenever zod refuses it', () => {
    const seen = noFastAnswers();
    fc.assert(
      fc.property(mutated, (raw) =>
        recordFastAnswer(seen, chainFactEnvelopeSchema.safeParse(raw), fastChainFact(raw)),
      ),
      { numRuns: 3000 },
    );
    expect(seen.taken).toBeGreaterThan(100);
    expect(seen.refused).toBeGreaterThan(300);
  });

  it('agrees with zod on every single change of sampled facts (a sweep)', () => {
    const seen = noFastAnswers();
    const samples = [
      chainFact(input),
      retractionOf(chainFact(input)),
      ...fc.sample(fact, { numRuns: 4, seed: 515 }),
    ];
    for (const f of samples)
      for (const raw of everySingleMutation(rawOf(f))) {
        recordFastAnswer(seen, chainFactEnvelopeSchema.safeParse(raw), fastChainFact(raw));
      }
  });

  it('decodeChainFact and chainFactCodec.decode decode what zod alone decodes, and fail as it fails', () => {
    const zodOnly = { ...chainFactDocument, fast: undefined };
    fc.assert(
      fc.property(mutated.map(jsonText), (text) => {
        const expected = outcomeOf(() => parseJsonDocument(text, zodOnly));
        expectDeepStrictEqual(
          outcomeOf(() => decodeChainFact(text)),
          expected,
        );
        expectDeepStrictEqual(
          outcomeOf(() => chainFactCodec.decode(Buffer.from(text))),
          expected,
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('leaves args with a key __proto__ to zod, which drops it', () => {
    const text = encodeChainFact(chainFact(input))
      .toString('utf8')
      .replace('"args":{', '"args":{"__proto__":{"x":1},');
    expect(fastChainFact(JSON.parse(text))).toBeUndefined();
    expect(decodeChainFact(text).args).toStrictEqual(chainFact(input).args);
  });
});
