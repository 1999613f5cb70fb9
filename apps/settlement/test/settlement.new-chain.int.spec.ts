// A new chain under the same chain id: the worker's anvil restarted (support/private-anvil.ts,
// restart(): another genesis, the contracts deployed again at the same addresses), as `npm run
// down` then `npm run up` do to the stack's anvil while every database is kept. A batch sent on
// chain A and still in its pool when A goes away is failed when the worker sees B's genesis, its
// trades are simulated again on B: the pairs B can settle settle there, in a transaction at B's
// own next nonce for the operator (no gap left by A's nonces, nothing of A's sent to B), and a
// pair B cannot settle (its work was never minted there) is excluded with the contract's reason,
// which releases it in the market. The real worker, PostgreSQL and Kafka; receipt mode (no
// indexer on a private chain).
import type { Hex } from 'viem';
import { createPool } from '@atelier/persistence';
import type { SettlementState } from '@atelier/settlement-domain';
import { waitFor } from '@atelier/testing';
import { logger } from './settlement.support';
import { MarketFixture, PRICE, type TradeMatchedEvent } from './support/market-fixture';
import { startPrivateAnvil, type PrivateAnvil } from './support/private-anvil';
import { startWorker, type WorkerHarness } from './support/worker-harness';

const pool = createPool(process.env['SETTLEMENT_DATABASE_URL']!, 'settlement-new-chain-int');
const ADMIN_TOKEN = `admin-new-chain-${process.pid}`;

const decided = (s: SettlementState) =>
  [...s.trades.values()].filter((t) => t.status !== 'batched').length;

describe('a new chain under the same chain id (the anvil restarted, databases kept)', () => {
  let anvil: PrivateAnvil;
  let worker: WorkerHarness | undefined;
  beforeAll(async () => {
    anvil = await startPrivateAnvil();
  });
  afterAll(async () => {
    await worker?.close();
    await anvil?.stop();
    await pool.end();
  });

  it("sends the old chain's batch in flight again on the new one, from its nonce; what it cannot settle is excluded", async () => {
    const fx = new MarketFixture(anvil.rpcUrl, anvil.deploymentsPath, logger);
    const operator = await fx.makeOperator('operator new-chain');
    const a = await fx.makeSeller('seller new-chain', 4);
    const buyer = await fx.makeBuyer('buyer new-chain', 10n * PRICE);
    const trades: TradeMatchedEvent[] = [];
    for (const token of a.tokens) trades.push(await fx.matchedTrade(a.seller, buyer, token));
    const ids = trades.map((t) => t.data.tradeId);
    worker = await startWorker(pool, 'newchain', {
      RPC_URL: anvil.rpcUrl,
      ATELIER_DEPLOYMENTS: anvil.deploymentsPath,
      SETTLEMENT_OPERATOR_KEY: operator.key,
      SETTLEMENT_ADMIN_TOKEN: ADMIN_TOKEN,
    });
    const w = worker;
    const admin = async (path: 'pause' | 'resume') => {
      const res = await fetch(`${w.base}/admin/${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(res.status).toBe(200);
    };
    const genesisA = await anvil.genesis();

    // Chain A: the first trade settles (the operator's nonce 0 there) ...
    await fx.publishMarket(w.marketTopic, trades.slice(0, 1));
    const onA = await waitFor(
      'b1 confirmed on chain A',
      async () => {
        const s = await w.state(operator.address);
        return s.batches.get('b1')?.status === 'confirmed' ? s : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(onA.genesis).toBe(genesisA);
    expect(onA.batches.get('b1')).toMatchObject({ nonce: 0, genesis: genesisA });
    // ... and the three others are sent at nonce 1, which A never mines (mining stopped).
    await anvil.rpc('evm_setAutomine', [false]);
    await fx.publishMarket(w.marketTopic, trades.slice(1));
    const inFlight = await waitFor(
      'b2 sent on chain A',
      async () => {
        const b = (await w.state(operator.address)).batches.get('b2');
        return b?.status === 'submitted' ? b : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(inFlight).toMatchObject({ nonce: 1, genesis: genesisA, tradeIds: ids.slice(1) });
    const sentOnA = inFlight.transactions.map((t) => t.hash);

    // Paused, the worker records chains and moves batches but sends nothing, so nothing is
    // simulated on B before its parties exist there.
    await admin('pause');
    await anvil.restart();
    const genesisB = await anvil.genesis();
    expect(genesisB).not.toBe(genesisA);
    const moved = await waitFor(
      "chain B recorded, A's batch in flight failed",
      async () => {
        const s = await w.state(operator.address);
        return s.genesis === genesisB ? s : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(moved.batches.get('b2')!.status).toBe('failed');
    expect(moved.batches.get('b3')).toMatchObject({ status: 'open', tradeIds: ids.slice(1) });
    expect(moved.nextNonce).toBe(0);
    // Confirmed on A: stays so (no indexer here to retract A's facts; docs/settlement.md).
    expect(moved.batches.get('b1')!.status).toBe('confirmed');

    // Chain B: the same parties (same keys), but the seller minted only three works there: the
    // fourth trade's token does not exist on B.
    await fx.makeOperator('operator new-chain');
    const b = await fx.makeSeller('seller new-chain', 3);
    expect(b.tokens).toEqual(a.tokens.slice(0, 3));
    await fx.makeBuyer('buyer new-chain', 10n * PRICE);
    const nonceB = await fx.client.getTransactionCount({
      address: operator.address,
      blockTag: 'pending',
    });
    expect(nonceB).toBe(0); // nothing of A's reached B's pool
    await admin('resume');

    const done = await waitFor(
      'every trade decided on chain B',
      async () => {
        const s = await w.state(operator.address);
        return decided(s) === 4 && s.batches.get('b3')?.status === 'confirmed' ? s : undefined;
      },
      { timeoutMs: 90_000 },
    );
    const b3 = done.batches.get('b3')!;
    expect(b3).toMatchObject({ nonce: nonceB, genesis: genesisB, tradeIds: ids.slice(1, 3) });
    expect(b3.excluded).toEqual([
      { tradeId: ids[3], reason: expect.any(String), collection: trades[3]!.data.collection },
    ]);
    expect(done.trades.get(ids[3]!)!.status).toBe('excluded');
    for (const id of ids.slice(1, 3))
      expect(done.trades.get(id)).toMatchObject({ status: 'settled', settledCount: 1 });
    expect(done.trades.get(ids[0]!)).toMatchObject({ status: 'settled', batchId: 'b1' });

    // On B: one settleBatch of ours, at B's nonce, mined; the operator's next nonce right after
    // it (no gap), nothing of ours left in the pool; the old chain's hashes unknown here.
    const receipt = await fx.client.getTransactionReceipt({ hash: b3.confirmed!.transactionHash });
    expect(receipt.status).toBe('success');
    expect((await fx.client.getTransaction({ hash: receipt.transactionHash })).nonce).toBe(nonceB);
    expect(
      await fx.client.getTransactionCount({ address: operator.address, blockTag: 'pending' }),
    ).toBe(nonceB + 1);
    for (const hash of sentOnA)
      await expect(fx.client.getTransaction({ hash: hash as Hex })).rejects.toThrow();
    const logs = await fx.tradeSettledLogs(0n);
    for (const t of trades.slice(1, 3))
      expect(logs.filter((l) => l.args.askHash === t.data.ask.hash)).toHaveLength(1);
    expect(logs.filter((l) => l.args.askHash === trades[3]!.data.ask.hash)).toHaveLength(0);
    // Works 2 and 3 sold on B; work 1 was sold on A only: on B its seller still has it.
    for (const token of b.tokens.slice(1, 3)) expect(await fx.ownerOf(token)).toBe(buyer.address);
    expect(await fx.ownerOf(b.tokens[0]!)).toBe(a.seller.address);

    // The stream says it in order: B recorded after A, then A's batch failed, then B's sent.
    const types = (await w.events(operator.address)).map((e) => e.type);
    const at = (type: string, from = 0) => types.indexOf(type, from);
    const second = at('GenesisRecorded', at('GenesisRecorded') + 1);
    expect(second).toBeGreaterThan(at('BatchSubmitted'));
    expect(at('BatchFailed')).toBe(second + 1);
    expect(types.filter((t) => t === 'BatchSubmitted')).toHaveLength(3);
    expect(types.filter((t) => t === 'BatchConfirmed')).toHaveLength(2);
  }, 300_000);
});
