import { toJsonArgs } from './json';
import { chainTopic, partitionKey } from './topics';

const registry = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

describe('chain topics', () => {
  it('one topic per contract under chain.*, with a prefix for tests and tenants', () => {
    expect(chainTopic('TestStablecoin')).toBe('chain.test-stablecoin');
    expect(chainTopic('ArtworkRegistry')).toBe('chain.artwork-registry');
    expect(chainTopic('Marketplace', 'it-1.chain')).toBe('it-1.chain.marketplace');
    expect(() => chainTopic('Unknown')).toThrow(/add it to CHAIN_CONTRACTS/);
  });
});

describe('partition keys', () => {
  it('artwork facts are keyed by collection and token, other registry facts by the collection', () => {
    expect(partitionKey('artwork', registry, toJsonArgs({ tokenId: 42n, from: registry }))).toBe(
      `${registry.toLowerCase()}:42`,
    );
    expect(partitionKey('artwork', registry, toJsonArgs({ baseURI: 'ipfs://x' }))).toBe(
      registry.toLowerCase(),
    );
  });

  it('market facts are keyed by the collection they trade, else the market contract', () => {
    const market = '0x00000000000000000000000000000000000000AA';
    expect(partitionKey('market', market, toJsonArgs({ collection: registry, tokenId: 1n }))).toBe(
      registry.toLowerCase(),
    );
    expect(partitionKey('market', market, toJsonArgs({ maker: registry }))).toBe(
      market.toLowerCase(),
    );
  });

  it('stablecoin facts are keyed by the token', () => {
    expect(partitionKey('contract', registry, toJsonArgs({ from: registry, value: 1n }))).toBe(
      registry.toLowerCase(),
    );
  });
});
