// What the settlement of one operator key decides (see settlement.ts for why one stream per
// key). One function per command; each either refuses with a SETTLEMENT.* code or answers
// with events. Ids are deterministic (`b<n>`), times come in the command: pure and replayable.
import { err, ok, type Result } from '@atelier/kernel';
import type { Decider } from '@atelier/eventsourcing';
import { settlementError, type SettlementError } from './errors';
import {
  batchIdOf,
  batchOfTransaction,
  emptySettlement,
  evolveSettlement,
  type Batch,
  type Exclusion,
  type Fees,
  type Hex,
  type PairResult,
  type SettlementEvent,
  type SettlementState,
  type SettlementTrade,
} from './settlement';

export type SettlementCommand =
  /**
   * A matched trade to settle; a trade already known (any status) is a no-op (redelivery). With
   * `maxBatchSize`, a full open batch is left to be sent and the trade opens the next one.
   */
  | {
      readonly type: 'AddTrade';
      readonly trade: SettlementTrade;
      readonly at: string;
      readonly maxBatchSize?: number;
    }
  /** Close the open batch with the verdict of its eth_call: these pairs would be skipped. */
  | {
      readonly type: 'RecordSimulation';
      readonly batchId: string;
      readonly excluded: readonly Exclusion[];
      readonly block: bigint;
      readonly at: string;
    }
  /** The batch's signed transaction, recorded before it is broadcast. */
  | {
      readonly type: 'RecordSubmission';
      readonly batchId: string;
      readonly transactionHash: Hex;
      readonly nonce: number;
      readonly gas: bigint;
      readonly fees: Fees;
      readonly raw: Hex;
      /** The genesis (block 0 hash) of the chain it was signed for: the stream's (RecordGenesis). */
      readonly genesis: Hex;
      readonly at: string;
    }
  /** A replacement (same nonce, higher fees), recorded before it is broadcast. */
  | {
      readonly type: 'RecordReplacement';
      readonly batchId: string;
      readonly transactionHash: Hex;
      readonly fees: Fees;
      readonly raw: Hex;
      readonly at: string;
    }
  | {
      readonly type: 'RecordConfirmation';
      readonly batchId: string;
      readonly transactionHash: Hex;
      readonly block: bigint;
      readonly gasUsed: bigint;
      readonly results: readonly PairResult[];
      readonly at: string;
    }
  /** The batch will not settle as it is (reverted, nonce taken): its trades go to a new batch. */
  | {
      readonly type: 'FailBatch';
      readonly batchId: string;
      readonly reason: string;
      readonly at: string;
    }
  /** The confirmed block left the chain: its settled trades go to a new batch. */
  | {
      readonly type: 'RecordReorg';
      readonly batchId: string;
      readonly transactionHash: Hex;
      readonly block: bigint;
      readonly at: string;
    }
  /**
   * A Marketplace BatchSettled fact of this operator (from the indexer, chain.*): a transaction
   * of ours mined in that block. A hash no batch sent is not ours to record: nothing.
   */
  | {
      readonly type: 'RecordSighting';
      readonly transactionHash: Hex;
      readonly block: bigint;
      readonly blockHash: Hex;
      readonly settled: number;
      readonly skipped: number;
      readonly at: string;
    }
  /**
   * The chain the node serves now, by the hash of its block 0 (read every round). The first one
   * is adopted; another one is a new chain under the same chain id (a restarted local node, the
   * same deterministic addresses): every batch the old chain held in flight (simulated or
   * submitted there) is failed, its trades go into the open batch to be simulated on the new
   * chain, and the old chain's nonces no longer count. The same genesis again: nothing.
   */
  | {
      readonly type: 'RecordGenesis';
      readonly genesis: Hex;
      readonly at: string;
    }
  /**
   * The retraction of such a fact (its block was reorged out). A confirmed batch confirmed by
   * that sighting is reorged: its settled trades go to a new batch.
   */
  | {
      readonly type: 'RetractSighting';
      readonly transactionHash: Hex;
      readonly blockHash: Hex;
      readonly at: string;
    };

type Decision = Result<readonly SettlementEvent[], SettlementError>;

const batchIn = (
  s: SettlementState,
  batchId: string,
  status: Batch['status'],
  code: Parameters<typeof settlementError>[0],
): Result<Batch, SettlementError> => {
  const b = s.batches.get(batchId);
  if (!b)
    return err(settlementError('SETTLEMENT.UNKNOWN_BATCH', `no batch ${batchId}`, { batchId }));
  if (b.status !== status)
    return err(
      settlementError(code, `batch ${batchId} is ${b.status}, not ${status}`, {
        batchId,
        status: b.status,
      }),
    );
  return ok(b);
};

/** Puts trades into the open batch, opening one first if none is. */
const addToOpen = (
  s: SettlementState,
  trades: readonly SettlementTrade[],
  at: string,
  openBefore: string | null = s.openBatchId,
  maxBatchSize?: number,
): SettlementEvent[] => {
  if (trades.length === 0) return [];
  const events: SettlementEvent[] = [];
  let batchId = openBefore;
  let size = batchId === null ? 0 : (s.batches.get(batchId)?.tradeIds.length ?? 0);
  let opened = 0;
  for (const trade of trades) {
    // A full batch stays 'open' (not yet simulated) and is due at once; the next one takes over.
    if (batchId === null || (maxBatchSize !== undefined && size >= maxBatchSize)) {
      batchId = batchIdOf(s.batchCount + 1 + opened++);
      events.push({ type: 'BatchOpened', data: { batchId, at } });
      size = 0;
    }
    events.push({ type: 'TradeAdded', data: { batchId, trade, at } });
    size++;
  }
  return events;
};

const tradesOf = (s: SettlementState, ids: readonly string[]): SettlementTrade[] =>
  ids.flatMap((id) => {
    const t = s.trades.get(id);
    return t ? [t.trade] : [];
  });

function decide(c: SettlementCommand, s: SettlementState): Decision {
  switch (c.type) {
    case 'AddTrade':
      if (s.trades.has(c.trade.tradeId)) return ok([]);
      return ok(addToOpen(s, [c.trade], c.at, s.openBatchId, c.maxBatchSize));

    case 'RecordSimulation': {
      const b = batchIn(s, c.batchId, 'open', 'SETTLEMENT.BATCH_NOT_OPEN');
      if (!b.ok) return b;
      const inBatch = new Set(b.value.tradeIds);
      const out = new Set<string>();
      for (const x of c.excluded) {
        if (!inBatch.has(x.tradeId))
          return err(
            settlementError(
              'SETTLEMENT.TRADE_NOT_IN_BATCH',
              `${x.tradeId} is not in ${c.batchId}`,
              {
                batchId: c.batchId,
                tradeId: x.tradeId,
              },
            ),
          );
        out.add(x.tradeId);
      }
      if (b.value.tradeIds.length === 0)
        return err(settlementError('SETTLEMENT.EMPTY_BATCH', `batch ${c.batchId} has no trades`));
      return ok([
        {
          type: 'BatchSimulated',
          data: {
            batchId: c.batchId,
            tradeIds: b.value.tradeIds.filter((id) => !out.has(id)),
            excluded: c.excluded.map((x) => ({
              ...x,
              collection: s.trades.get(x.tradeId)?.trade.collection ?? '0x',
            })),
            block: c.block,
            at: c.at,
          },
        },
      ]);
    }

    case 'RecordSubmission': {
      const b = s.batches.get(c.batchId);
      // The same signed transaction recorded again (a retry after a lost answer): nothing new.
      if (b?.status === 'submitted' && b.transactions.some((t) => t.hash === c.transactionHash))
        return ok([]);
      const sim = batchIn(s, c.batchId, 'simulated', 'SETTLEMENT.BATCH_NOT_SIMULATED');
      if (!sim.ok) return sim;
      // Signed for another chain than the stream's (the node was replaced since the round
      // began), or before the stream recorded any: its nonce means nothing here; the next
      // round records the chain first.
      if (c.genesis !== s.genesis)
        return err(
          settlementError('SETTLEMENT.WRONG_CHAIN', `signed for chain ${c.genesis}`, {
            batchId: c.batchId,
            genesis: c.genesis,
            streamGenesis: s.genesis,
          }),
        );
      const holder = [...s.batches.values()].find(
        (x) => x.status === 'submitted' && x.nonce === c.nonce,
      );
      if (c.nonce < s.nextNonce || holder)
        return err(
          settlementError('SETTLEMENT.NONCE_REUSED', `nonce ${c.nonce} is already used`, {
            nonce: c.nonce,
            nextNonce: s.nextNonce,
          }),
        );
      return ok([
        {
          type: 'BatchSubmitted',
          data: {
            batchId: c.batchId,
            transactionHash: c.transactionHash,
            nonce: c.nonce,
            gas: c.gas,
            fees: c.fees,
            raw: c.raw,
            genesis: c.genesis,
            at: c.at,
          },
        },
      ]);
    }

    case 'RecordReplacement': {
      const b = batchIn(s, c.batchId, 'submitted', 'SETTLEMENT.BATCH_NOT_SUBMITTED');
      if (!b.ok) return b;
      if (b.value.transactions.some((t) => t.hash === c.transactionHash)) return ok([]);
      const last = b.value.transactions[b.value.transactions.length - 1];
      if (
        last &&
        (c.fees.maxFeePerGas <= last.fees.maxFeePerGas ||
          c.fees.maxPriorityFeePerGas <= last.fees.maxPriorityFeePerGas)
      )
        return err(
          settlementError('SETTLEMENT.FEE_NOT_HIGHER', 'a replacement must raise both fees', {
            batchId: c.batchId,
          }),
        );
      return ok([
        {
          type: 'BatchReplaced',
          data: {
            batchId: c.batchId,
            transactionHash: c.transactionHash,
            fees: c.fees,
            raw: c.raw,
            at: c.at,
          },
        },
      ]);
    }

    case 'RecordConfirmation': {
      const existing = s.batches.get(c.batchId);
      if (
        existing?.status === 'confirmed' &&
        existing.confirmed?.transactionHash === c.transactionHash &&
        existing.confirmed.block === c.block
      )
        return ok([]);
      const b = batchIn(s, c.batchId, 'submitted', 'SETTLEMENT.BATCH_NOT_SUBMITTED');
      if (!b.ok) return b;
      if (!b.value.transactions.some((t) => t.hash === c.transactionHash))
        return err(
          settlementError(
            'SETTLEMENT.UNKNOWN_TRANSACTION',
            `${c.transactionHash} was not sent for ${c.batchId}`,
            { batchId: c.batchId, transactionHash: c.transactionHash },
          ),
        );
      const expected = new Set(b.value.tradeIds);
      const given = new Set(c.results.map((r) => r.tradeId));
      if (given.size !== c.results.length || given.size !== expected.size)
        return err(
          settlementError('SETTLEMENT.RESULTS_INCOMPLETE', 'one result per pair of the batch', {
            batchId: c.batchId,
          }),
        );
      for (const id of given)
        if (!expected.has(id))
          return err(
            settlementError('SETTLEMENT.TRADE_NOT_IN_BATCH', `${id} is not in ${c.batchId}`, {
              batchId: c.batchId,
              tradeId: id,
            }),
          );
      return ok([
        {
          type: 'BatchConfirmed',
          data: {
            batchId: c.batchId,
            transactionHash: c.transactionHash,
            block: c.block,
            gasUsed: c.gasUsed,
            results: c.results,
            at: c.at,
          },
        },
      ]);
    }

    case 'FailBatch': {
      const b = s.batches.get(c.batchId);
      if (!b) return err(settlementError('SETTLEMENT.UNKNOWN_BATCH', `no batch ${c.batchId}`));
      if (b.status === 'failed') return ok([]);
      if (b.status !== 'open' && b.status !== 'simulated' && b.status !== 'submitted')
        return err(
          settlementError('SETTLEMENT.BATCH_NOT_SUBMITTED', `batch ${c.batchId} is ${b.status}`, {
            batchId: c.batchId,
            status: b.status,
          }),
        );
      const failed: SettlementEvent = {
        type: 'BatchFailed',
        data: { batchId: c.batchId, reason: c.reason, at: c.at },
      };
      // A failed open batch closes; its trades open the next one.
      const openAfter = s.openBatchId === c.batchId ? null : s.openBatchId;
      return ok([failed, ...addToOpen(s, tradesOf(s, b.tradeIds), c.at, openAfter)]);
    }

    case 'RecordReorg': {
      const b = s.batches.get(c.batchId);
      if (!b) return err(settlementError('SETTLEMENT.UNKNOWN_BATCH', `no batch ${c.batchId}`));
      if (b.status === 'reorged') return ok([]);
      const conf = batchIn(s, c.batchId, 'confirmed', 'SETTLEMENT.BATCH_NOT_CONFIRMED');
      if (!conf.ok) return conf;
      // Only the settled pairs go back: a skipped pair's release already reached the market,
      // which may have matched its good side again; settling it now could sell twice.
      const settled = (b.confirmed?.results ?? [])
        .filter((r) => r.outcome === 'settled')
        .map((r) => r.tradeId);
      return ok([
        {
          type: 'BatchReorged',
          data: {
            batchId: c.batchId,
            transactionHash: c.transactionHash,
            block: c.block,
            at: c.at,
          },
        },
        ...addToOpen(s, tradesOf(s, settled), c.at),
      ]);
    }

    case 'RecordSighting': {
      const b = batchOfTransaction(s, c.transactionHash);
      if (!b) return ok([]);
      const hash = b.transactions.find(
        (t) => t.hash.toLowerCase() === c.transactionHash.toLowerCase(),
      )!.hash;
      if (b.seen?.transactionHash === hash && b.seen.blockHash === c.blockHash) return ok([]);
      return ok([
        {
          type: 'BatchSeen',
          data: {
            batchId: b.batchId,
            transactionHash: hash,
            block: c.block,
            blockHash: c.blockHash,
            settled: c.settled,
            skipped: c.skipped,
            at: c.at,
          },
        },
      ]);
    }

    case 'RecordGenesis': {
      if (s.genesis === c.genesis) return ok([]);
      const recorded: SettlementEvent = {
        type: 'GenesisRecorded',
        data: { genesis: c.genesis, previous: s.genesis, at: c.at },
      };
      // The first chain the stream hears of: what it sent before (recorded without a chain, by
      // a version that did not ask) is taken to be on it.
      if (s.genesis === null) return ok([recorded]);
      // Gone with the old chain: what was simulated there (its verdict was about that chain)
      // and what was sent there (its nonce and hash live only there). Open batches never
      // touched a chain and go on as they are; confirmed ones stay confirmed unless the
      // indexer retracts their BatchSettled (RetractSighting: it retracts the old chain's
      // unfinalized facts at once, and the batch is reorged then, as the market un-settles).
      const gone = [...s.batches.values()].filter(
        (b) => b.status === 'simulated' || b.status === 'submitted',
      );
      const failed: SettlementEvent[] = gone.map((b) => ({
        type: 'BatchFailed',
        data: {
          batchId: b.batchId,
          reason: `the chain it was ${b.status} on is gone (genesis ${s.genesis} replaced by ${c.genesis})`,
          at: c.at,
        },
      }));
      const reopened = addToOpen(
        s,
        gone.flatMap((b) => tradesOf(s, b.tradeIds)),
        c.at,
      );
      return ok([recorded, ...failed, ...reopened]);
    }

    case 'RetractSighting': {
      const b = batchOfTransaction(s, c.transactionHash);
      // Only the sighting it retracts: a later one (the transaction mined again elsewhere)
      // stands; an unknown or already retracted fact decides nothing.
      if (!b?.seen || b.seen.blockHash !== c.blockHash) return ok([]);
      const retracted: SettlementEvent = {
        type: 'BatchSightingRetracted',
        data: {
          batchId: b.batchId,
          transactionHash: b.seen.transactionHash,
          blockHash: c.blockHash,
          at: c.at,
        },
      };
      if (b.status !== 'confirmed' || b.confirmed?.transactionHash !== b.seen.transactionHash)
        return ok([retracted]);
      const reorg = decide(
        {
          type: 'RecordReorg',
          batchId: b.batchId,
          transactionHash: b.confirmed.transactionHash,
          block: b.confirmed.block,
          at: c.at,
        },
        s,
      );
      return reorg.ok ? ok([retracted, ...reorg.value]) : reorg;
    }

    default: {
      const _exhaustive: never = c;
      return _exhaustive;
    }
  }
}

export const settlementDecider: Decider<
  SettlementCommand,
  SettlementEvent,
  SettlementState,
  SettlementError
> = {
  get initialState() {
    return emptySettlement();
  },
  decide,
  evolve: evolveSettlement,
};
