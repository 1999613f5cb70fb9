// The submitter: one loop per operator key that moves batches along, each step recorded in the
// settlement stream before (or instead of) touching the chain, so a crash anywhere resumes:
//   open batch, full or old enough  -> eth_call, RecordSimulation (skipped pairs excluded)
//   simulated, not sent             -> sign at the next nonce, RecordSubmission (hash, nonce,
//                                      raw), THEN broadcast
//   submitted                       -> receipt of any of its hashes, deep enough, and the
//                                      indexer's BatchSettled fact for it (chain-facts mode):
//                                      RecordConfirmation (per pair, from PairSkipped); reverted:
//                                      FailBatch;
//                                      unknown to the node: the nonce was used by something
//                                      else -> FailBatch, else broadcast the recorded raw again
//   confirmed, recent               -> transaction gone from chain and pool (or reverted in the
//                                      new branch): RecordReorg (trades to a new batch, the
//                                      nonce given back)
// A restart runs the same loop: a submitted batch is looked up by hash and nonce before
// anything is sent again, and the only thing ever re-sent is the same signed transaction.
// Every round first asks the node for its genesis (block 0 hash): another one than the
// stream's is a new chain under the same chain id (a restarted anvil), and RecordGenesis fails
// the old chain's batches in flight (their trades are batched again) before anything is
// followed or sent; each submission records the genesis it was signed for.
import { randomUUID } from 'node:crypto';
import { BaseError, ContractFunctionRevertedError, ExecutionRevertedError } from 'viem';
import type { EventSourcedRepository } from '@atelier/eventsourcing';
import type { Logger } from '@atelier/observability';
import {
  cloneSettlement,
  onCurrentChain,
  settlementId,
  type Batch,
  type Exclusion,
  type Hex,
  type SettlementCommand,
  type SettlementError,
  type SettlementEvent,
  type SettlementState,
  type SettlementTrade,
} from '@atelier/settlement-domain';
import { resultsOf, type SettlementChain } from './settle-chain';

/** A call the node refused as reverting (not an RPC or network failure). */
const isRevert = (e: unknown): boolean =>
  e instanceof BaseError &&
  e.walk(
    (x) => x instanceof ContractFunctionRevertedError || x instanceof ExecutionRevertedError,
  ) !== null;

/** Longest a round keeps sending new batches before it follows the sent ones again, ms. */
const SEND_BUDGET_MS = 1000;

export type SettlementRepository = EventSourcedRepository<
  SettlementCommand,
  SettlementEvent,
  SettlementState,
  SettlementError
>;

export interface SubmitterSettings {
  readonly batchSize: number;
  readonly windowMs: number;
  readonly confirmations: number;
  readonly pollMs: number;
  paused: boolean;
  /** Crash specs only: SIGKILL this process at that point of a submission. */
  readonly fault?:
    | 'kill-after-simulation-recorded'
    | 'kill-after-submission-recorded'
    | 'kill-after-broadcast'
    | 'kill-before-confirmation-recorded'
    | undefined;
  /** A transaction pending this long is replaced (same nonce, fees up at least 12.5 %), ms. */
  readonly replaceAfterMs?: number;
  /** How far back confirmed batches are re-checked for a reorg, blocks. */
  readonly reorgDepth?: number;
  /**
   * 'chain-facts' (default): a mined batch is confirmed only once the indexer's BatchSettled
   * fact for that transaction and block reached the stream (RecordSighting); 'receipt': the
   * receipt alone, for chains no indexer relay follows.
   */
  readonly confirmFrom?: 'chain-facts' | 'receipt';
}

export interface SubmitterObserver {
  onConfirmed?(batch: Batch, gasUsed: bigint, trades: readonly SettlementTrade[]): void;
  onSubmitted?(batch: Batch): void;
}

export class Submitter {
  private running = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  lastError: string | undefined;
  rounds = 0;
  /** The last round left due batches for the next one: no pause in between. */
  private again = false;

  constructor(
    private readonly repo: SettlementRepository,
    private readonly chain: SettlementChain,
    readonly settings: SubmitterSettings,
    private readonly logger: Logger,
    private readonly observer: SubmitterObserver = {},
  ) {}

  get id(): string {
    return settlementId(this.chain.operator);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  /** Runs a round now (a new trade arrived). */
  poke(): void {
    this.wake?.();
  }

  /** The stream's state now (a copy: the repository folds its cache in place). */
  async state(): Promise<SettlementState> {
    const r = await this.repo.handleAll(this.id, [], this.ctx());
    return cloneSettlement(r.state);
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.round();
        this.lastError = undefined;
      } catch (e) {
        this.lastError = (e as Error).message;
        this.logger.warn({ err: e }, 'settlement round failed; retrying');
      }
      this.rounds++;
      if (!this.running) break;
      if (this.again) {
        this.again = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.settings.pollMs);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /** One pass over every live batch, oldest first. */
  async round(): Promise<void> {
    const s = await this.onChain(await this.state());
    for (const b of s.batches.values()) {
      if (this.stopped) return;
      if (b.status === 'submitted') await this.follow(s, b);
    }
    if (this.settings.paused) return;
    // A backlog of due batches is sent for at most SEND_BUDGET_MS per round, then the next round
    // starts at once and follows what was sent first: confirmations keep pace with submissions
    // instead of waiting behind the whole backlog (bench:settlement, window 1).
    const budgetEnd = Date.now() + SEND_BUDGET_MS;
    for (const b of s.batches.values()) {
      if (this.stopped) return;
      if (Date.now() > budgetEnd) {
        this.again = true;
        break;
      }
      if (b.status === 'simulated') await this.submit(s, b);
      else if (b.status === 'open' && this.due(b)) {
        await this.simulate(s, b);
        this.crashAt('kill-after-simulation-recorded');
        // Sent in the same round: no window between closing a batch and sending it.
        const after = await this.state();
        const sim = after.batches.get(b.batchId);
        if (sim?.status === 'simulated') await this.submit(after, sim);
      }
    }
    await this.watchReorgs(s);
  }

  /**
   * The stream on the node's chain: records its genesis when it is not the stream's (the first
   * one, or a new chain), and answers the state after it.
   */
  private async onChain(s: SettlementState): Promise<SettlementState> {
    const genesis = await this.chain.genesis();
    if (s.genesis === genesis) return s;
    if (s.genesis !== null) {
      const gone = [...s.batches.values()].filter(
        (b) => b.status === 'simulated' || b.status === 'submitted',
      );
      this.logger.warn(
        {
          previous: s.genesis,
          genesis,
          batches: gone.map((b) => b.batchId),
          trades: gone.reduce((n, b) => n + b.tradeIds.length, 0),
        },
        'a new chain under the same chain id: its batches in flight are batched again',
      );
    }
    await this.exec({ type: 'RecordGenesis', genesis, at: new Date().toISOString() });
    return this.state();
  }

  private due(b: Batch): boolean {
    if (b.tradeIds.length === 0) return false;
    if (b.tradeIds.length >= this.settings.batchSize) return true;
    return Date.now() - Date.parse(b.openedAt) >= this.settings.windowMs;
  }

  private trades(s: SettlementState, ids: readonly string[]): SettlementTrade[] {
    return ids.flatMap((id) => {
      const t = s.trades.get(id);
      return t ? [t.trade] : [];
    });
  }

  /**
   * eth_call of the batch; a pair that would be skipped is excluded with its reason. A whole
   * revert (a gas-burning collection or wallet) is bisected down to the pairs that revert
   * alone, which are excluded as ItemTransferFailed.
   */
  private async simulate(s: SettlementState, b: Batch): Promise<void> {
    const trades = this.trades(s, b.tradeIds);
    const excluded: Exclusion[] = [];
    let block = 0n;
    const check = async (part: SettlementTrade[]): Promise<void> => {
      if (part.length === 0) return;
      try {
        const r = await this.chain.simulate(part);
        block = r.block > block ? r.block : block;
        r.reasons.forEach((reason, i) => {
          if (reason !== 'None') excluded.push({ tradeId: part[i]!.tradeId, reason });
        });
      } catch (e) {
        if (!isRevert(e)) throw e; // the RPC failed: no verdict, try the round again
        if (part.length === 1) {
          this.logger.warn({ err: e, tradeId: part[0]!.tradeId }, 'a pair reverts settleBatch');
          excluded.push({ tradeId: part[0]!.tradeId, reason: 'ItemTransferFailed' });
          return;
        }
        this.logger.info(
          { batchId: b.batchId, pairs: part.length },
          'settleBatch reverts as a whole; bisecting',
        );
        const mid = Math.ceil(part.length / 2);
        await check(part.slice(0, mid));
        await check(part.slice(mid));
      }
    };
    await check(trades);
    await this.exec({
      type: 'RecordSimulation',
      batchId: b.batchId,
      excluded,
      block,
      at: new Date().toISOString(),
    });
    if (excluded.length)
      this.logger.info({ batchId: b.batchId, excluded }, 'pairs excluded by simulation');
  }

  private async submit(s: SettlementState, b: Batch): Promise<void> {
    const trades = this.trades(s, b.tradeIds);
    // The node's next nonce, never below what the stream handed out, and never one a batch
    // still in flight holds (after a reorg gave a lower nonce back, a later batch may be queued
    // above it).
    const held = new Set(
      [...s.batches.values()].filter((x) => x.status === 'submitted').map((x) => x.nonce),
    );
    // The genesis read with the nonce: a node replaced since the round began refuses the
    // submission (WRONG_CHAIN) instead of recording a nonce of one chain for another.
    const [pending, genesis] = await Promise.all([this.chain.pendingNonce(), this.chain.genesis()]);
    let nonce = Math.max(pending, s.nextNonce);
    while (held.has(nonce)) nonce++;
    let signed: Awaited<ReturnType<SettlementChain['sign']>>;
    try {
      signed = await this.chain.sign(trades, nonce);
    } catch (e) {
      // Gas estimation reverts: the chain moved since the simulation. Nothing was sent; the
      // trades go back into a batch and are simulated (and bisected) again.
      if (!isRevert(e)) throw e;
      await this.exec({
        type: 'FailBatch',
        batchId: b.batchId,
        reason: `reverts since its simulation: ${(e as Error).message.slice(0, 200)}`,
        at: new Date().toISOString(),
      });
      return;
    }
    await this.exec({
      type: 'RecordSubmission',
      batchId: b.batchId,
      transactionHash: signed.hash,
      nonce,
      gas: signed.gas,
      fees: signed.fees,
      raw: signed.raw,
      genesis,
      at: new Date().toISOString(),
    });
    this.observer.onSubmitted?.(b);
    this.logger.info(
      { batchId: b.batchId, hash: signed.hash, nonce, pairs: trades.length },
      'batch submitted',
    );
    if (this.settings.fault === 'kill-after-submission-recorded')
      process.kill(process.pid, 'SIGKILL');
    await this.chain.broadcast(signed.raw);
    if (this.settings.fault === 'kill-after-broadcast') process.kill(process.pid, 'SIGKILL');
  }

  /** A submitted batch: confirmed, failed, still pending, or lost by the node (resend). */
  private async follow(s: SettlementState, b: Batch): Promise<void> {
    for (const tx of b.transactions) {
      const receipt = await this.chain.receipt(tx.hash);
      if (!receipt) continue;
      if (receipt.status !== 'success') {
        await this.exec({
          type: 'FailBatch',
          batchId: b.batchId,
          reason: `reverted in block ${receipt.blockNumber} (${tx.hash})`,
          at: new Date().toISOString(),
        });
        return;
      }
      const latest = await this.chain.latestBlock();
      if (latest - receipt.blockNumber + 1n < BigInt(this.settings.confirmations)) return;
      const results = resultsOf(receipt, this.chain.marketplace, b.tradeIds);
      if (!this.seenAsMined(b, tx.hash, receipt.blockHash, results)) return;
      this.crashAt('kill-before-confirmation-recorded');
      await this.exec({
        type: 'RecordConfirmation',
        batchId: b.batchId,
        transactionHash: tx.hash,
        block: receipt.blockNumber,
        gasUsed: receipt.gasUsed,
        results,
        at: new Date().toISOString(),
      });
      this.observer.onConfirmed?.(b, receipt.gasUsed, this.trades(s, b.tradeIds));
      return;
    }
    // No receipt. Known to the node: wait, and replace it once it has waited too long. Unknown: if the nonce is used, something else took
    // it (none of our hashes mined) and the batch failed; else the node lost it: send it again.
    const last = b.transactions[b.transactions.length - 1];
    if (!last) return;
    for (const tx of b.transactions)
      if (await this.chain.known(tx.hash)) {
        if (!this.settings.paused) await this.maybeReplace(s, b);
        return;
      }
    // Unknown to the node may mean another node: a chain replaced since the round began is
    // recorded by the next round (its batches fail there), never answered from this one.
    if (!(await this.stillOn(s))) return;
    if (b.nonce !== null && (await this.chain.minedNonce()) > b.nonce) {
      // Re-check receipts: the nonce may have been used by one of ours between the two reads.
      for (const tx of b.transactions) if (await this.chain.receipt(tx.hash)) return;
      await this.exec({
        type: 'FailBatch',
        batchId: b.batchId,
        reason: `nonce ${b.nonce} used by another transaction`,
        at: new Date().toISOString(),
      });
      return;
    }
    this.logger.info({ batchId: b.batchId, hash: last.hash }, 'rebroadcasting a lost transaction');
    await this.chain.broadcast(last.raw);
  }

  /**
   * The receipt is the fast path (mined, reverted, per-pair results); confirmation waits for
   * the indexer: its BatchSettled fact for this transaction in this very block, with the counts
   * the receipt shows. Until then (relay behind, or the facts still on their way) the batch
   * stays submitted; a disagreement is logged and waited out (a reorg resolves it either way).
   */
  private seenAsMined(
    b: Batch,
    hash: Hex,
    blockHash: Hex,
    results: readonly { outcome: string }[],
  ): boolean {
    if ((this.settings.confirmFrom ?? 'chain-facts') === 'receipt') return true;
    const seen = b.seen;
    if (!seen || seen.transactionHash.toLowerCase() !== hash.toLowerCase()) return false;
    if (seen.blockHash.toLowerCase() !== blockHash.toLowerCase()) return false;
    const settled = results.filter((r) => r.outcome === 'settled').length;
    if (seen.settled !== settled || seen.skipped !== results.length - settled) {
      this.logger.warn(
        { batchId: b.batchId, hash, seen, settled, pairs: results.length },
        "the indexer's BatchSettled disagrees with the receipt; not confirming",
      );
      return false;
    }
    return true;
  }

  /**
   * A stuck transaction: sign the same batch at the same nonce with fees raised by at least
   * 12.5 % (nodes want 10 %) or to the current estimate if higher, record BatchReplaced, then
   * send. Whichever of the batch's hashes is mined confirms it.
   */
  private async maybeReplace(s: SettlementState, b: Batch): Promise<void> {
    const after = this.settings.replaceAfterMs;
    const last = b.transactions[b.transactions.length - 1];
    if (after === undefined || !last || b.nonce === null) return;
    if (Date.now() - (this.sentAt.get(last.hash) ?? Date.now()) < after) {
      if (!this.sentAt.has(last.hash)) this.sentAt.set(last.hash, Date.now());
      return;
    }
    const now = await this.chain.currentFees();
    const bump = (old: bigint, cur: bigint) => {
      const min = old + (old + 7n) / 8n;
      return cur > min ? cur : min;
    };
    const fees = {
      maxFeePerGas: bump(last.fees.maxFeePerGas, now.maxFeePerGas),
      maxPriorityFeePerGas: bump(last.fees.maxPriorityFeePerGas, now.maxPriorityFeePerGas),
    };
    const signed = await this.chain.sign(
      this.trades(s, b.tradeIds),
      b.nonce,
      fees,
      b.gas ?? undefined,
    );
    await this.exec({
      type: 'RecordReplacement',
      batchId: b.batchId,
      transactionHash: signed.hash,
      fees: signed.fees,
      raw: signed.raw,
      at: new Date().toISOString(),
    });
    this.sentAt.set(signed.hash, Date.now());
    this.logger.info({ batchId: b.batchId, hash: signed.hash, fees }, 'stuck transaction replaced');
    await this.chain.broadcast(signed.raw);
  }

  /** When this process first saw each pending hash (a restart starts the clock again). */
  private readonly sentAt = new Map<string, number>();

  /**
   * Receipt mode only. In chain-facts mode the indexer's retraction of the BatchSettled fact is
   * what reorgs a confirmed batch (RetractSighting), so the two never race on one reorg.
   */
  private async watchReorgs(s: SettlementState): Promise<void> {
    if ((this.settings.confirmFrom ?? 'chain-facts') === 'chain-facts') return;
    const depth = BigInt(this.settings.reorgDepth ?? 64);
    let latest: bigint | undefined;
    for (const b of s.batches.values()) {
      if (b.status !== 'confirmed' || !b.confirmed) continue;
      // Confirmed on a chain the node no longer serves: not reorged, gone with its chain; with
      // no indexer to retract its facts, nothing tells the market otherwise (docs/settlement.md).
      if (!onCurrentChain(s, b)) continue;
      latest ??= await this.chain.latestBlock();
      if (latest - b.confirmed.block > depth) continue;
      const hash = b.confirmed.transactionHash;
      const receipt = await this.chain.receipt(hash);
      if (receipt && receipt.blockNumber === b.confirmed.block) continue;
      // Mined again in the new branch (same transaction, same pairs): still settled, once.
      if (receipt?.status === 'success') continue;
      // Back in the node's pool (nodes that re-inject reorged transactions): it will be mined
      // again at its nonce; reopening its trades now would send them a second time.
      if (!receipt && (await this.chain.known(hash))) continue;
      // Gone because the whole chain was replaced since the round began: not a reorg (the next
      // round records the new chain).
      if (!(await this.stillOn(s))) return;
      this.logger.warn({ batchId: b.batchId }, 'settlement block reorged out');
      await this.exec({
        type: 'RecordReorg',
        batchId: b.batchId,
        transactionHash: b.confirmed.transactionHash,
        block: b.confirmed.block,
        at: new Date().toISOString(),
      });
    }
  }

  /**
   * Whether the node still serves the chain the round began on. Asked before concluding from a
   * transaction the node does not know (lost, replaced, reorged): an anvil restarted mid-round
   * knows none of them, and that is a new chain, not a fault of this one.
   */
  private async stillOn(s: SettlementState): Promise<boolean> {
    return s.genesis === null || (await this.chain.genesis()) === s.genesis;
  }

  /** Crash specs: die here, as a power cut would (no shutdown hooks, nothing flushed). */
  private crashAt(point: NonNullable<SubmitterSettings['fault']>): void {
    if (this.settings.fault === point) process.kill(process.pid, 'SIGKILL');
  }

  async exec(command: SettlementCommand): Promise<void> {
    const r = await this.repo.handleAll(this.id, [command], this.ctx());
    const outcome = r.outcomes[0];
    if (outcome && !outcome.ok)
      throw new Error(`${command.type} refused: ${outcome.error.code} ${outcome.error.message}`);
  }

  private ctx() {
    const correlationId = randomUUID();
    return { correlationId, actor: 'settlement' };
  }
}
