// Matched-but-unsettled trades on real PostgreSQL, the orders model and the chain models in one
// schema (each event and fact applied twice): the market history leaves one trade matched
// (market B: askB/bidB at 300), one settled (A) and one released (B); the chain history has
// three settled trades. Pending listing and its split, the merged listing newest first with a
// keyset cursor, the ledger amounts the pending trade holds; once the chain's TradeSettled of
// that pair arrives (before the market hears of it) the trade counts once, as settled.
import { asAddress } from '@atelier/kernel';
import { factAt, openMarketAndChain, type MarketAndChain } from '../testing/market-and-chain';
import { B, BUYER, SELLER2, USD } from '../testing/market-history';
import { MatchedTradesReader } from './matched-trades.reader';

const FEE = asAddress('0x00000000000000000000000000000000000fee01');
let m: MarketAndChain;
let reader: MatchedTradesReader;

beforeAll(async () => {
  m = await openMarketAndChain('matched');
  reader = new MatchedTradesReader(m.ds, m.ds);
});
afterAll(() => m?.close());

describe('matched trades', () => {
  it('lists the trades matched and not settled, with the split the contract will apply', async () => {
    const { items, nextCursor } = await reader.list({ status: 'matched' });
    expect(nextCursor).toBeNull();
    expect(items).toEqual([
      {
        status: 'matched',
        tradeId: `${B}:1`,
        collection: B,
        tokenId: '5',
        askHash: m.history.orders['askB']!.hash,
        bidHash: m.history.orders['bidB']!.hash,
        seller: SELLER2,
        buyer: BUYER,
        currency: USD,
        price: '300',
        protocolFee: '7', // 250 bps, rounded down
        feeRecipient: FEE,
        royaltyReceiver: null,
        royalty: '0',
        attribution: '0',
        contributors: [],
        sellerProceeds: '293',
        matchedAt: new Date(1_800_000_000 * 1000).toISOString(),
      },
    ]);
    expect((await reader.list({ status: 'matched', account: SELLER2 })).items).toHaveLength(1);
    expect((await reader.list({ status: 'matched', collection: USD })).items).toEqual([]);
  });

  it('lists pending and settled together, newest first, page by page', async () => {
    const all = await reader.list({ status: 'all' });
    expect(all.items.map((t) => [t.status, t.tokenId])).toEqual([
      ['settled', '3'],
      ['settled', '2'],
      ['settled', '1'],
      ['matched', '5'],
    ]);
    const pages: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await reader.list({ status: 'all', limit: 1, ...(cursor ? { cursor } : {}) });
      pages.push(...page.items.map((t) => `${t.status}:${t.tokenId}`));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(pages).toEqual(['settled:3', 'settled:2', 'settled:1', 'matched:5']);
    // A cursor of the other listing is refused.
    const matchedCursor = (await reader.list({ status: 'all', limit: 1 })).nextCursor!;
    await expect(reader.list({ status: 'matched', cursor: matchedCursor })).rejects.toMatchObject({
      code: 'READ.BAD_CURSOR',
    });
  });

  it('says what the pending trade will move in each ledger', async () => {
    expect(await reader.pending(BUYER)).toEqual([
      {
        currency: USD,
        trades: 1,
        paid: '300',
        credited: { royalty: '0', attribution: '0', fee: '0', proceeds: '0' },
        net: '-300',
      },
    ]);
    expect(await reader.pending(SELLER2)).toMatchObject([
      { trades: 1, paid: '0', credited: { proceeds: '293' }, net: '293' },
    ]);
    expect(await reader.pending(FEE)).toMatchObject([{ credited: { fee: '7' }, net: '7' }]);
    expect(await reader.pending(BUYER, FEE)).toEqual([]);
  });

  it('counts a trade once the chain settled it, before the market heard of it', async () => {
    const askB = m.history.orders['askB']!;
    const bidB = m.history.orders['bidB']!;
    await m.applyFacts([
      factAt(20, 'Marketplace', 'TradeSettled', {
        askHash: askB.hash,
        bidHash: bidB.hash,
        collection: B,
        tokenId: 5n,
        seller: SELLER2,
        buyer: BUYER,
        currency: USD,
        price: 300n,
        protocolFee: 7n,
        royaltyReceiver: `0x${'0'.repeat(40)}`,
        royalty: 0n,
        attribution: 0n,
        sellerProceeds: 293n,
      }),
    ]);
    expect((await reader.list({ status: 'matched' })).items).toEqual([]);
    expect(await reader.pending(BUYER)).toEqual([]);
    const all = await reader.list({ status: 'all' });
    expect(all.items.map((t) => [t.status, t.tokenId])).toEqual([
      ['settled', '5'],
      ['settled', '3'],
      ['settled', '2'],
      ['settled', '1'],
    ]);
    expect(await reader.position(B)).toMatch(/^\d+$/);
  });
});
