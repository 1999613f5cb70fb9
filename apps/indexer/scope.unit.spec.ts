import { concernsMarketplace } from './scope';

const market = '0x00000000000000000000000000000000000000AA';
const alice = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const bob = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';

describe('stablecoin facts that concern the marketplace', () => {
  it('given a transfer into, out of, or an approval of the marketplace, keeps it', () => {
    const tx = { to: alice };
    expect(
      concernsMarketplace(
        { args: { from: alice, to: market.toLowerCase(), value: 1n }, transaction: tx },
        market,
      ),
    ).toBe(true);
    expect(
      concernsMarketplace({ args: { from: market, to: bob, value: 1n }, transaction: tx }, market),
    ).toBe(true);
    expect(
      concernsMarketplace(
        { args: { owner: alice, spender: market, value: 1n }, transaction: tx },
        market,
      ),
    ).toBe(true);
  });

  it('given a transfer between third parties in a transaction sent to the marketplace (settleBatch), keeps it', () => {
    expect(
      concernsMarketplace(
        { args: { from: alice, to: bob, value: 5n }, transaction: { to: market } },
        market,
      ),
    ).toBe(true);
  });

  it('given a transfer between third parties elsewhere, drops it', () => {
    expect(
      concernsMarketplace(
        { args: { from: alice, to: bob, value: 5n }, transaction: { to: alice } },
        market,
      ),
    ).toBe(false);
    expect(concernsMarketplace({ args: [alice, bob, 5n], transaction: { to: null } }, market)).toBe(
      false,
    );
  });
});
