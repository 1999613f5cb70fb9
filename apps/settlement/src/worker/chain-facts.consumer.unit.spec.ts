// What a chain fact means for this operator's settlement: the Marketplace's BatchSettled of our
// operator on our chain is a sighting (its retraction a retracted sighting); anything else is
// not ours; malformed args throw (the consumer dead-letters them).
import { chainFact, retractionOf, type ChainFactEnvelope } from '@atelier/chain-messages';
import { sightingOf } from './chain-facts.consumer';

const MARKETPLACE = `0x${'ab'.repeat(20)}` as const;
const OPERATOR = `0x${'CD'.repeat(20)}` as const;
const o = { chainId: 31337, marketplace: MARKETPLACE, operator: OPERATOR };
const AT = '2026-12-01T00:00:00.000Z';

const fact = (over: Partial<Parameters<typeof chainFact>[0]> = {}): ChainFactEnvelope =>
  chainFact({
    chainId: 31337,
    contract: 'Marketplace',
    address: MARKETPLACE,
    event: 'BatchSettled',
    blockNumber: 42,
    blockHash: `0x${'11'.repeat(32)}`,
    blockTimestamp: 1,
    transactionHash: `0x${'22'.repeat(32)}`,
    transactionIndex: 0,
    logIndex: 7,
    args: { operator: OPERATOR.toLowerCase(), settled: '3', skipped: '1' },
    ...over,
  });

describe('sightingOf', () => {
  it("reads our operator's BatchSettled as a sighting, its retraction as a retracted one", () => {
    expect(sightingOf(fact(), o, AT)).toEqual({
      type: 'RecordSighting',
      transactionHash: `0x${'22'.repeat(32)}`,
      block: 42n,
      blockHash: `0x${'11'.repeat(32)}`,
      settled: 3,
      skipped: 1,
      at: AT,
    });
    expect(sightingOf(retractionOf(fact()), o, AT)).toEqual({
      type: 'RetractSighting',
      transactionHash: `0x${'22'.repeat(32)}`,
      blockHash: `0x${'11'.repeat(32)}`,
      at: AT,
    });
  });

  it('skips other events, contracts, chains and operators', () => {
    expect(sightingOf(fact({ event: 'TradeSettled' }), o, AT)).toBeNull();
    expect(sightingOf(fact({ address: `0x${'ef'.repeat(20)}` }), o, AT)).toBeNull();
    expect(sightingOf(fact({ chainId: 1 }), o, AT)).toBeNull();
    expect(
      sightingOf(
        fact({ args: { operator: `0x${'01'.repeat(20)}`, settled: '1', skipped: '0' } }),
        o,
        AT,
      ),
    ).toBeNull();
  });

  it('throws on args that are not what BatchSettled logs', () => {
    expect(() => sightingOf(fact({ args: { settled: '1', skipped: '0' } }), o, AT)).toThrow();
    expect(() =>
      sightingOf(fact({ args: { operator: OPERATOR, settled: '-1', skipped: '0' } }), o, AT),
    ).toThrow();
  });
});
