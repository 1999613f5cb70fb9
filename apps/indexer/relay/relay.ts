// The relay loop: Ponder indexes, this publishes. Each step reads one consistent snapshot
// of Ponder's tables (store.ts), sends the retractions of dropped facts, then the new facts in
// chain order, and only after Kafka acknowledged them moves its cursor and ledger, in one
// transaction. Killed at any point, it resumes from that cursor: nothing is skipped, and what
// may have been sent already is sent again with the same id (at-least-once; consumers dedupe
// by id). It wakes on Ponder's own notification of a committed block, or every poll interval.
import type { Logger } from 'pino';
import type { Client, Notification } from 'pg';
import {
  chainFact,
  chainTopic,
  retractionOf,
  toJsonArgs,
  type ChainFactEnvelope,
} from '@atelier/chain-messages';
import type { RelayMetrics } from './metrics';
import { MAX_LOG, type FactRow, type Position, type RelayStore, type Snapshot } from './store';

/** What the loop needs of the Kafka side (FactPublisher; a fake in specs). */
export interface FactPublisher {
  send(envelopes: readonly ChainFactEnvelope[]): Promise<void>;
}

export interface RelayOptions {
  readonly chainId: number;
  readonly mode: 'retract' | 'confirmations';
  readonly confirmations: number;
  readonly batchSize: number;
  readonly pollIntervalMs: number;
  readonly topicPrefix: string;
  /** The hash of the canonical block at a height (from the RPC), or undefined if there is none. */
  readonly canonicalBlockHash: (blockNumber: number) => Promise<string | undefined>;
}

export type Phase = 'starting' | 'waiting-for-indexer' | 'historical' | 'live';

export interface RelayStatus {
  phase: Phase;
  mode: 'retract' | 'confirmations';
  confirmations: number;
  chainHead: number | null;
  indexedBlock: number | null;
  finalizedBlock: number | null;
  /** Every fact at or below this block has been published. */
  publishedThroughBlock: number | null;
  /** Block of the most recent fact published. */
  lastPublishedBlock: number | null;
  blocksBehind: number | null;
  publishedTotal: number;
  retractedTotal: number;
  lastStepAt: string | null;
  lastError: string | null;
}

/** Resolves after `ms`, or at once on abort; leaves no listener behind (it runs twice a second). */
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

const toEnvelope = (chainId: number, f: FactRow): ChainFactEnvelope =>
  chainFact({
    chainId,
    contract: f.contract,
    address: f.address,
    // An overloaded event is stored under its full signature; the message type uses the name.
    event: f.event.split('(')[0]!,
    blockNumber: f.blockNumber,
    blockHash: f.blockHash,
    blockTimestamp: f.blockTimestamp,
    transactionHash: f.transactionHash,
    transactionIndex: f.transactionIndex,
    logIndex: f.logIndex,
    args: toJsonArgs(f.args),
  });

const maxPosition = (a: Position, b: Position): Position =>
  a.block > b.block || (a.block === b.block && a.log >= b.log) ? a : b;

export class Relay {
  readonly status: RelayStatus;
  private lastSuccess = 0;
  private readAhead: Promise<Snapshot | undefined> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly store: RelayStore,
    private readonly publisher: Pick<FactPublisher, 'send'>,
    private readonly metrics: RelayMetrics,
    private readonly logger: Logger,
    private readonly options: RelayOptions,
  ) {
    this.status = {
      phase: 'starting',
      mode: options.mode,
      confirmations: options.confirmations,
      chainHead: null,
      indexedBlock: null,
      finalizedBlock: null,
      publishedThroughBlock: null,
      lastPublishedBlock: null,
      blocksBehind: null,
      publishedTotal: 0,
      retractedTotal: 0,
      lastStepAt: null,
      lastError: null,
    };
  }

  /** Ponder notifies `<schema>_live_query` when a live block changed its tables. */
  listen(client: Client, channel: string): Promise<unknown> {
    client.on('notification', (n: Notification) => {
      if (n.channel === channel) this.wake?.();
    });
    return client.query(`LISTEN "${channel.replaceAll('"', '""')}"`);
  }

  /** Healthy when a step succeeded recently (a failing loop retries, but readiness says so). */
  healthy(maxAgeMs: number): boolean {
    return Date.now() - this.lastSuccess <= maxAgeMs;
  }

  setChainHead(head: number): void {
    this.status.chainHead = head;
    this.metrics.chainHead.set(head);
    this.updateLag();
  }

  async run(signal: AbortSignal): Promise<void> {
    const totals = await this.store.totals();
    if (totals) {
      this.status.publishedTotal = totals.publishedTotal;
      this.status.retractedTotal = totals.retractedTotal;
      this.status.lastPublishedBlock = totals.lastPublishedBlock;
      this.logger.info(
        { cursor: totals.cursor, stream: this.store.stream },
        'resuming from checkpoint',
      );
    }
    let failures = 0;
    while (!signal.aborted) {
      let more = false;
      const started = performance.now();
      try {
        more = await this.step();
        this.lastSuccess = Date.now();
        this.status.lastStepAt = new Date().toISOString();
        this.status.lastError = null;
        failures = 0;
        this.metrics.batchDuration.observe((performance.now() - started) / 1000);
      } catch (e) {
        failures++;
        this.metrics.stepErrors.inc();
        this.status.lastError = (e as Error).message;
        this.logger.error({ err: e, failures }, 'relay step failed; retrying');
        await sleep(Math.min(10_000, 250 * 2 ** Math.min(failures, 6)), signal);
        continue;
      }
      if (!more) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          void sleep(this.options.pollIntervalMs, signal).then(resolve);
        });
        this.wake = undefined;
      }
    }
  }

  /** One snapshot → send → commit. Returns true when more facts are already waiting. */
  async step(): Promise<boolean> {
    const t0 = performance.now();
    const ahead = this.readAhead;
    this.readAhead = undefined;
    const snap = ahead
      ? await ahead
      : await this.store.read(this.options.batchSize, this.options.confirmations);
    const t1 = performance.now();
    if (!snap) {
      this.status.phase = 'waiting-for-indexer';
      return false;
    }
    const retractions = (await this.confirmDropped(snap.dropped)).map(retractionOf);
    const resend = snap.resend.map((f) => toEnvelope(this.options.chainId, f));
    const fresh = snap.fresh.map((f) => toEnvelope(this.options.chainId, f));
    const facts = [...resend, ...fresh].sort(
      (a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex,
    );
    // Facts a reorg could still drop are written to the ledger before they leave.
    const pending = fresh.filter((e) => e.blockNumber > snap.ponder.finalized);
    await this.store.recordPending(pending);

    if (retractions.length > 0) {
      this.logger.warn(
        { count: retractions.length, facts: retractions.slice(0, 10).map((r) => r.factId) },
        'facts dropped by a reorg; publishing retractions',
      );
    }
    const t2 = performance.now();
    // Backfill: while Kafka takes this batch, PostgreSQL reads the next one. Only for a full
    // batch of final facts with nothing to retract or resend, so committing this batch changes
    // nothing the next read depends on but the cursor, which it is given.
    const last = snap.fresh[snap.fresh.length - 1];
    if (
      snap.full &&
      last &&
      pending.length === 0 &&
      retractions.length === 0 &&
      resend.length === 0
    ) {
      this.readAhead = this.store.read(this.options.batchSize, this.options.confirmations, {
        block: last.blockNumber,
        log: last.logIndex,
      });
      this.readAhead.catch(() => undefined); // a failure surfaces when the next step awaits it
    }
    const cursor = this.nextCursor(snap);
    const lastPublishedBlock = facts.length > 0 ? facts[facts.length - 1]!.blockNumber : null;
    let ackedAt: number;
    let t3: number;
    try {
      await this.publisher.send([...retractions, ...facts]);
      ackedAt = Date.now();
      t3 = performance.now();
      await this.store.commit({
        retracted: retractions.map((r) => r.factId),
        sent: [...resend, ...pending].map((e) => e.factId),
        cursor,
        published: facts.length,
        lastPublishedBlock,
        finalized: snap.ponder.finalized,
      });
    } catch (e) {
      // The read-ahead assumed this batch sent and committed: read again from the checkpoint.
      this.readAhead = undefined;
      throw e;
    }
    this.observe(snap, cursor, retractions, facts, ackedAt);
    if (facts.length + retractions.length > 0) {
      const ms = (a: number, b: number) => Math.round(b - a);
      this.logger.debug(
        {
          facts: facts.length,
          retractions: retractions.length,
          cursor,
          readMs: ms(t0, t1),
          prepareMs: ms(t1, t2),
          sendMs: ms(t2, t3),
          commitMs: ms(t3, performance.now()),
        },
        'published',
      );
    }
    return snap.full;
  }

  /**
   * A fact can be missing from chain_fact for a while without a reorg: after a crash Ponder
   * rewinds to its last safe checkpoint and re-indexes the blocks above it, and may report
   * itself ready before it has. Only a fact whose block the chain no longer has is retracted;
   * the others are checked again at the next step.
   */
  private async confirmDropped(
    candidates: readonly ChainFactEnvelope[],
  ): Promise<ChainFactEnvelope[]> {
    if (candidates.length === 0) return [];
    const blocks = [...new Set(candidates.map((c) => c.blockNumber))];
    const canonical = new Map<number, string | undefined>();
    for (let i = 0; i < blocks.length; i += 16) {
      const chunk = blocks.slice(i, i + 16);
      const hashes = await Promise.all(chunk.map((b) => this.options.canonicalBlockHash(b)));
      chunk.forEach((b, j) => canonical.set(b, hashes[j]?.toLowerCase()));
    }
    const dropped = candidates.filter((c) => canonical.get(c.blockNumber) !== c.blockHash);
    if (dropped.length < candidates.length) {
      this.logger.info(
        { missing: candidates.length - dropped.length },
        'facts missing from chain_fact whose blocks are still canonical; waiting for Ponder to re-index them',
      );
    }
    return dropped;
  }

  /** Everything up to the target if the batch was not full, else up to its last fact; never backwards. */
  private nextCursor(snap: Snapshot): Position {
    const reached: Position = snap.full
      ? {
          block: snap.fresh[snap.fresh.length - 1]!.blockNumber,
          log: snap.fresh[snap.fresh.length - 1]!.logIndex,
        }
      : { block: snap.target, log: MAX_LOG };
    return maxPosition(snap.cursor, reached);
  }

  private observe(
    snap: Snapshot,
    cursor: Position,
    retractions: readonly ChainFactEnvelope[],
    facts: readonly ChainFactEnvelope[],
    ackedAt: number,
  ): void {
    // Live: Ponder past its backfill and near the head, and no full batch waiting here.
    const head = this.status.chainHead;
    const live =
      snap.ponder.ready && !snap.full && (head === null || head - snap.ponder.indexed <= 2);
    this.status.phase = live ? 'live' : 'historical';
    this.status.indexedBlock = snap.ponder.indexed;
    this.status.finalizedBlock = snap.ponder.finalized;
    this.status.publishedThroughBlock = Math.max(cursor.block, -1);
    this.status.publishedTotal += facts.length;
    this.status.retractedTotal += retractions.length;
    if (facts.length > 0) this.status.lastPublishedBlock = facts[facts.length - 1]!.blockNumber;
    this.metrics.live.set(live ? 1 : 0);
    this.metrics.indexedBlock.set(snap.ponder.indexed);
    this.metrics.finalizedBlock.set(snap.ponder.finalized);
    this.metrics.publishedThrough.set(this.status.publishedThroughBlock);
    // Counted per contract and kind, then added once: a backfill step carries thousands.
    const counts = new Map<string, { contract: string; kind: 'fact' | 'retracted'; n: number }>();
    for (const m of [...retractions, ...facts]) {
      const k = `${m.contract}/${m.kind}`;
      const c = counts.get(k);
      if (c) c.n++;
      else counts.set(k, { contract: m.contract, kind: m.kind, n: 1 });
      if (live && m.kind === 'fact')
        this.metrics.liveLatency.observe(Math.max(0, ackedAt / 1000 - m.blockTimestamp));
    }
    for (const c of counts.values()) {
      this.metrics.published.inc(
        { topic: chainTopic(c.contract, this.options.topicPrefix), kind: c.kind },
        c.n,
      );
    }
    this.updateLag();
  }

  private updateLag(): void {
    const { chainHead, publishedThroughBlock } = this.status;
    if (chainHead === null || publishedThroughBlock === null) return;
    this.status.blocksBehind = Math.max(0, chainHead - publishedThroughBlock);
    this.metrics.lagBlocks.set(this.status.blocksBehind);
  }
}
