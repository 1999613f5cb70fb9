// The activity feed on real PostgreSQL, the orders model and the chain models in one schema
// (each event and fact applied twice): mints, a plain transfer (the mints' and sales'
// transfers are not repeated), sales, listings and bids, an off-chain cancel, matches with
// their trade's status; filters by collection, token, account and kind; newest first; the
// keyset cursor walks the whole feed in the same order as one page.
import { factAt, openMarketAndChain, type MarketAndChain } from '../testing/market-and-chain';
import {
  ALICE,
  BUYER as CHAIN_BUYER,
  BUYER2 as CHAIN_BUYER2,
  CREATOR1,
  REGISTRY,
} from '../testing/chain-history';
import { A, B, BUYER, BUYER2, NOW, SELLER2 } from '../testing/market-history';
import { ActivityReader, type ActivityItem } from './activity.reader';

let m: MarketAndChain;
let reader: ActivityReader;
const kindsOf = (items: readonly ActivityItem[]) => items.map((i) => `${i.kind}:${i.tokenId}`);

beforeAll(async () => {
  m = await openMarketAndChain('activity');
  // A plain transfer of work 1, in a block of its own.
  await m.applyFacts([
    factAt(11, 'ArtworkRegistry', 'Transfer', { from: CHAIN_BUYER, to: CHAIN_BUYER2, tokenId: 1n }),
  ]);
  reader = new ActivityReader(m.ds, m.ds);
});
afterAll(() => m?.close());

describe('activity feed', () => {
  it("a collection's chain activity: mints, sales, a transfer, newest first", async () => {
    const { items } = await reader.list({ collection: REGISTRY });
    expect(kindsOf(items)).toEqual([
      'transfer:1',
      'sale:3',
      'sale:2',
      'sale:1',
      'mint:3',
      'mint:2',
      'mint:1',
    ]);
    expect(items[0]).toMatchObject({
      from: CHAIN_BUYER,
      to: CHAIN_BUYER2,
      block: '11',
      at: new Date((1_800_000_000 + 11 * 12) * 1000).toISOString(),
      transactionHash: expect.stringMatching(/^0x/),
    });
    expect(items[3]).toMatchObject({
      kind: 'sale',
      from: ALICE,
      to: CHAIN_BUYER,
      price: '400',
      status: 'settled',
    });
    expect(items[6]).toMatchObject({ kind: 'mint', from: null, to: ALICE, block: '2' });
  });

  it("a market's activity: listings, bids, matches with their status, a cancel", async () => {
    const { items } = await reader.list({ collection: B });
    expect(items.map((i) => i.kind).sort()).toEqual(
      ['bid', 'bid', 'listing', 'listing', 'match', 'match'].sort(),
    );
    const matches = items.filter((i) => i.kind === 'match');
    expect(matches.map((i) => [i.tradeId, i.status]).sort()).toEqual([
      [`${B}:1`, 'matched'],
      [`${B}:2`, 'released'],
    ]);
    const a = await reader.list({ collection: A, account: BUYER2 });
    // The cancel's time is its status change's event time (the history's store clock, not the
    // commands' NOW), so only the set is compared here.
    expect(a.items.map((i) => [i.kind, i.tokenId, i.to, i.status]).sort()).toEqual([
      ['cancel', null, BUYER2, 'cancelled-off-chain'],
      ['collection-bid', null, BUYER2, 'cancelled-off-chain'],
    ]);
    expect(a.items.find((i) => i.kind === 'collection-bid')!.at).toBe(
      new Date(Number(NOW) * 1000).toISOString(),
    );
  });

  it('filters by token, account and kinds', async () => {
    expect(kindsOf((await reader.list({ collection: REGISTRY, tokenId: '1' })).items)).toEqual([
      'transfer:1',
      'sale:1',
      'mint:1',
    ]);
    expect(kindsOf((await reader.list({ account: CREATOR1 })).items)).toEqual(['mint:3', 'mint:1']);
    const sellers = await reader.list({ account: SELLER2, kinds: ['listing', 'match'] });
    expect(sellers.items.every((i) => i.kind === 'listing' || i.kind === 'match')).toBe(true);
    expect(sellers.items).toHaveLength(4);
    // One kind alone (a single branch of the union).
    expect(kindsOf((await reader.list({ kinds: ['mint'] })).items)).toEqual([
      'mint:3',
      'mint:2',
      'mint:1',
    ]);
    // A token filter leaves collection bids out (they name no token).
    const token = await reader.list({ collection: A, tokenId: '0' });
    expect(token.items).toEqual([]);
  });

  it('the cursor walks the whole feed in the order of one page', async () => {
    const whole = await reader.list({ limit: 500 });
    expect(whole.nextCursor).toBeNull();
    expect(whole.items.length).toBeGreaterThan(15);
    const walked: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await reader.list({ limit: 3, ...(cursor ? { cursor } : {}) });
      walked.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(walked).toEqual(whole.items.map((i) => i.id));
    const times = whole.items.map((i) => Date.parse(i.at));
    expect(times).toEqual([...times].sort((x, y) => y - x));
    await expect(reader.list({ cursor: 'eyJ4Ijox' })).rejects.toMatchObject({
      code: 'READ.BAD_CURSOR',
    });
  });

  it('says the block both chain models reached and the market position', async () => {
    expect(await reader.position()).toEqual({
      block: '10',
      market: expect.stringMatching(/^\d+$/),
    });
  });
});
