// The submitter's decisions against a fake chain (the SettlementChain port) and the in-memory
// event store: a whole-batch revert bisected down to its culprit; a transaction recorded but
// lost (a crash before the broadcast) sent again as the same raw, never re-signed; a stuck
// transaction replaced with higher fees and confirmed by the replacement's hash; a nonce taken
// by another transaction failing the batch and putting its trades into a new one; a reorged
// settlement settled again, once; a node restarted as a new chain (another genesis) with a
// batch in flight: the batch re-simulated and sent there from the new chain's nonce 0.
import { ExecutionRevertedError, type TransactionReceipt } from 'viem';
import { EventSourcedRepository, InMemoryEventStore } from '@atelier/eventsourcing';
import {
  settlementAggregate,
  settlementId,
  type Fees,
  type Hex,
  type SettlementState,
  type SettlementTrade,
} from '@atelier/settlement-domain';
import pino from 'pino';
import type { SettlementChain } from './settle-chain';
import { Submitter, type SubmitterSettings } from './submitter';

const OPERATOR: Hex = `0x${'0a'.repeat(20)}`;

class FakeChain implements SettlementChain {
  readonly marketplace: Hex = `0x${'0b'.repeat(20)}`;
  readonly operator = OPERATOR;
  reverting = new Set<string>();
  rpcDown = false;
  autoMine = true;
  /** The next broadcast is lost (the process died before it left, or the node dropped it). */
  dropNext = false;
  mined = 0;
  block = 100n;
  signed: { hash: Hex; raw: Hex; nonce: number; fees: Fees; gas: bigint; trades: string[] }[] = [];
  sent: Hex[] = [];
  pool = new Set<Hex>();
  receipts = new Map<Hex, TransactionReceipt>();
  genesisHash: Hex = hex(0xa0, 32);

  /** The node restarted as a new chain under the same id: nothing mined, empty pool. */
  restart(genesis: Hex) {
    this.genesisHash = genesis;
    this.mined = 0;
    this.block = 0n;
    this.pool.clear();
    this.receipts.clear();
  }
  async genesis() {
    return this.genesisHash;
  }

  async simulate(trades: readonly SettlementTrade[]) {
    if (this.rpcDown) throw new Error('fetch failed');
    if (trades.some((t) => this.reverting.has(t.tradeId)))
      throw new ExecutionRevertedError({ message: 'execution reverted' });
    return { reasons: trades.map(() => 'None'), block: this.block };
  }
  async pendingNonce() {
    return this.mined + this.pool.size;
  }
  async minedNonce() {
    return this.mined;
  }
  async currentFees(): Promise<Fees> {
    return { maxFeePerGas: 100n, maxPriorityFeePerGas: 10n };
  }
  async sign(trades: readonly SettlementTrade[], nonce: number, fees?: Fees, gas?: bigint) {
    const n = this.signed.length + 1;
    const s = {
      // An estimate now differs from the last one (the pending state moved).
      gas: gas ?? 500_000n - BigInt(n) * 1000n,
      hash: `0x${n.toString(16).padStart(64, '0')}` as Hex,
      raw: `0x${n.toString(16).padStart(8, '0')}` as Hex,
      nonce,
      fees: fees ?? (await this.currentFees()),
      trades: trades.map((t) => t.tradeId),
    };
    this.signed.push(s);
    return { hash: s.hash, raw: s.raw, gas: s.gas, fees: s.fees };
  }
  async broadcast(raw: Hex) {
    this.sent.push(raw);
    if (this.dropNext) {
      this.dropNext = false;
      return;
    }
    const s = this.signed.find((x) => x.raw === raw)!;
    this.pool.add(s.hash);
    if (this.autoMine) this.mine(s.hash);
  }
  mine(hash: Hex) {
    this.pool.clear(); // one nonce: the others are replaced
    this.mined++;
    this.block++;
    this.receipts.set(hash, {
      status: 'success',
      blockNumber: this.block,
      blockHash: hex(Number(this.block), 32),
      gasUsed: 300_000n,
      logs: [],
    } as unknown as TransactionReceipt);
  }
  async receipt(hash: Hex) {
    return this.receipts.get(hash) ?? null;
  }
  async known(hash: Hex) {
    return this.pool.has(hash) || this.receipts.has(hash);
  }
  async latestBlock() {
    return this.block;
  }
  async balance() {
    return 10n ** 18n;
  }
}

const hex = (n: number, bytes: number): Hex => `0x${n.toString(16).padStart(bytes * 2, '0')}`;
const fixtureTrade = (n: number): SettlementTrade => {
  const side = (kind: 0 | 1) => ({
    hash: hex(n * 2 + kind, 32),
    signature: `0x${'11'.repeat(65)}` as Hex,
    order: {
      maker: hex(kind + 1, 20),
      kind,
      collection: hex(100, 20),
      tokenId: BigInt(n),
      currency: hex(200, 20),
      price: 1000n,
      start: 0n,
      expiry: 10n ** 10n,
      counter: 0n,
      nonce: BigInt(n),
    },
  });
  return {
    tradeId: `${hex(100, 20)}:${n}`,
    collection: hex(100, 20),
    tokenId: BigInt(n),
    price: 1000n,
    ask: side(0),
    bid: side(1),
    matchedAt: new Date().toISOString(),
  };
};
const trades = [1, 2, 3, 4].map((n) => fixtureTrade(n));

function setup(settings: Partial<SubmitterSettings> = {}) {
  const chain = new FakeChain();
  const repo = new EventSourcedRepository(settlementAggregate, new InMemoryEventStore(), {
    retryJitterMs: 0,
  });
  const submitter = new Submitter(
    repo,
    chain,
    {
      batchSize: 4,
      windowMs: 60_000,
      confirmations: 1,
      pollMs: 10,
      paused: false,
      confirmFrom: 'receipt',
      ...settings,
    },
    pino({ level: 'silent' }),
  );
  const add = (ts: readonly SettlementTrade[], maxBatchSize?: number) =>
    repo.handleAll(
      settlementId(OPERATOR),
      ts.map((trade) => ({
        type: 'AddTrade' as const,
        trade,
        at: new Date().toISOString(),
        ...(maxBatchSize === undefined ? {} : { maxBatchSize }),
      })),
      { correlationId: 'c', actor: 'spec' },
    );
  const state = async (): Promise<SettlementState> => submitter.state();
  return { chain, submitter, add, state };
}

describe('Submitter', () => {
  it('bisects a batch that reverts whole down to the culprit; the rest settle', async () => {
    const { chain, submitter, add, state } = setup();
    chain.reverting.add(trades[2]!.tradeId);
    await add(trades);
    await submitter.round();
    await submitter.round();
    const s = await state();
    const b = s.batches.get('b1')!;
    expect(b.excluded).toEqual([
      {
        tradeId: trades[2]!.tradeId,
        reason: 'ItemTransferFailed',
        collection: trades[2]!.collection,
      },
    ]);
    expect(b.status).toBe('confirmed');
    expect(b.confirmed!.results.map((r) => r.outcome)).toEqual(['settled', 'settled', 'settled']);
  });

  it('sends a burst of trades as batches of at most batchSize, one nonce each', async () => {
    const { chain, submitter, add, state } = setup({ batchSize: 2 });
    await add(trades, 2);
    await submitter.round();
    await submitter.round();
    const s = await state();
    expect([...s.batches.values()].map((b) => [b.tradeIds.length, b.status, b.nonce])).toEqual([
      [2, 'confirmed', 0],
      [2, 'confirmed', 1],
    ]);
    expect(chain.signed.map((x) => x.trades.length)).toEqual([2, 2]);
  });

  it('excludes nothing when the RPC fails during the simulation (no verdict)', async () => {
    const { chain, submitter, add, state } = setup();
    chain.rpcDown = true;
    await add(trades);
    await expect(submitter.round()).rejects.toThrow('fetch failed');
    expect((await state()).batches.get('b1')!.status).toBe('open');
    chain.rpcDown = false;
    await submitter.round();
    await submitter.round();
    expect((await state()).batches.get('b1')!.excluded).toEqual([]);
  });

  it('sends a recorded but lost transaction again as the same raw, never signing twice', async () => {
    const { chain, submitter, add, state } = setup();
    chain.dropNext = true;
    await add(trades);
    await submitter.round(); // simulate, sign, record, (lost) broadcast
    expect((await state()).batches.get('b1')!.status).toBe('submitted');
    expect(chain.receipts.size).toBe(0);
    await submitter.round(); // unknown to the node, nonce still open: the same raw again
    await submitter.round(); // receipt: confirmed
    expect(chain.signed).toHaveLength(1);
    expect(chain.sent).toEqual([chain.signed[0]!.raw, chain.signed[0]!.raw]);
    const b = (await state()).batches.get('b1')!;
    expect(b.status).toBe('confirmed');
    expect(b.confirmed!.transactionHash).toBe(chain.signed[0]!.hash);
    expect(chain.mined).toBe(1);
  });

  it('replaces a stuck transaction with higher fees; the replacement confirms the batch', async () => {
    const { chain, submitter, add, state } = setup({ replaceAfterMs: 0 });
    chain.autoMine = false;
    await add(trades);
    await submitter.round(); // submitted, pending
    await submitter.round(); // still pending: replaced
    const s = await state();
    const b = s.batches.get('b1')!;
    expect(b.transactions).toHaveLength(2);
    const [first, second] = b.transactions;
    expect(second!.fees.maxFeePerGas).toBeGreaterThanOrEqual((first!.fees.maxFeePerGas * 9n) / 8n);
    expect(second!.fees.maxPriorityFeePerGas).toBeGreaterThan(first!.fees.maxPriorityFeePerGas);
    expect(chain.signed.map((x) => x.nonce)).toEqual([0, 0]);
    // Same gas limit as the original: not a fresh estimate on a state the original changed.
    expect(chain.signed[1]!.gas).toBe(chain.signed[0]!.gas);
    chain.mine(second!.hash);
    await submitter.round();
    const done = (await state()).batches.get('b1')!;
    expect(done.status).toBe('confirmed');
    expect(done.confirmed!.transactionHash).toBe(second!.hash);
  });

  it('fails a batch whose nonce another transaction took; its trades go to a new batch', async () => {
    const { chain, submitter, add, state } = setup();
    chain.dropNext = true;
    await add(trades);
    await submitter.round();
    chain.mined++; // someone else used the operator's nonce
    await submitter.round(); // failed, trades into b2 (open) — b2 is due at once (size 4)
    const s = await state();
    expect(s.batches.get('b1')!.status).toBe('failed');
    const b2 = s.batches.get('b2')!;
    expect(b2.tradeIds).toEqual(trades.map((t) => t.tradeId));
    await submitter.round();
    await submitter.round();
    const done = await state();
    expect(done.batches.get('b2')!.status).toBe('confirmed');
    expect(chain.signed.map((x) => x.nonce)).toEqual([0, 1]);
    for (const t of trades) expect(done.trades.get(t.tradeId)!.settledCount).toBe(1);
  });

  it('puts the trades of a reorged settlement into a new batch; they settle again, once', async () => {
    const { chain, submitter, add, state } = setup();
    await add(trades);
    await submitter.round();
    await submitter.round();
    const first = (await state()).batches.get('b1')!;
    expect(first.status).toBe('confirmed');
    // The block is dropped: the receipt is gone and the operator's nonce is open again.
    chain.receipts.delete(first.confirmed!.transactionHash);
    chain.mined--;
    chain.block--;
    await submitter.round(); // reorg seen: b1 reorged, trades into b2
    const s = await state();
    expect(s.batches.get('b1')!.status).toBe('reorged');
    expect(s.batches.get('b2')!.tradeIds).toEqual(trades.map((t) => t.tradeId));
    for (const t of trades) expect(s.trades.get(t.tradeId)!.settledCount).toBe(0);
    await submitter.round();
    await submitter.round();
    const done = await state();
    expect(done.batches.get('b2')!.status).toBe('confirmed');
    for (const t of trades) expect(done.trades.get(t.tradeId)!.settledCount).toBe(1);
    // The reorged nonce was given back and taken again (no gap the chain would wait on).
    expect(done.batches.get('b2')!.nonce).toBe(first.nonce);
  });

  it('leaves a reorged settlement alone while the node holds it again (it will be mined again)', async () => {
    const { chain, submitter, add, state } = setup();
    await add(trades);
    await submitter.round();
    await submitter.round();
    const first = (await state()).batches.get('b1')!;
    const hash = first.confirmed!.transactionHash;
    chain.receipts.delete(hash);
    chain.mined--;
    chain.pool.add(hash); // re-injected into the pool by the node
    await submitter.round();
    expect((await state()).batches.get('b1')!.status).toBe('confirmed');
    chain.mine(hash); // mined again, in another block
    await submitter.round();
    const s = await state();
    expect(s.batches.get('b1')!.status).toBe('confirmed');
    expect(s.batches.size).toBe(1);
    expect(chain.signed).toHaveLength(1);
  });

  describe("confirmation from the indexer's chain facts", () => {
    const sight = (hash: Hex, block: bigint, settled = 4, skipped = 0) => ({
      type: 'RecordSighting' as const,
      transactionHash: hash,
      block,
      blockHash: hex(Number(block), 32),
      settled,
      skipped,
      at: new Date().toISOString(),
    });

    it('waits for the BatchSettled fact of the mined transaction, then confirms', async () => {
      const { chain, submitter, add, state } = setup({ confirmFrom: 'chain-facts' });
      await add(trades);
      for (let i = 0; i < 4; i++) await submitter.round();
      const b = (await state()).batches.get('b1')!;
      expect(b.status).toBe('submitted'); // mined per its receipt, no fact yet
      const receipt = (await chain.receipt(b.transactions[0]!.hash))!;
      // A fact with other counts, or for another block, does not confirm it.
      await submitter.exec(sight(b.transactions[0]!.hash, receipt.blockNumber, 3, 1));
      await submitter.round();
      expect((await state()).batches.get('b1')!.status).toBe('submitted');
      await submitter.exec(sight(b.transactions[0]!.hash, receipt.blockNumber + 1n));
      await submitter.round();
      expect((await state()).batches.get('b1')!.status).toBe('submitted');
      await submitter.exec(sight(b.transactions[0]!.hash, receipt.blockNumber));
      await submitter.round();
      const done = await state();
      expect(done.batches.get('b1')!.status).toBe('confirmed');
      for (const t of trades) expect(done.trades.get(t.tradeId)!.settledCount).toBe(1);
    });

    it('a retracted fact reopens the confirmed batch: its trades settle again, once', async () => {
      const { chain, submitter, add, state } = setup({ confirmFrom: 'chain-facts' });
      await add(trades);
      await submitter.round();
      const first = (await state()).batches.get('b1')!;
      const hash = first.transactions[0]!.hash;
      const block = (await chain.receipt(hash))!.blockNumber;
      await submitter.exec(sight(hash, block));
      await submitter.round();
      expect((await state()).batches.get('b1')!.status).toBe('confirmed');
      // The block is reorged out: the chain drops the transaction, the relay retracts the fact.
      chain.receipts.delete(hash);
      chain.mined--;
      await submitter.exec({
        type: 'RetractSighting',
        transactionHash: hash,
        blockHash: hex(Number(block), 32),
        at: new Date().toISOString(),
      });
      const s = await state();
      expect(s.batches.get('b1')!.status).toBe('reorged');
      expect(s.batches.get('b2')!.tradeIds).toEqual(trades.map((t) => t.tradeId));
      await submitter.round(); // b2 simulated and sent, mined, waiting for its fact
      const b2 = (await state()).batches.get('b2')!;
      expect(b2.status).toBe('submitted');
      const hash2 = b2.transactions[0]!.hash;
      await submitter.exec(sight(hash2, (await chain.receipt(hash2))!.blockNumber));
      await submitter.round();
      const done = await state();
      expect(done.batches.get('b2')!.status).toBe('confirmed');
      for (const t of trades) expect(done.trades.get(t.tradeId)!.settledCount).toBe(1);
    });
  });

  it('a new chain under the same id: the batch in flight on the old one is sent again there, from nonce 0', async () => {
    const { chain, submitter, add, state } = setup({ batchSize: 2 });
    await add(trades.slice(0, 2), 2);
    await submitter.round(); // b1 confirmed on chain A at nonce 0
    chain.autoMine = false;
    await add(trades.slice(2), 2);
    await submitter.round(); // b2 sent on chain A at nonce 1, not mined
    expect((await state()).batches.get('b2')).toMatchObject({
      status: 'submitted',
      nonce: 1,
      genesis: hex(0xa0, 32),
    });
    chain.restart(hex(0xb0, 32));
    chain.autoMine = true;
    await submitter.round(); // genesis B recorded, b2 failed, its trades sent again as b3
    let s = await state();
    expect(s.genesis).toBe(hex(0xb0, 32));
    expect(s.batches.get('b2')?.status).toBe('failed');
    expect(s.batches.get('b3')).toMatchObject({
      status: 'submitted',
      nonce: 0,
      genesis: hex(0xb0, 32),
      tradeIds: [trades[2]!.tradeId, trades[3]!.tradeId],
    });
    // b1 was confirmed on chain A: not reorged by the receipt watch on chain B.
    expect(s.batches.get('b1')?.status).toBe('confirmed');
    expect(chain.signed.map((x) => x.nonce)).toEqual([0, 1, 0]);
    await submitter.round();
    s = await state();
    expect([...s.batches.values()].map((b) => b.status)).toEqual([
      'confirmed',
      'failed',
      'confirmed',
    ]);
    expect(chain.mined).toBe(1); // no gap: chain B mined our nonce 0
  });

  it('a node replaced mid-round: no reorg, no rebroadcast concluded from the new chain', async () => {
    const { chain, submitter, add, state } = setup({ batchSize: 2 });
    await add(trades.slice(0, 2), 2);
    await submitter.round(); // b1 confirmed on A
    chain.autoMine = false;
    await add(trades.slice(2), 2);
    await submitter.round(); // b2 sent on A, in its pool
    const sent = chain.sent.length;
    chain.restart(hex(0xb0, 32));
    // The round's first read still answered A (the node went away just after it).
    let calls = 0;
    chain.genesis = async () => (++calls === 1 ? hex(0xa0, 32) : hex(0xb0, 32));
    await submitter.round();
    let s = await state();
    expect(s.batches.get('b1')?.status).toBe('confirmed'); // not "reorged" by chain B's silence
    expect(s.batches.get('b2')?.status).toBe('submitted'); // neither failed nor resent to B
    expect(chain.sent.length).toBe(sent);
    await submitter.round(); // the next round records B
    s = await state();
    expect(s.genesis).toBe(hex(0xb0, 32));
    expect(s.batches.get('b2')?.status).toBe('failed');
    expect(s.batches.get('b1')?.status).toBe('confirmed');
  });

  it('refuses a submission signed on a chain other than the one the round began on', async () => {
    const { chain, submitter, add, state } = setup();
    await add(trades);
    await submitter.round(); // chain A recorded, b1 confirmed
    const before = chain.signed.length;
    // The node is replaced between the round's genesis read and the submission's.
    const first = chain.genesis.bind(chain);
    let calls = 0;
    chain.genesis = async () => (++calls === 1 ? first() : hex(0xb0, 32));
    await add([fixtureTrade(5)]);
    const s0 = await state();
    await submitter.exec({
      type: 'RecordSimulation',
      batchId: s0.openBatchId!,
      excluded: [],
      block: 1n,
      at: new Date().toISOString(),
    });
    await expect(submitter.round()).rejects.toThrow(/SETTLEMENT.WRONG_CHAIN/);
    expect((await state()).batches.get('b2')?.status).toBe('simulated');
    expect(chain.sent.length).toBe(before); // signed, never sent
  });

  it('sends nothing while paused, and resumes', async () => {
    const { chain, submitter, add, state } = setup({ paused: true });
    await add(trades);
    await submitter.round();
    expect(chain.sent).toHaveLength(0);
    expect((await state()).batches.get('b1')!.status).toBe('open');
    submitter.settings.paused = false;
    await submitter.round();
    await submitter.round();
    expect((await state()).batches.get('b1')!.status).toBe('confirmed');
  });
});
