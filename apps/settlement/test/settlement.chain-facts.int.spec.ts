// Confirmation from the indexer's chain facts, with the real indexer: a private anvil (chain 1337:
// Ponder must not purge the shared test chain's cache, see support/private-anvil.ts), Ponder and
// the chain relay on it (support/indexer.ts) publishing to chain.* topics of the spec's own, and
// the worker in chain-facts mode (the default). A batch mined per its receipt stays `submitted`
// while no indexer runs; once the relay publishes the Marketplace's BatchSettled of its
// transaction the stream records BatchSeen (that block's hash) and then BatchConfirmed. Then
// anvil_reorg drops the block: the relay retracts the fact, the worker records
// BatchSightingRetracted with BatchReorged in the same decision (the receipt watch is off in this
// mode, so the retraction is what reopened the trades), and the trades settle again in a new
// batch, confirmed by its own fact, each order filled once on the canonical chain.
import { createPool } from '@atelier/persistence';
import { waitFor } from '@atelier/testing';
import { logger } from './settlement.support';
import { startIndexer, type IndexerProcesses } from './support/indexer';
import { MarketFixture, PRICE } from './support/market-fixture';
import { startPrivateAnvil, type PrivateAnvil } from './support/private-anvil';
import { startWorker, type WorkerHarness } from './support/worker-harness';

const CHAIN_ID = 1337;
const pool = createPool(process.env['SETTLEMENT_DATABASE_URL']!, 'settlement-facts-int');
let anvil: PrivateAnvil | undefined;
let indexer: IndexerProcesses | undefined;
let worker: WorkerHarness | undefined;

afterAll(async () => {
  await worker?.close();
  await indexer?.stop();
  await anvil?.stop();
  await pool.end();
});

describe('confirmation from the indexer chain facts', () => {
  it('confirms only once BatchSettled arrives; its retraction reopens the trades', async () => {
    anvil = await startPrivateAnvil({ chainId: CHAIN_ID });
    const fx = new MarketFixture(anvil.rpcUrl, anvil.deploymentsPath, logger);
    const operator = await fx.makeOperator('operator facts');
    const s = await fx.makeSeller('seller facts', 2);
    const buyer = await fx.makeBuyer('buyer facts', 10n * PRICE);
    const trades = [
      await fx.matchedTrade(s.seller, buyer, s.tokens[0]!),
      await fx.matchedTrade(s.seller, buyer, s.tokens[1]!),
    ];
    const topicPrefix = `it-settle-${Math.random().toString(36).slice(2, 10)}.chain`;
    worker = await startWorker(pool, 'facts', {
      RPC_URL: anvil.rpcUrl,
      ATELIER_DEPLOYMENTS: anvil.deploymentsPath,
      CHAIN_ID: String(CHAIN_ID),
      SETTLEMENT_OPERATOR_KEY: operator.key,
      SETTLEMENT_CONFIRM_FROM: 'chain-facts',
      SETTLEMENT_CHAIN_TOPIC_PREFIX: topicPrefix,
    });
    const w = worker;
    const state = () => w.state(operator.address);
    const types = async () => (await w.events(operator.address)).map((e) => e.type);

    await fx.publishMarket(w.marketTopic, trades);
    const sent = await waitFor(
      'the batch mined',
      async () => {
        const b = (await state()).batches.get('b1');
        const hash = b?.transactions[0]?.hash;
        if (!hash) return undefined;
        const r = await fx.client.getTransactionReceipt({ hash }).catch(() => undefined);
        return r ? { b, r } : undefined;
      },
      { timeoutMs: 60_000 },
    );
    // Mined, deep enough for SETTLEMENT_CONFIRMATIONS=1, polled every 100 ms: still not confirmed.
    await new Promise((r) => setTimeout(r, 2000));
    expect((await state()).batches.get('b1')!.status).toBe('submitted');
    const health = (await (await fetch(`${w.base}/health`)).json()) as {
      details: { settlement: { awaitingChainFacts: number; confirmFrom: string } };
    };
    expect(health.details.settlement).toMatchObject({
      awaitingChainFacts: 1,
      confirmFrom: 'chain-facts',
    });

    indexer = await startIndexer({
      rpcUrl: anvil.rpcUrl,
      deploymentsPath: anvil.deploymentsPath,
      chainId: CHAIN_ID,
      topicPrefix,
    });
    const confirmed = await waitFor(
      'the batch confirmed by the fact',
      async () => {
        const b = (await state()).batches.get('b1');
        return b?.status === 'confirmed' ? b : undefined;
      },
      { timeoutMs: 120_000 },
    );
    expect(confirmed.seen).toMatchObject({
      transactionHash: sent.r.transactionHash,
      block: sent.r.blockNumber,
      blockHash: sent.r.blockHash,
      settled: 2,
      skipped: 0,
    });
    const before = await types();
    expect(before.indexOf('BatchSeen')).toBeGreaterThan(-1);
    expect(before.indexOf('BatchSeen')).toBeLessThan(before.indexOf('BatchConfirmed'));

    // Drop the settlement block; Ponder sees the reorg and the relay retracts its facts.
    const latest = await fx.client.getBlockNumber();
    await anvil.rpc('anvil_reorg', [Number(latest - sent.r.blockNumber + 1n), []]);
    const done = await waitFor(
      'the trades settled again',
      async () => {
        const st = await state();
        const again = [...st.batches.values()].find(
          (b) => b.batchId !== 'b1' && b.status === 'confirmed',
        );
        return again ? { st, again } : undefined;
      },
      { timeoutMs: 180_000 },
    );
    const all = await types();
    const retracted = all.indexOf('BatchSightingRetracted');
    expect(retracted).toBeGreaterThan(-1);
    expect(all[retracted + 1]).toBe('BatchReorged'); // the retraction reopened the trades
    expect(all.filter((t) => t === 'BatchReorged')).toHaveLength(1);
    expect(done.st.batches.get('b1')!.status).toBe('reorged');
    expect(done.again.tradeIds).toEqual(trades.map((t) => t.data.tradeId));
    expect(done.again.seen?.transactionHash).toBe(done.again.confirmed!.transactionHash);
    for (const t of trades)
      expect(done.st.trades.get(t.data.tradeId)).toMatchObject({
        status: 'settled',
        settledCount: 1,
      });
    const logs = await fx.tradeSettledLogs(0n);
    for (const t of trades)
      expect(logs.filter((l) => l.args.askHash === t.data.ask.hash)).toHaveLength(1);
    expect(await fx.ownerOf(s.tokens[0]!)).toBe(buyer.address);
  });
});
