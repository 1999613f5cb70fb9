import { chainFactCodec } from './codec';
import {
  CHAIN_FACT_SCHEMA,
  CHAIN_HEADERS,
  chainFact,
  ChainFactError,
  decodeChainFact,
  encodeChainFact,
  retractionOf,
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
