// The settlement worker against chain faults, each on an anvil of its own (support/private-anvil.ts:
// the shared test anvil is never paused or reorged), with the real worker, PostgreSQL and Kafka:
//  - mining paused: the settleBatch sits in the pool; after SETTLEMENT_REPLACE_AFTER_MS the worker
//    replaces it at the same nonce with both fees up at least 10 %; once mining resumes exactly one
//    of them is mined, every trade settles once and the stream records BatchReplaced;
//  - anvil_reorg drops the settlement block: the trades go into a new batch, at the nonce the
//    reorg gave back, and settle again, once on the canonical chain;
//  - a gas-burning collection among good pairs: the whole settleBatch reverts, the batch is
//    bisected down to the culprit, which is excluded with its reason while the others settle.
import { parseEventLogs, type Address, type Hex } from 'viem';
import { marketplaceAbi } from '@atelier/contracts-abi';
import { createPool } from '@atelier/persistence';
import type { SettlementState, SettlementTrade } from '@atelier/settlement-domain';
import { waitFor } from '@atelier/testing';
import { batchCalldata } from '../src/worker/settle-chain';
import { logger } from './settlement.support';
import { gasBurnerAbi, gasBurnerBytecode } from './support/gas-burner';
import { MarketFixture, PRICE, type TradeMatchedEvent } from './support/market-fixture';
import { startPrivateAnvil, type PrivateAnvil } from './support/private-anvil';
import { startWorker, type WorkerHarness } from './support/worker-harness';

const pool = createPool(process.env['SETTLEMENT_DATABASE_URL']!, 'settlement-faults-int');
afterAll(async () => {
  await pool.end();
});

const decided = (s: SettlementState) =>
  [...s.trades.values()].filter((t) => t.status !== 'batched').length;

/** A private chain, its parties and a worker on it, torn down after the describe. */
function onPrivateChain(name: string) {
  const ctx = {} as {
    anvil: PrivateAnvil;
    fx: MarketFixture;
    worker?: WorkerHarness;
    operator: { address: Address; key: Hex };
  };
  beforeAll(async () => {
    ctx.anvil = await startPrivateAnvil();
    ctx.fx = new MarketFixture(ctx.anvil.rpcUrl, ctx.anvil.deploymentsPath, logger);
    ctx.operator = await ctx.fx.makeOperator(`operator ${name}`);
  });
  afterAll(async () => {
    await ctx.worker?.close();
    await ctx.anvil?.stop();
  });
  const boot = async (env: Record<string, string> = {}) => {
    ctx.worker = await startWorker(pool, name, {
      RPC_URL: ctx.anvil.rpcUrl,
      ATELIER_DEPLOYMENTS: ctx.anvil.deploymentsPath,
      SETTLEMENT_OPERATOR_KEY: ctx.operator.key,
      ...env,
    });
    return ctx.worker;
  };
  /** Each trade's ask is filled by exactly one TradeSettled on the canonical chain. */
  const settledOnceOnChain = async (trades: readonly TradeMatchedEvent[]) => {
    const logs = await ctx.fx.tradeSettledLogs(0n);
    for (const t of trades) {
      expect(logs.filter((l) => l.args.askHash === t.data.ask.hash)).toHaveLength(1);
      expect(logs.filter((l) => l.args.bidHash === t.data.bid.hash)).toHaveLength(1);
    }
  };
  return { ctx, boot, settledOnceOnChain };
}

describe('mining paused: a stuck settleBatch is replaced at the same nonce', () => {
  const { ctx, boot, settledOnceOnChain } = onPrivateChain('stuck');

  it('replaces it with fees up >= 10 %; exactly one is mined, the trades settle once', async () => {
    const { fx, anvil, operator } = ctx;
    const s = await fx.makeSeller('seller stuck', 2);
    const buyer = await fx.makeBuyer('buyer stuck', 10n * PRICE);
    const trades = [
      await fx.matchedTrade(s.seller, buyer, s.tokens[0]!),
      await fx.matchedTrade(s.seller, buyer, s.tokens[1]!),
    ];
    const worker = await boot({ SETTLEMENT_REPLACE_AFTER_MS: '1500' });
    const nonceBefore = await fx.client.getTransactionCount({ address: operator.address });

    await anvil.rpc('evm_setAutomine', [false]);
    await fx.publishMarket(worker.marketTopic, trades);
    const stuck = await waitFor(
      'the replacement',
      async () => {
        const b = [...(await worker.state(operator.address)).batches.values()][0];
        return b && b.transactions.length >= 2 ? b : undefined;
      },
      { timeoutMs: 60_000 },
    );
    // Nothing was mined meanwhile; the pool holds one transaction of ours, at the batch's nonce.
    expect(await fx.client.getTransactionCount({ address: operator.address })).toBe(nonceBefore);
    const content = await anvil.rpc<{
      pending: Record<string, Record<string, { hash: Hex; nonce: Hex }>>;
    }>('txpool_content');
    const ours = Object.entries(content.pending).find(
      ([from]) => from.toLowerCase() === operator.address.toLowerCase(),
    )?.[1];
    expect(Object.keys(ours ?? {})).toEqual([String(stuck.nonce)]);

    await anvil.rpc('evm_mine');
    await anvil.rpc('evm_setAutomine', [true]);
    const done = await waitFor(
      'the batch confirmed',
      async () => {
        const st = await worker.state(operator.address);
        return decided(st) === 2 ? st : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const batch = [...done.batches.values()][0]!;
    expect(batch.status).toBe('confirmed');
    expect(batch.nonce).toBe(nonceBefore);
    // Every replacement raised both fees by at least 10 % over the one before.
    for (let i = 1; i < batch.transactions.length; i++) {
      const [prev, next] = [batch.transactions[i - 1]!.fees, batch.transactions[i]!.fees];
      expect(next.maxFeePerGas * 10n).toBeGreaterThanOrEqual(prev.maxFeePerGas * 11n);
      expect(next.maxPriorityFeePerGas * 10n).toBeGreaterThanOrEqual(
        prev.maxPriorityFeePerGas * 11n,
      );
    }
    // Exactly one of the batch's hashes was mined: the confirmed one, at the batch's nonce.
    const mined = [];
    for (const tx of batch.transactions) {
      const r = await fx.client.getTransactionReceipt({ hash: tx.hash }).catch(() => null);
      if (r) mined.push(r);
    }
    expect(mined).toHaveLength(1);
    expect(mined[0]!.transactionHash).toBe(batch.confirmed!.transactionHash);
    expect(mined[0]!.transactionHash).not.toBe(batch.transactions[0]!.hash);
    const tx = await fx.client.getTransaction({ hash: mined[0]!.transactionHash });
    expect(tx.nonce).toBe(nonceBefore);
    expect(tx.maxFeePerGas! * 10n).toBeGreaterThanOrEqual(
      batch.transactions[0]!.fees.maxFeePerGas * 11n,
    );
    expect(await fx.client.getTransactionCount({ address: operator.address })).toBe(
      nonceBefore + 1,
    );

    const types = (await worker.events(operator.address)).map((e) => e.type);
    expect(types.filter((t) => t === 'BatchSubmitted')).toHaveLength(1);
    expect(types.filter((t) => t === 'BatchReplaced').length).toBe(batch.transactions.length - 1);
    expect(types.filter((t) => t === 'BatchConfirmed')).toHaveLength(1);
    for (const t of trades) expect(done.trades.get(t.data.tradeId)!.settledCount).toBe(1);
    await settledOnceOnChain(trades);
    expect(await fx.ownerOf(s.tokens[0]!)).toBe(buyer.address);
  });
});

describe('anvil_reorg drops the settlement block', () => {
  const { ctx, boot, settledOnceOnChain } = onPrivateChain('reorg');

  it('settles the trades again in a new batch, once on the canonical chain', async () => {
    const { fx, anvil, operator } = ctx;
    const s = await fx.makeSeller('seller reorg', 2);
    const buyer = await fx.makeBuyer('buyer reorg', 10n * PRICE);
    const trades = [
      await fx.matchedTrade(s.seller, buyer, s.tokens[0]!),
      await fx.matchedTrade(s.seller, buyer, s.tokens[1]!),
    ];
    const worker = await boot();
    await fx.publishMarket(worker.marketTopic, trades);
    const first = await waitFor(
      'the first settlement',
      async () => {
        const b = (await worker.state(operator.address)).batches.get('b1');
        return b?.status === 'confirmed' ? b : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(await fx.ownerOf(s.tokens[0]!)).toBe(buyer.address);

    const latest = await fx.client.getBlockNumber();
    const depth = Number(latest - first.confirmed!.block + 1n);
    await anvil.rpc('anvil_reorg', [depth, []]);
    // The canonical chain no longer has the settlement, and the operator's nonce is open again.
    await expect(
      fx.client.getTransactionReceipt({ hash: first.confirmed!.transactionHash }),
    ).rejects.toThrow();

    const done = await waitFor(
      'the trades settled again',
      async () => {
        const st = await worker.state(operator.address);
        const again = [...st.batches.values()].find(
          (b) => b.batchId !== 'b1' && b.status === 'confirmed',
        );
        return again && decided(st) === 2 ? { st, again } : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(done.st.batches.get('b1')!.status).toBe('reorged');
    expect(done.again.tradeIds).toEqual(trades.map((t) => t.data.tradeId));
    expect(done.again.nonce).toBe(first.nonce); // the nonce the reorg gave back
    for (const t of trades) {
      const entry = done.st.trades.get(t.data.tradeId)!;
      expect(entry).toMatchObject({
        status: 'settled',
        settledCount: 1,
        batchId: done.again.batchId,
      });
    }
    const types = (await worker.events(operator.address)).map((e) => e.type);
    expect(types.filter((t) => t === 'BatchConfirmed')).toHaveLength(2);
    expect(types.filter((t) => t === 'BatchReorged')).toHaveLength(1);
    await settledOnceOnChain(trades);
    expect(await fx.ownerOf(s.tokens[0]!)).toBe(buyer.address);
    expect(await fx.ownerOf(s.tokens[1]!)).toBe(buyer.address);
  });
});

describe('a gas-burning collection in a batch of good pairs', () => {
  const { ctx, boot, settledOnceOnChain } = onPrivateChain('burn');

  it('bisects the reverting batch down to the culprit, excludes it, settles the others', async () => {
    const { fx, anvil, operator } = ctx;
    const s = await fx.makeSeller('seller burn', 3);
    const buyer = await fx.makeBuyer('buyer burn', 10n * PRICE);
    const deployer = fx.account('burner deployer');
    await fx.testClient.setBalance({ address: deployer.address, value: 10n ** 19n });
    const deployHash = await fx.wallet(deployer).deployContract({
      abi: gasBurnerAbi,
      bytecode: gasBurnerBytecode(),
    });
    const burner = (await fx.client.waitForTransactionReceipt({ hash: deployHash }))
      .contractAddress!;
    const sellerWallet = fx.wallet(s.seller);
    for (const [functionName, args] of [
      ['mint', [s.seller.address, 1n]],
      ['setApprovalForAll', [fx.marketplace, true]],
    ] as const) {
      const hash = await sellerWallet.writeContract({
        address: burner,
        abi: gasBurnerAbi,
        functionName,
        args: args as never,
      });
      await fx.client.waitForTransactionReceipt({ hash });
    }
    const trades = [
      await fx.matchedTrade(s.seller, buyer, s.tokens[0]!),
      await fx.matchedTrade(s.seller, buyer, s.tokens[1]!),
      await fx.matchedTrade(s.seller, buyer, 1n, burner),
      await fx.matchedTrade(s.seller, buyer, s.tokens[2]!),
    ];
    // A block gas limit under which the 1/64 left after the burner is not enough for the rest.
    await anvil.rpc('evm_setBlockGasLimit', ['0x16e360']); // 1,500,000
    await anvil.rpc('evm_mine');
    // The whole batch, as the worker would send it, reverts on this chain.
    const whole = fx.client.call({
      account: operator.address,
      to: fx.marketplace,
      data: batchCalldata(trades.map((t) => t.data as unknown as SettlementTrade)),
    });
    await expect(whole).rejects.toThrow(/OutOfGas/);

    const worker = await boot();
    await fx.publishMarket(worker.marketTopic, trades);
    const done = await waitFor(
      'every pair decided',
      async () => {
        const st = await worker.state(operator.address);
        return decided(st) === 4 ? st : undefined;
      },
      { timeoutMs: 90_000 },
    );
    const culprit = trades[2]!.data.tradeId;
    const good = trades.filter((_, i) => i !== 2);
    expect(done.trades.get(culprit)!.status).toBe('excluded');
    for (const t of good) expect(done.trades.get(t.data.tradeId)!.status).toBe('settled');
    const batch = done.batches.get('b1')!;
    expect(batch.excluded).toEqual([
      { tradeId: culprit, reason: 'ItemTransferFailed', collection: burner.toLowerCase() },
    ]);
    expect(batch.tradeIds).toEqual(good.map((t) => t.data.tradeId));
    expect(batch.status).toBe('confirmed');
    // The bisection ran: the whole batch reverted, then halves, down to the culprit.
    const bisections = worker.logs.filter((l) => l.includes('reverts as a whole; bisecting'));
    expect(bisections.length).toBeGreaterThanOrEqual(2);

    const receipt = await fx.client.getTransactionReceipt({
      hash: batch.confirmed!.transactionHash,
    });
    expect(
      parseEventLogs({ abi: marketplaceAbi, logs: receipt.logs, eventName: 'TradeSettled' }),
    ).toHaveLength(3);
    await settledOnceOnChain(good);
    expect(await fx.ownerOf(1n, burner)).toBe(s.seller.address);
    for (const i of [0, 1, 2]) expect(await fx.ownerOf(s.tokens[i]!)).toBe(buyer.address);
  });
});
