// The ledgers read model on real PostgreSQL, through the projection runner: given a chain
// history (fee settings, deposits, two settled trades with their per-call royalty and
// attribution totals, a withdrawal) delivered per partition with partitions interleaved at
// random, every balance equals what the Marketplace holds; a reorg's retractions undo their
// block exactly; any interleaving, and the whole history backwards, gives the same rows; each
// fact applied twice changes nothing; a rebuild from offset 0 equals the live rows.
// (apps/gateway/test/read-ledgers.int.spec.ts checks the same against balanceOf on anvil.)
import { tablePath } from '@atelier/projections';
import {
  ALICE,
  BOB,
  BUYER,
  BUYER2,
  EXPECTED_BALANCES,
  FACTS,
  FEE1,
  FEE2,
  K1,
  RETRACTIONS,
  USD,
} from '../testing/chain-history';
import { closeChainModels, dump, openChainModel, type ChainModel } from '../testing/chain-model';
import { LedgerEntryEntity, LedgerFeeSettingEntity, LedgersHeadEntity } from './ledgers.entities';
import { ledgersProjection } from './ledgers.projection';
import { LedgersReader } from './ledgers.reader';

const rows = (m: ChainModel) =>
  dump(m.ds, {
    entries: `SELECT * FROM ${tablePath(m.ds.manager, LedgerEntryEntity)} ORDER BY fact_id, role`,
    settings: `SELECT * FROM ${tablePath(m.ds.manager, LedgerFeeSettingEntity)} ORDER BY fact_id`,
  });

async function balances(m: ChainModel): Promise<Record<string, bigint>> {
  const reader = new LedgersReader(m.ds);
  const out: Record<string, bigint> = {};
  for (const account of await reader.accounts()) {
    const usd = (await reader.ledger(account)).currencies.find((c) => c.currency === USD);
    out[account] = BigInt(usd?.balance ?? '0');
  }
  return out;
}

afterAll(closeChainModels);

describe('ledgers read model', () => {
  let live: ChainModel;

  beforeAll(async () => {
    live = await openChainModel('ledgers_live', ledgersProjection());
    await live.deliver(FACTS, 1);
  });

  it('given the facts, before the reorg: the retracted block still counts', async () => {
    const b = await balances(live);
    expect(b[BUYER2]).toBe(0n); // deposited 300, paid 300
    expect(b[BOB]).toBe(445n + 291n);
    expect(b[FEE2]).toBe(15n + 9n);
  });

  it('a reorg retracting a block (deposit and TradeSettled) leaves exactly the Marketplace balances', async () => {
    await live.deliver(RETRACTIONS, 2);
    const b = await balances(live);
    expect(Object.fromEntries(Object.entries(b).filter(([, v]) => v !== 0n))).toEqual(
      EXPECTED_BALANCES,
    );
    const reader = new LedgersReader(live.ds);
    expect((await reader.ledger(BUYER)).currencies).toEqual([
      {
        currency: USD,
        deposited: '1000',
        withdrawn: '0',
        paid: '900',
        credited: { royalty: '0', attribution: '0', fee: '0', proceeds: '0' },
        balance: '100',
      },
    ]);
    expect((await reader.ledger(ALICE)).currencies[0]).toMatchObject({
      withdrawn: '100',
      credited: { proceeds: '366' },
      balance: '266',
    });
    // Fees go to the recipient of the latest ProtocolFeeSet before each trade.
    expect((await reader.ledger(FEE1)).currencies[0]!.credited.fee).toBe('10');
    expect((await reader.ledger(FEE2)).currencies[0]!.credited.fee).toBe('15');
    expect((await reader.ledger(K1)).currencies[0]!.credited.attribution).toBe('9');
    expect(await reader.ledger(`0x${'9'.repeat(40)}`)).toEqual({
      account: `0x${'9'.repeat(40)}`,
      currencies: [],
    });
    expect(await reader.position()).toBe('10');
  });

  it('any interleaving of the partitions, or the history backwards, gives the same rows', async () => {
    const expected = await rows(live);
    for (const seed of [7, 99]) {
      const m = await openChainModel(`ledgers_s${seed}`, ledgersProjection());
      await m.deliver([...FACTS, ...RETRACTIONS], seed);
      expect(await rows(m)).toEqual(expected);
    }
    // Newest first, one by one: fee settings arrive after the trades they price.
    const backwards = await openChainModel('ledgers_back', ledgersProjection());
    for (const f of [...FACTS].reverse().filter((f) => f.blockNumber !== 10))
      await backwards.ds.transaction((tx) => backwards.projection.apply(f, tx));
    expect(
      await balances(backwards).then((b) =>
        Object.fromEntries(Object.entries(b).filter(([, v]) => v !== 0n)),
      ),
    ).toEqual(EXPECTED_BALANCES);
  });

  it('each fact applied twice (and each retraction twice) changes nothing', async () => {
    const twice = await openChainModel('ledgers_twice', ledgersProjection());
    for (const f of [...FACTS, ...RETRACTIONS])
      await twice.ds.transaction(async (tx) => {
        await twice.projection.apply(f, tx);
        await twice.projection.apply(f, tx);
      });
    expect(await rows(twice)).toEqual(await rows(live));
  });

  it('a rebuild from offset 0 equals the live rows', async () => {
    const before = await rows(live);
    const { tx, release } = await live.store.lockExclusively(live.projection);
    try {
      await live.store.reset(live.projection, tx);
    } finally {
      await release();
    }
    await live.store.ensureSchema();
    expect(await rows(live)).toEqual({ entries: [], settings: [] });
    await live.deliver([...FACTS, ...RETRACTIONS], 5);
    expect(await rows(live)).toEqual(before);
    expect(
      await live.ds.query(
        `SELECT block::text FROM ${tablePath(live.ds.manager, LedgersHeadEntity)}`,
      ),
    ).toEqual([{ block: '10' }]);
  });
});

describe('ledgers as of a block', () => {
  // The oracle is a model fed only the facts up to that block: what the live model answered
  // back then. Blocks 6 and 8 are trades under two fee recipients (set at 1 and 7), 9 a
  // withdrawal, 10 the last block (not retracted here).
  it('ledger(account, currency, N) equals a model that only saw blocks up to N', async () => {
    const all = await openChainModel('ledgers_asof', ledgersProjection());
    await all.deliver(FACTS, 3);
    const reader = new LedgersReader(all.ds);
    const accounts = await reader.accounts();
    expect(accounts).toEqual(expect.arrayContaining([BUYER, BUYER2, ALICE, FEE1, FEE2, K1]));
    for (const n of [0, 5, 6, 7, 8, 9, 10]) {
      const prefix = await openChainModel(`ledgers_upto${n}`, ledgersProjection());
      await prefix.deliver(
        FACTS.filter((f) => f.blockNumber <= n),
        n,
      );
      const then = new LedgersReader(prefix.ds);
      for (const account of accounts) {
        const asOf = await reader.ledger(account, undefined, BigInt(n));
        expect({ n, ledger: asOf }).toEqual({ n, ledger: await then.ledger(account) });
        expect(await reader.ledger(account, USD, BigInt(n))).toEqual(
          await then.ledger(account, USD),
        );
      }
    }
    // Spot values: the buyer after the deposit and after each trade; FEE2 only from block 8.
    const usdBalance = async (account: string, n: number) =>
      (await reader.ledger(account, USD, BigInt(n))).currencies[0]?.balance ?? null;
    expect(await usdBalance(BUYER, 4)).toBeNull();
    expect(await usdBalance(BUYER, 5)).toBe('1000');
    expect(await usdBalance(BUYER, 6)).toBe('600');
    expect(await usdBalance(BUYER, 8)).toBe('100');
    expect(await usdBalance(FEE2, 7)).toBeNull();
    expect(await usdBalance(FEE2, 8)).toBe('15');
    expect(await usdBalance(FEE2, 10)).toBe('24');
    expect(await usdBalance(FEE1, 10)).toBe('10');
    // Without a bound, the whole model (as before).
    expect(await reader.ledger(BUYER2)).toEqual(await reader.ledger(BUYER2, undefined, 10n));
  });
});
