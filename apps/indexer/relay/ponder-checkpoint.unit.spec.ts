import { decodePonderCheckpoint } from './ponder-checkpoint';

describe("decodePonderCheckpoint (ponder@0.16's format)", () => {
  it('a checkpoint at the end of a block covers that block', () => {
    // taken from a real _ponder_checkpoint row: block 6 of chain 31337, block end
    expect(
      decodePonderCheckpoint(
        '179556158000000000000313370000000000000006999999999999999999999999999999999',
      ),
    ).toEqual({ chainId: 31337, blockNumber: 6, blockTimestamp: 1795561580, completeBlock: 6 });
  });

  it('a checkpoint inside a block covers only the blocks before it', () => {
    const inside =
      '1795561580' +
      '0000000000031337' +
      '0000000000000006' +
      '0000000000000002' +
      '5' +
      '0000000000000004';
    expect(decodePonderCheckpoint(inside).completeBlock).toBe(5);
  });

  it('refuses a format it does not know', () => {
    expect(() => decodePonderCheckpoint('123')).toThrow(/unexpected Ponder checkpoint/);
  });
});
