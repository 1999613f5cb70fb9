// The settlement of one operator key as one event-sourced aggregate: its batches (open ->
// simulated -> submitted -> confirmed, or failed / reorged; seen on chain by the indexer's facts
// or not), every trade it was given, and the chain (its genesis) its transactions go to. One
// stream per operator (not per batch) because the two invariants that matter span batches: a
// trade is in at most one live batch, and is settled at most once; and one key's nonces are one
// sequence. The decider sees all of it, so both are checked in one place, with no saga.
// evolve folds in place (the trade map grows with every match); `cloneSettlement` is the copy
// the repository's handleAll needs, and `initialState` is a fresh value on every read.

/** A 0x-prefixed hex string (addresses, hashes, signatures, calldata). */
export type Hex = `0x${string}`;

/** One signed order as settleBatch takes it (the EIP-712 fields of docs/contracts.md). */
export interface SettlementOrder {
  readonly hash: Hex;
  readonly order: {
    readonly maker: Hex;
    readonly kind: 0 | 1 | 2;
    readonly collection: Hex;
    readonly tokenId: bigint;
    readonly currency: Hex;
    readonly price: bigint;
    readonly start: bigint;
    readonly expiry: bigint;
    readonly counter: bigint;
    readonly nonce: bigint;
  };
  readonly signature: Hex;
}

/** A matched trade as the market published it (TradeMatched), what settlement needs of it. */
export interface SettlementTrade {
  readonly tradeId: string;
  readonly collection: Hex;
  readonly tokenId: bigint;
  readonly price: bigint;
  readonly ask: SettlementOrder;
  readonly bid: SettlementOrder;
  /** ISO time of the match (for the match -> confirmed metric and the oldest-unsettled age). */
  readonly matchedAt: string;
}

/** A pair taken out of a batch, with the contract's SkipReason name (or the service's). */
export interface Exclusion {
  readonly tradeId: string;
  readonly reason: string;
}

/** An exclusion as recorded: with the trade's collection, which names the market to release it in. */
export interface RecordedExclusion extends Exclusion {
  readonly collection: Hex;
}

/** The verdict of the chain on one pair of a confirmed batch. */
export type PairResult =
  | { readonly tradeId: string; readonly outcome: 'settled' }
  | { readonly tradeId: string; readonly outcome: 'skipped'; readonly reason: string };

export interface Fees {
  readonly maxFeePerGas: bigint;
  readonly maxPriorityFeePerGas: bigint;
}

export type SettlementEvent =
  | {
      readonly type: 'BatchOpened';
      readonly data: { readonly batchId: string; readonly at: string };
    }
  | {
      readonly type: 'TradeAdded';
      readonly data: {
        readonly batchId: string;
        readonly trade: SettlementTrade;
        readonly at: string;
      };
    }
  | {
      readonly type: 'BatchSimulated';
      readonly data: {
        readonly batchId: string;
        /** Trades that stay in the batch, in calldata order. */
        readonly tradeIds: readonly string[];
        readonly excluded: readonly RecordedExclusion[];
        readonly block: bigint;
        readonly at: string;
      };
    }
  | {
      readonly type: 'BatchSubmitted';
      readonly data: {
        readonly batchId: string;
        readonly transactionHash: Hex;
        readonly nonce: number;
        readonly gas: bigint;
        readonly fees: Fees;
        /** The signed transaction: what a restart broadcasts again if the node lost it. */
        readonly raw: Hex;
        /**
         * The hash of block 0 of the chain it was signed for (absent in events recorded before
         * the stream knew its chain).
         */
        readonly genesis?: Hex;
        readonly at: string;
      };
    }
  | {
      readonly type: 'BatchReplaced';
      readonly data: {
        readonly batchId: string;
        readonly transactionHash: Hex;
        readonly fees: Fees;
        readonly raw: Hex;
        readonly at: string;
      };
    }
  | {
      readonly type: 'BatchConfirmed';
      readonly data: {
        readonly batchId: string;
        readonly transactionHash: Hex;
        readonly block: bigint;
        readonly gasUsed: bigint;
        readonly results: readonly PairResult[];
        readonly at: string;
      };
    }
  | {
      readonly type: 'BatchFailed';
      readonly data: { readonly batchId: string; readonly reason: string; readonly at: string };
    }
  | {
      readonly type: 'BatchReorged';
      readonly data: {
        readonly batchId: string;
        readonly transactionHash: Hex;
        readonly block: bigint;
        readonly at: string;
      };
    }
  /**
   * The indexer's chain facts show one of the batch's transactions mined: the Marketplace's
   * BatchSettled of our operator in that transaction, at that block (its counts as logged).
   */
  | {
      readonly type: 'BatchSeen';
      readonly data: {
        readonly batchId: string;
        readonly transactionHash: Hex;
        readonly block: bigint;
        readonly blockHash: Hex;
        readonly settled: number;
        readonly skipped: number;
        readonly at: string;
      };
    }
  /**
   * The chain the operator's transactions go to, by the hash of its block 0. `previous` set: a
   * new chain under the same chain id (a restarted local node): the old chain's batches in
   * flight failed in the same decision and its nonces no longer count.
   */
  | {
      readonly type: 'GenesisRecorded';
      readonly data: { readonly genesis: Hex; readonly previous: Hex | null; readonly at: string };
    }
  /** The indexer retracted that BatchSettled fact: its block left the canonical chain. */
  | {
      readonly type: 'BatchSightingRetracted';
      readonly data: {
        readonly batchId: string;
        readonly transactionHash: Hex;
        readonly blockHash: Hex;
        readonly at: string;
      };
    };

export type SettlementEventType = SettlementEvent['type'];

export type BatchStatus =
  | 'open'
  | 'simulated'
  | 'submitted'
  | 'confirmed'
  | 'failed'
  | 'reorged'
  /** Simulation excluded every pair: nothing to send, the batch is done. */
  | 'empty';

export interface Batch {
  readonly batchId: string;
  readonly status: BatchStatus;
  readonly openedAt: string;
  /** The batch's trades: all added ones while open, the kept ones once simulated. */
  readonly tradeIds: readonly string[];
  readonly excluded: readonly RecordedExclusion[];
  readonly nonce: number | null;
  /** The genesis of the chain its transaction was signed for (null: not sent, or not recorded). */
  readonly genesis: Hex | null;
  /** Every transaction sent for the batch (the first, then each replacement); any may be mined. */
  readonly transactions: readonly { readonly hash: Hex; readonly fees: Fees; readonly raw: Hex }[];
  readonly gas: bigint | null;
  readonly confirmed: {
    readonly transactionHash: Hex;
    readonly block: bigint;
    readonly gasUsed: bigint;
    readonly results: readonly PairResult[];
  } | null;
  /** Where the indexer's chain facts (BatchSettled) last showed the batch mined, not retracted. */
  readonly seen: {
    readonly transactionHash: Hex;
    readonly block: bigint;
    readonly blockHash: Hex;
    readonly settled: number;
    readonly skipped: number;
  } | null;
}

export type TradeStatus = 'batched' | 'excluded' | 'settled' | 'skipped';

export interface TradeEntry {
  readonly trade: SettlementTrade;
  readonly status: TradeStatus;
  /** The batch the trade is in (or was last in). */
  readonly batchId: string;
  /** How many times it was confirmed settled (and not reorged since): 0 or 1, the invariant. */
  readonly settledCount: number;
}

export interface SettlementState {
  readonly batches: Map<string, Batch>;
  readonly trades: Map<string, TradeEntry>;
  /** The batch taking trades, if any. */
  openBatchId: string | null;
  /** Batches opened so far: the next id is `b<n+1>`. */
  batchCount: number;
  /**
   * The lowest nonce no batch of this stream holds: a new submission must not go below. A
   * reorged batch gives its nonce back (its transaction left the chain).
   */
  nextNonce: number;
  /** The genesis (block 0 hash) of the chain the stream now sends to; null until recorded. */
  genesis: Hex | null;
}

/** Live batches hold their trades: no trade may be in two of them. */
export const LIVE_STATUSES: ReadonlySet<BatchStatus> = new Set(['open', 'simulated', 'submitted']);

export const emptySettlement = (): SettlementState => ({
  batches: new Map(),
  trades: new Map(),
  openBatchId: null,
  batchCount: 0,
  nextNonce: 0,
  genesis: null,
});

export const cloneSettlement = (s: SettlementState): SettlementState => ({
  batches: new Map(s.batches),
  trades: new Map(s.trades),
  openBatchId: s.openBatchId,
  batchCount: s.batchCount,
  nextNonce: s.nextNonce,
  genesis: s.genesis,
});

export const batchIdOf = (n: number): string => `b${n}`;

const patchBatch = (s: SettlementState, batchId: string, patch: Partial<Batch>): void => {
  const b = s.batches.get(batchId);
  if (b) s.batches.set(batchId, { ...b, ...patch });
};

const patchTrade = (s: SettlementState, tradeId: string, patch: Partial<TradeEntry>): void => {
  const t = s.trades.get(tradeId);
  if (t) s.trades.set(tradeId, { ...t, ...patch });
};

/** Folds one event into the state, in place (see the header). */
export function evolveSettlement(s: SettlementState, event: SettlementEvent): SettlementState {
  switch (event.type) {
    case 'BatchOpened': {
      const d = event.data;
      s.batches.set(d.batchId, {
        batchId: d.batchId,
        status: 'open',
        openedAt: d.at,
        tradeIds: [],
        excluded: [],
        nonce: null,
        genesis: null,
        transactions: [],
        gas: null,
        confirmed: null,
        seen: null,
      });
      s.openBatchId = d.batchId;
      s.batchCount += 1;
      return s;
    }
    case 'TradeAdded': {
      const d = event.data;
      const b = s.batches.get(d.batchId);
      if (b) s.batches.set(d.batchId, { ...b, tradeIds: [...b.tradeIds, d.trade.tradeId] });
      const prior = s.trades.get(d.trade.tradeId);
      s.trades.set(d.trade.tradeId, {
        trade: d.trade,
        status: 'batched',
        batchId: d.batchId,
        settledCount: prior?.settledCount ?? 0,
      });
      return s;
    }
    case 'BatchSimulated': {
      const d = event.data;
      patchBatch(s, d.batchId, {
        status: d.tradeIds.length === 0 ? 'empty' : 'simulated',
        tradeIds: d.tradeIds,
        excluded: d.excluded,
      });
      for (const x of d.excluded) patchTrade(s, x.tradeId, { status: 'excluded' });
      if (s.openBatchId === d.batchId) s.openBatchId = null;
      return s;
    }
    case 'BatchSubmitted': {
      const d = event.data;
      patchBatch(s, d.batchId, {
        status: 'submitted',
        nonce: d.nonce,
        genesis: d.genesis ?? null,
        gas: d.gas,
        transactions: [{ hash: d.transactionHash, fees: d.fees, raw: d.raw }],
      });
      s.nextNonce = Math.max(s.nextNonce, d.nonce + 1);
      return s;
    }
    case 'BatchReplaced': {
      const d = event.data;
      const b = s.batches.get(d.batchId);
      if (b)
        patchBatch(s, d.batchId, {
          transactions: [...b.transactions, { hash: d.transactionHash, fees: d.fees, raw: d.raw }],
        });
      return s;
    }
    case 'BatchConfirmed': {
      const d = event.data;
      patchBatch(s, d.batchId, {
        status: 'confirmed',
        confirmed: {
          transactionHash: d.transactionHash,
          block: d.block,
          gasUsed: d.gasUsed,
          results: d.results,
        },
      });
      for (const r of d.results) {
        const t = s.trades.get(r.tradeId);
        if (!t) continue;
        if (r.outcome === 'settled')
          s.trades.set(r.tradeId, { ...t, status: 'settled', settledCount: t.settledCount + 1 });
        else s.trades.set(r.tradeId, { ...t, status: 'skipped' });
      }
      return s;
    }
    case 'BatchFailed': {
      // Its trades are added to a new batch by the events that follow (decide emits them).
      patchBatch(s, event.data.batchId, { status: 'failed' });
      if (s.openBatchId === event.data.batchId) s.openBatchId = null;
      return s;
    }
    case 'BatchReorged': {
      const d = event.data;
      const b = s.batches.get(d.batchId);
      patchBatch(s, d.batchId, { status: 'reorged' });
      // The reorged transaction is gone from the chain, so its nonce is free again: the next
      // submission must be able to take it (a chain that did not mine it would otherwise wait
      // forever for a gap below every later nonce). A nonce of another chain is not ours to give.
      if (b?.nonce !== null && b?.nonce !== undefined && onCurrentChain(s, b))
        s.nextNonce = Math.min(s.nextNonce, b.nonce);
      for (const r of b?.confirmed?.results ?? []) {
        const t = s.trades.get(r.tradeId);
        if (t && r.outcome === 'settled')
          s.trades.set(r.tradeId, { ...t, settledCount: t.settledCount - 1 });
      }
      return s;
    }
    case 'BatchSeen': {
      const d = event.data;
      patchBatch(s, d.batchId, {
        seen: {
          transactionHash: d.transactionHash,
          block: d.block,
          blockHash: d.blockHash,
          settled: d.settled,
          skipped: d.skipped,
        },
      });
      return s;
    }
    case 'GenesisRecorded': {
      // A new chain: its nonces start where its node says (the submitter asks it), not after
      // the old chain's. The old chain's batches in flight were failed before this event.
      if (event.data.previous !== null) s.nextNonce = 0;
      s.genesis = event.data.genesis;
      return s;
    }
    case 'BatchSightingRetracted': {
      const d = event.data;
      const b = s.batches.get(d.batchId);
      if (b?.seen?.blockHash === d.blockHash) patchBatch(s, d.batchId, { seen: null });
      return s;
    }
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

/**
 * Whether a batch's transaction was signed for the chain the stream sends to now. A batch sent
 * before the stream recorded any chain counts as the current chain's (nothing tells them apart).
 */
export const onCurrentChain = (s: SettlementState, b: Batch): boolean =>
  b.genesis === null || s.genesis === null || b.genesis === s.genesis;

/** The batch one of whose transactions is `hash`, if any. */
export const batchOfTransaction = (s: SettlementState, hash: string): Batch | undefined => {
  const h = hash.toLowerCase();
  for (const b of s.batches.values())
    if (b.transactions.some((t) => t.hash.toLowerCase() === h)) return b;
  return undefined;
};

/** Trades waiting for a transaction: those of the open batch (and of simulated ones not sent). */
export const pendingTrades = (s: SettlementState): SettlementTrade[] => {
  const out: SettlementTrade[] = [];
  for (const t of s.trades.values())
    if (t.status === 'batched' && s.batches.get(t.batchId)?.status !== 'submitted')
      out.push(t.trade);
  return out;
};

/** Batches not finished: open, simulated or submitted, oldest first. */
export const liveBatches = (s: SettlementState): Batch[] =>
  [...s.batches.values()].filter((b) => LIVE_STATUSES.has(b.status));
