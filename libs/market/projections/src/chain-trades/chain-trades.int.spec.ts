// The settled-trades read model on real PostgreSQL, through the projection runner: every
// TradeSettled with its full split; a retracted one is gone; listing by collection, account
// and block range with a keyset cursor; collection stats; any interleaving, each fact twice,
// and a rebuild from offset 0 give the same rows.
import { tablePath } from '@atelier/projections';
import {
  ALICE,
  BOB,
  BUYER,
  BUYER2,
  CREATOR1,
  FACTS,
  MARKETPLACE,
  REGISTRY,
  RETRACTIONS,
  USD,
} from '../testing/chain-history';
import { closeChainModels, dump, openChainModel, type ChainModel } from '../testing/chain-model';
import { ChainTradeEntity } from './chain-trades.entities';
import { chainTradesProjection } from './chain-trades.projection';
import { ChainTradesReader } from './chain-trades.reader';

const rows = (m: ChainModel) =>
  dump(m.ds, {
    trades: `SELECT * FROM ${tablePath(m.ds.manager, ChainTradeEntity)} ORDER BY fact_id`,
  });

afterAll(closeChainModels);

describe('settled trades read model', () => {
  let live: ChainModel;
  let reader: ChainTradesReader;

  beforeAll(async () => {
    live = await openChainModel('trades_live', chainTradesProjection());
    reader = new ChainTradesReader(live.ds);
    await live.deliver(FACTS, 5);
  });

  it('given TradeSettled facts, each trade has its split, parties, block and transaction', async () => {
    const { items } = await reader.list();
    expect(items.map((t) => [t.tokenId, t.seller, t.buyer, t.price, t.block])).toEqual([
      ['3', BOB, BUYER2, '300', '10'],
      ['2', BOB, BUYER, '500', '8'],
      ['1', ALICE, BUYER, '400', '6'],
    ]);
    expect(items[2]).toMatchObject({
      marketplace: MARKETPLACE,
      collection: REGISTRY,
      currency: USD,
      protocolFee: '10',
      royaltyReceiver: CREATOR1,
      royalty: '20',
      attribution: '4',
      sellerProceeds: '366',
      logIndex: 0,
      transactionHash: expect.stringMatching(/^0x7/),
    });
    expect(await reader.position()).toBe('10');
  });

  it('filters by account, collection and block range, with a keyset cursor', async () => {
    expect((await reader.list({ account: BOB })).items.map((t) => t.tokenId)).toEqual(['3', '2']);
    expect((await reader.list({ account: BUYER })).items.map((t) => t.tokenId)).toEqual(['2', '1']);
    expect((await reader.list({ fromBlock: 7n, toBlock: 9n })).items.map((t) => t.tokenId)).toEqual(
      ['2'],
    );
    expect((await reader.list({ collection: `0x${'1'.repeat(40)}` })).items).toEqual([]);
    const first = await reader.list({ limit: 2 });
    const second = await reader.list({ limit: 2, cursor: first.nextCursor! });
    expect([...first.items, ...second.items].map((t) => t.tokenId)).toEqual(['3', '2', '1']);
    expect(second.nextCursor).toBeNull();
    await expect(reader.list({ cursor: 'bm90IG91cnM' })).rejects.toMatchObject({
      code: 'READ.BAD_CURSOR',
    });
  });

  it('collection stats: volume and sales per currency, unique buyers, last sale', async () => {
    expect(await reader.stats(REGISTRY)).toEqual({
      collection: REGISTRY,
      sales: 3,
      uniqueBuyers: 2,
      currencies: [{ currency: USD, volume: '1200', sales: 3, floor: null }],
      lastSale: { block: '10', at: expect.any(String) },
    });
  });

  it('a retracted TradeSettled is gone from trades and stats', async () => {
    await live.deliver(RETRACTIONS, 6);
    expect((await reader.list()).items.map((t) => t.tokenId)).toEqual(['2', '1']);
    expect(await reader.stats(REGISTRY)).toMatchObject({
      sales: 2,
      uniqueBuyers: 1,
      currencies: [{ currency: USD, volume: '900', sales: 2, floor: null }],
      lastSale: { block: '8' },
    });
  });

  it('any interleaving, each fact twice, and a rebuild from offset 0 give the same rows', async () => {
    const expected = await rows(live);
    const other = await openChainModel('trades_s21', chainTradesProjection());
    await other.deliver([...FACTS, ...RETRACTIONS], 21);
    expect(await rows(other)).toEqual(expected);
    const twice = await openChainModel('trades_twice', chainTradesProjection());
    for (const f of [...FACTS, ...RETRACTIONS])
      await twice.ds.transaction(async (tx) => {
        await twice.projection.apply(f, tx);
        await twice.projection.apply(f, tx);
      });
    expect(await rows(twice)).toEqual(expected);
    const { tx, release } = await live.store.lockExclusively(live.projection);
    try {
      await live.store.reset(live.projection, tx);
    } finally {
      await release();
    }
    await live.store.ensureSchema();
    await live.deliver([...FACTS, ...RETRACTIONS], 22);
    expect(await rows(live)).toEqual(expected);
  });
});
