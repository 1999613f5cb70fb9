// parseArgs' fast path (withFastPath) against zod: the same output for every args object zod
// accepts, zod's typed error for every one it refuses, whatever path the checks took.
import fc from 'fast-check';
import { z } from 'zod';
import { factWithoutArgs } from '../testing/chain-history';
import { parseArgs, withFastPath, zAddress, zBytes32, zUint } from './chain-facts';

const shape = { who: zAddress, hash: zBytes32, amount: zUint };
const zodOnly = z.object(shape);
const fast = withFastPath(z.object(shape), { who: 'address', hash: 'bytes32', amount: 'uint' });

const base = factWithoutArgs('Marketplace', 'Deposited');
const factWith = (args: Record<string, unknown>) => ({ ...base, args: args as never });

const outcome = (schema: z.ZodType, args: Record<string, unknown>) => {
  try {
    return { ok: parseArgs(factWith(args), schema) as unknown };
  } catch (e) {
    return { code: (e as { code?: string }).code, message: (e as Error).message };
  }
};

const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-fA-F]{${n}}$`));
const value = fc.oneof(
  hex(40).map((h) => `0x${h}`),
  hex(64).map((h) => `0x${h}`),
  hex(39).map((h) => `0x${h}`),
  fc.stringMatching(/^[0-9]{1,80}$/),
  fc.bigInt({ min: 0n, max: 2n ** 256n }).map(String),
  fc.integer({ min: -5, max: Number.MAX_SAFE_INTEGER }),
  fc.double(),
  fc.constant(1e21),
  fc.constant(null),
  fc.string(),
);

describe('parseArgs fast path', () => {
  it('gives what zod gives, output or typed error', () => {
    fc.assert(
      fc.property(
        fc.record({ who: value, hash: value, amount: value }, { requiredKeys: [] }),
        fc.dictionary(fc.string(), value, { maxKeys: 2 }),
        (known, extra) => {
          const args = { ...extra, ...known };
          expect(outcome(fast, args)).toEqual(outcome(zodOnly, args));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('lowercases, normalizes a leading zero (through zod), refuses a negative amount', () => {
    const args = { who: `0x${'AB'.repeat(20)}`, hash: `0x${'Cd'.repeat(32)}`, amount: '1000' };
    expect(outcome(fast, args)).toEqual({
      ok: { who: `0x${'ab'.repeat(20)}`, hash: `0x${'cd'.repeat(32)}`, amount: '1000' },
    });
    expect(outcome(fast, { ...args, amount: '007' })).toEqual({
      ok: { ...(outcome(fast, args).ok as object), amount: '7' },
    });
    expect(outcome(fast, { ...args, amount: -1 })).toMatchObject({ code: 'CHAIN_FACT.BAD_ARGS' });
  });
});
