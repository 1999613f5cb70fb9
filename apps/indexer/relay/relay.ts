// The relay loop: Ponder indexes, this publishes, each fact exactly once. Each step reads one
// consistent snapshot of Ponder's tables (store.ts) and publishes, in ONE Kafka transaction,
// the retractions of dropped facts, then the new facts in chain order, then a progress record
// (cursor, step, totals, genesis). Kafka's committed progress is the truth: the PostgreSQL
// ledger is prepared before the transaction and applied after it, and whenever the two may
// disagree (start, a failed step) the relay reads the progress back and reconciles the ledger
// with it. Killed at any point, it resumes exactly after the last committed transaction; an
// uncommitted one is invisible to read_committed consumers. It wakes on Ponder's own
// notification of a committed block, or every poll interval.
import type { Logger } from 'pino';
import type { Client, Notification } from 'pg';
import {
  chainFact,
  chainTopic,
  retractionOf,
  toJsonArgs,
  type ChainFactEnvelope,
} from '@atelier/chain-messages';
import { hasCode } from '@atelier/kernel';
import type { RelayMetrics } from './metrics';
import {
  MAX_LOG,
  type FactRow,
  type Position,
  type RelayProgress,
  type RelayStore,
  type Snapshot,
} from './store';

/** What the loop needs of the Kafka side (publisher.ts; a fake in specs). */
export interface FactPublisher {
  /** Retractions and facts, in order, and the progress record: one transaction, all or nothing. */
  publish(messages: readonly ChainFactEnvelope[], progress: RelayProgress): Promise<void>;
  /** The stream's last committed progress record; undefined if Kafka holds none. */
  committedProgress(): Promise<RelayProgress | undefined>;
}

export interface RelayOptions {
  readonly chainId: number;
  readonly mode: 'retract' | 'confirmations';
  readonly confirmations: number;
  readonly batchSize: number;
  readonly pollIntervalMs: number;
  readonly topicPrefix: string;
  /**
   * The hash of the canonical block at a height (from the RPC), or undefined if there is none.
   * Block 0's is the chain's genesis: when it changes, the chain is another one.
   */
  readonly canonicalBlockHash: (blockNumber: number) => Promise<string | undefined>;
  /** Test hook: called once Kafka acknowledged a step's messages, before anything else records it. */
  readonly onAcknowledged?: () => void;
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
  /** Transactions Kafka has committed for the stream; undefined until read back from Kafka. */
  private committedStep: number | undefined;

  constructor(
    private readonly store: RelayStore,
    private readonly publisher: FactPublisher,
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

  /**
   * Reads the stream's committed progress from Kafka and makes the PostgreSQL cache follow it.
   * Runs before the first step and after any failed one (a transaction whose commit failed
   * may have committed after all).
   */
  async recover(): Promise<void> {
    this.readAhead = undefined;
    const progress = await this.publisher.committedProgress();
    const r = await this.store.reconcile(progress);
    const totals = await this.store.totals();
    this.committedStep = progress?.step ?? 0;
    if (totals) {
      this.status.publishedTotal = totals.publishedTotal;
      this.status.retractedTotal = totals.retractedTotal;
      this.status.lastPublishedBlock = totals.lastPublishedBlock;
    }
    const log = {
      stream: this.store.stream,
      step: this.committedStep,
      cursor: totals?.cursor,
      ...r,
    };
    if (r.rewound)
      this.logger.warn(
        log,
        "the relay's checkpoint disagreed with Kafka's committed progress; following Kafka",
      );
    else this.logger.info(log, 'resuming from the progress committed in Kafka');
  }

  async run(signal: AbortSignal): Promise<void> {
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
        // Another relay of this stream took over its transactionalId: this one must stop.
        if (hasCode(e, 'KAFKA.PRODUCER_FENCED')) throw e;
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

  /** One snapshot → one Kafka transaction → apply. Returns true when more facts are already waiting. */
  async step(): Promise<boolean> {
    try {
      if (this.committedStep === undefined) await this.recover();
      return await this.publishStep();
    } catch (e) {
      // Whatever failed (a transaction aborted, or committed without our knowing, or the
      // ledger not applied), the next step first reads Kafka's committed progress back.
      this.committedStep = undefined;
      this.readAhead = undefined;
      throw e;
    }
  }

  private async publishStep(): Promise<boolean> {
    const t0 = performance.now();
    const genesis = (await this.options.canonicalBlockHash(0))?.toLowerCase() ?? null;
    const ahead = this.readAhead;
    this.readAhead = undefined;
    let snap = ahead ? await ahead : undefined;
    // A read-ahead was taken for one chain; if the chain changed since, read again.
    if (!snap || snap.genesis !== genesis)
      snap = await this.store.read(this.options.batchSize, this.options.confirmations, genesis);
    const t1 = performance.now();
    if (!snap) {
      this.status.phase = 'waiting-for-indexer';
      return false;
    }
    // Every dropped block is retracted before any fact of its replacement: all of a chain that
    // is gone (another genesis) without further checks, then this chain's missing facts that
    // the RPC confirms dropped, in chain order, then the facts, all in this one transaction.
    if (snap.foreign.length > 0) {
      this.logger.warn(
        { count: snap.foreign.length, genesis },
        'the chain was replaced (another genesis); retracting every open fact of the old one',
      );
    }
    const retractions = [...snap.foreign, ...(await this.confirmDropped(snap.dropped))].map(
      retractionOf,
    );
    const facts = snap.fresh.map((f) => toEnvelope(this.options.chainId, f));
    // Facts a reorg could still drop go to the ledger, for a later retraction.
    const pending = facts.filter((e) => e.blockNumber > snap.ponder.finalized);

    if (retractions.length > 0) {
      this.logger.warn(
        { count: retractions.length, facts: retractions.slice(0, 10).map((r) => r.factId) },
        'facts dropped by a reorg; publishing retractions',
      );
    }
    const cursor = this.nextCursor(snap);
    if (facts.length + retractions.length === 0) {
      await this.store.advance(cursor, snap.ponder.finalized, genesis);
      this.observe(snap, cursor, [], [], Date.now());
      return snap.full;
    }
    const step = this.committedStep! + 1;
    await this.store.prepare(
      step,
      pending,
      retractions.map((r) => r.factId),
      genesis,
    );
    const t2 = performance.now();
    // Backfill: while Kafka takes this batch, PostgreSQL reads the next one. Only for a full
    // batch of final facts with nothing to retract, so applying this step changes nothing the
    // next read depends on but the cursor, which it is given.
    const last = snap.fresh[snap.fresh.length - 1];
    if (snap.full && last && pending.length === 0 && retractions.length === 0) {
      this.readAhead = this.store.read(
        this.options.batchSize,
        this.options.confirmations,
        genesis,
        {
          block: last.blockNumber,
          log: last.logIndex,
        },
      );
      this.readAhead.catch(() => undefined); // a failure surfaces when the next step awaits it
    }
    const lastPublishedBlock =
      facts.length > 0 ? facts[facts.length - 1]!.blockNumber : this.status.lastPublishedBlock;
    const progress: RelayProgress = {
      stream: this.store.stream,
      step,
      cursor,
      genesis,
      finalized: snap.ponder.finalized,
      publishedTotal: this.status.publishedTotal + facts.length,
      retractedTotal: this.status.retractedTotal + retractions.length,
      lastPublishedBlock,
    };
    await this.publisher.publish([...retractions, ...facts], progress);
    this.committedStep = step;
    this.options.onAcknowledged?.();
    const ackedAt = Date.now();
    const t3 = performance.now();
    await this.store.apply(progress);
    this.observe(snap, cursor, retractions, facts, ackedAt);
    const ms = (a: number, b: number) => Math.round(b - a);
    this.logger.debug(
      {
        step,
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
