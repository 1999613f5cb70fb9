// Properties of the settlement decider over random histories (trades arriving, batches
// simulated, submitted, confirmed, failed and reorged in any order, and the node replaced by a
// new chain at any point): no trade is ever in two live batches, no trade is settled twice by
// batches that still stand, and no batch in flight belongs to a chain the stream left.
import fc from 'fast-check';
import { settlementDecider, type SettlementCommand } from './settlement.decider';
import { LIVE_STATUSES, type Hex, type SettlementState } from './settlement';
import { trade } from '../testing/settlement-fixtures';

const AT = '2026-01-01T00:00:00.000Z';
const hash = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`;

type Step =
  | { kind: 'add'; n: number }
  | { kind: 'simulate'; mask: number }
  | { kind: 'submit'; pick: number }
  | { kind: 'confirm'; pick: number; mask: number }
  | { kind: 'fail'; pick: number }
  | { kind: 'reorg'; pick: number }
  | { kind: 'chain'; n: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), n: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant('simulate' as const), mask: fc.nat() }),
  fc.record({ kind: fc.constant('submit' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('confirm' as const), pick: fc.nat(), mask: fc.nat() }),
  fc.record({ kind: fc.constant('fail' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('reorg' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('chain' as const), n: fc.integer({ min: 1, max: 3 }) }),
);
const genesisOf = (n: number): Hex => hash(10_000 + n);

const pickBatch = (s: SettlementState, statuses: string[], pick: number) => {
  const bs = [...s.batches.values()].filter((b) => statuses.includes(b.status));
  return bs.length ? bs[pick % bs.length] : undefined;
};

let txs = 0;
function toCommand(s: SettlementState, st: Step): SettlementCommand | undefined {
  switch (st.kind) {
    case 'add':
      return { type: 'AddTrade', trade: trade(st.n), at: AT };
    case 'simulate': {
      const b = s.openBatchId ? s.batches.get(s.openBatchId) : undefined;
      if (!b) return undefined;
      return {
        type: 'RecordSimulation',
        batchId: b.batchId,
        excluded: b.tradeIds
          .filter((_, i) => (st.mask >> i) & 1)
          .map((tradeId) => ({ tradeId, reason: 'ItemNotApproved' })),
        block: 1n,
        at: AT,
      };
    }
    case 'submit': {
      const b = pickBatch(s, ['simulated'], st.pick);
      if (!b || s.genesis === null) return undefined;
      return {
        type: 'RecordSubmission',
        batchId: b.batchId,
        transactionHash: hash(++txs),
        nonce: s.nextNonce,
        gas: 1n,
        fees: { maxFeePerGas: 2n, maxPriorityFeePerGas: 1n },
        raw: '0x00',
        genesis: s.genesis,
        at: AT,
      };
    }
    case 'confirm': {
      const b = pickBatch(s, ['submitted'], st.pick);
      if (!b) return undefined;
      return {
        type: 'RecordConfirmation',
        batchId: b.batchId,
        transactionHash: b.transactions[0]!.hash,
        block: 2n,
        gasUsed: 1n,
        results: b.tradeIds.map((tradeId, i) =>
          (st.mask >> i) & 1
            ? { tradeId, outcome: 'skipped' as const, reason: 'BuyerUnfunded' }
            : { tradeId, outcome: 'settled' as const },
        ),
        at: AT,
      };
    }
    case 'fail': {
      const b = pickBatch(s, ['open', 'simulated', 'submitted'], st.pick);
      return b && { type: 'FailBatch', batchId: b.batchId, reason: 'reverted', at: AT };
    }
    case 'chain':
      return { type: 'RecordGenesis', genesis: genesisOf(st.n), at: AT };
    case 'reorg': {
      const b = pickBatch(s, ['confirmed'], st.pick);
      return (
        b && {
          type: 'RecordReorg',
          batchId: b.batchId,
          transactionHash: b.confirmed!.transactionHash,
          block: 2n,
          at: AT,
        }
      );
    }
  }
}

function checkInvariants(s: SettlementState): void {
  const live = new Map<string, string>();
  for (const b of s.batches.values()) {
    if (!LIVE_STATUSES.has(b.status)) continue;
    for (const id of b.tradeIds) {
      expect(live.get(id)).toBeUndefined();
      live.set(id, b.batchId);
    }
  }
  const settled = new Map<string, number>();
  for (const b of s.batches.values())
    if (b.status === 'confirmed')
      for (const r of b.confirmed!.results)
        if (r.outcome === 'settled') settled.set(r.tradeId, (settled.get(r.tradeId) ?? 0) + 1);
  for (const [id, count] of settled) {
    expect(count).toBeLessThanOrEqual(1);
    // Settled and still in a live batch would be a second submission.
    expect(live.has(id)).toBe(false);
  }
  for (const [id, t] of s.trades) expect(t.settledCount).toBe(settled.get(id) ?? 0);
  for (const b of s.batches.values())
    if (b.status === 'submitted') expect(b.genesis).toBe(s.genesis);
}

describe('settlement decider properties', () => {
  it('no trade in two live batches; a trade settled at most once', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
        let s = settlementDecider.initialState;
        for (const st of steps) {
          const c = toCommand(s, st);
          if (!c) continue;
          const r = settlementDecider.decide(c, s);
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          for (const e of r.value) s = settlementDecider.evolve(s, e);
          checkInvariants(s);
        }
      }),
      { numRuns: 300 },
    );
  });
});
