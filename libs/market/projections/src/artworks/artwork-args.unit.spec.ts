// The mint's args through parseArgs' fast path against zod alone: zod's output for every args
// object zod accepts, the typed error for every one it refuses (valid mints with one field
// perturbed now and then: a bad address, a leading zero, a number, too long, a wrong type).
import fc from 'fast-check';
import { parseArgs } from '../chain-facts/chain-facts';
import { factWithoutArgs } from '../testing/chain-history';
import { artworkMintedArgs } from './artwork-args';

const base = factWithoutArgs('ArtworkRegistry', 'ArtworkMinted');

const hex = (n: number) => fc.stringMatching(new RegExp(`^0x[0-9a-fA-F]{${n}}$`));
const odd = fc.oneof(
  fc.constant(null),
  fc.constant('0x12'),
  fc.constant('007'),
  fc.constant(-1),
  fc.constant(2 ** 60),
  fc.constant(1.5),
  fc.constant('x'.repeat(10_001)),
  fc.constant([]),
  fc.constant({}),
  fc.string(),
);
/** Mostly a valid value of the arbitrary, sometimes something odd. */
const maybe = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof(
    { arbitrary: valid, weight: 12 },
    { arbitrary: odd as fc.Arbitrary<unknown>, weight: 1 },
  );
const uint = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 256n }).map(String), fc.nat());
const bps = fc.integer({ min: 0, max: 10_000 });

const mint = fc.record({
  tokenId: maybe(uint),
  creator: maybe(hex(40)),
  owner: maybe(hex(40)),
  provenanceHash: maybe(hex(64)),
  royaltyReceiver: maybe(hex(40)),
  royaltyBps: maybe(bps),
  provenance: maybe(
    fc.record({
      modelId: maybe(fc.string()),
      modelHash: maybe(hex(64)),
      promptHash: maybe(hex(64)),
      seed: maybe(uint),
      manifestHash: maybe(hex(64)),
      manifestURI: maybe(fc.string()),
      parents: maybe(fc.array(maybe(uint), { maxLength: 3 })),
      contributors: maybe(
        fc.array(maybe(fc.record({ account: maybe(hex(40)), bps: maybe(bps) })), { maxLength: 3 }),
      ),
    }),
  ),
});

it("parseArgs gives zod's output for a mint zod accepts, and CHAIN_FACT.BAD_ARGS for one it refuses", () => {
  let accepted = 0;
  fc.assert(
    fc.property(mint, (args) => {
      const zod = artworkMintedArgs.safeParse(args);
      const fact = { ...base, args: args as never };
      if (zod.success) {
        accepted++;
        expect(parseArgs(fact, artworkMintedArgs)).toEqual(zod.data);
      } else
        expect(() => parseArgs(fact, artworkMintedArgs)).toThrow(
          expect.objectContaining({ code: 'CHAIN_FACT.BAD_ARGS' }),
        );
    }),
    { numRuns: 1500 },
  );
  expect(accepted).toBeGreaterThan(100);
});
