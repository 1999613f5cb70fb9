// Given / when / then for the settlement decider: a batch's life (open, add, simulate, submit,
// replace, confirm), failures and reorgs putting trades into a new batch, and every refusal.
import { deciderSpec } from '@atelier/testing';
import { settlementDecider, type SettlementCommand } from './settlement.decider';
import { settlementEventCodec } from './settlement.codec';
import type { Hex, SettlementEvent } from './settlement';

import { AT, h, trade } from '../testing/settlement-fixtures';

const id = (n: number): string => trade(n).tradeId;
const fees = (f: bigint) => ({ maxFeePerGas: f, maxPriorityFeePerGas: f / 10n });

const spec = deciderSpec(settlementDecider);

const opened = (batchId = 'b1'): SettlementEvent => ({
  type: 'BatchOpened',
  data: { batchId, at: AT },
});
const added = (n: number, batchId = 'b1'): SettlementEvent => ({
  type: 'TradeAdded',
  data: { batchId, trade: trade(n), at: AT },
});
const simulated = (
  ids: number[],
  excluded: { n: number; reason: string }[] = [],
): SettlementEvent => ({
  type: 'BatchSimulated',
  data: {
    batchId: 'b1',
    tradeIds: ids.map(id),
    excluded: excluded.map((x) => ({
      tradeId: id(x.n),
      reason: x.reason,
      collection: trade(x.n).collection,
    })),
    block: 5n,
    at: AT,
  },
});
/** The genesis (block 0 hash) of chain A, and of chain B: a new chain under the same id. */
const GENESIS_A = h(0xa0);
const GENESIS_B = h(0xb0);
const onChain = (genesis: Hex, previous: Hex | null = null): SettlementEvent => ({
  type: 'GenesisRecorded',
  data: { genesis, previous, at: AT },
});
const submitted = (nonce = 0, hash = h(900), batchId = 'b1'): SettlementEvent => ({
  type: 'BatchSubmitted',
  data: {
    batchId,
    transactionHash: hash,
    nonce,
    gas: 500_000n,
    fees: fees(1000n),
    raw: '0xaa',
    genesis: GENESIS_A,
    at: AT,
  },
});
const confirmedOf = (n1: number, n2: number): SettlementEvent => ({
  type: 'BatchConfirmed',
  data: {
    batchId: 'b1',
    transactionHash: h(900),
    block: 7n,
    gasUsed: 120_000n,
    results: [
      { tradeId: id(n1), outcome: 'settled' },
      { tradeId: id(n2), outcome: 'skipped', reason: 'ItemNotApproved' },
    ],
    at: AT,
  },
});

/** Chain A recorded (the submitter does so before anything), then b1 with two trades. */
const b2sim = (n: number): SettlementEvent[] => [
  { ...simulated([n]), data: { ...simulated([n]).data, batchId: 'b2' } } as SettlementEvent,
];
const history = [onChain(GENESIS_A), opened(), added(1), added(2)];

describe('settlement decider', () => {
  describe('AddTrade', () => {
    it('opens a batch for the first trade', () => {
      spec
        .given()
        .when({ type: 'AddTrade', trade: trade(1), at: AT })
        .then([opened(), added(1)]);
    });
    it('adds to the open batch', () => {
      spec
        .given([opened(), added(1)])
        .when({ type: 'AddTrade', trade: trade(2), at: AT })
        .then([added(2)]);
    });
    it('ignores a trade it already has (redelivery)', () => {
      spec
        .given([...history, simulated([1, 2]), submitted()])
        .when({ type: 'AddTrade', trade: trade(1), at: AT })
        .thenNothing();
    });
    it('leaves a full batch to be sent and opens the next one (maxBatchSize)', () => {
      const state = spec
        .given([opened(), added(1), added(2)])
        .when({ type: 'AddTrade', trade: trade(3), at: AT, maxBatchSize: 2 })
        .then([opened('b2'), added(3, 'b2')]);
      expect(state.batches.get('b1')).toMatchObject({ status: 'open', tradeIds: [id(1), id(2)] });
      expect(state.openBatchId).toBe('b2');
    });
    it('opens the next batch once the open one is simulated', () => {
      spec
        .given([...history, simulated([1, 2])])
        .when({ type: 'AddTrade', trade: trade(3), at: AT })
        .then([opened('b2'), added(3, 'b2')]);
    });
  });

  describe('RecordSimulation', () => {
    it('closes the batch, keeping the pairs that would settle', () => {
      spec
        .given(history)
        .when({
          type: 'RecordSimulation',
          batchId: 'b1',
          excluded: [{ tradeId: id(2), reason: 'ItemNotApproved' }],
          block: 5n,
          at: AT,
        })
        .then([simulated([1], [{ n: 2, reason: 'ItemNotApproved' }])]);
    });
    it('marks a batch whose pairs are all excluded empty', () => {
      const state = spec
        .given([opened(), added(1)])
        .when({
          type: 'RecordSimulation',
          batchId: 'b1',
          excluded: [{ tradeId: id(1), reason: 'BuyerUnfunded' }],
          block: 5n,
          at: AT,
        })
        .thenState(() => undefined);
      expect(state.batches.get('b1')?.status).toBe('empty');
      expect(state.trades.get(id(1))?.status).toBe('excluded');
    });
    it('refuses a pair that is not in the batch', () => {
      spec
        .given(history)
        .when({
          type: 'RecordSimulation',
          batchId: 'b1',
          excluded: [{ tradeId: id(9), reason: 'SelfTrade' }],
          block: 5n,
          at: AT,
        })
        .thenError('SETTLEMENT.TRADE_NOT_IN_BATCH');
    });
    it('refuses a batch already simulated', () => {
      spec
        .given([...history, simulated([1, 2])])
        .when({ type: 'RecordSimulation', batchId: 'b1', excluded: [], block: 6n, at: AT })
        .thenError('SETTLEMENT.BATCH_NOT_OPEN');
    });
    it('refuses an unknown batch', () => {
      spec
        .given(history)
        .when({ type: 'RecordSimulation', batchId: 'b9', excluded: [], block: 6n, at: AT })
        .thenError('SETTLEMENT.UNKNOWN_BATCH');
    });
  });

  describe('RecordSubmission', () => {
    const submit: SettlementCommand = {
      type: 'RecordSubmission',
      batchId: 'b1',
      transactionHash: h(900),
      nonce: 0,
      gas: 500_000n,
      fees: fees(1000n),
      raw: '0xaa',
      genesis: GENESIS_A,
      at: AT,
    };
    it('records the signed transaction before it is sent', () => {
      spec
        .given([...history, simulated([1, 2])])
        .when(submit)
        .then([submitted()]);
    });
    it('is a no-op when the same transaction is recorded again', () => {
      spec
        .given([...history, simulated([1, 2]), submitted()])
        .when(submit)
        .thenNothing();
    });
    it('refuses an open batch', () => {
      spec.given(history).when(submit).thenError('SETTLEMENT.BATCH_NOT_SIMULATED');
    });
    it('refuses a nonce another batch used', () => {
      spec
        .given([
          ...history,
          simulated([1, 2]),
          submitted(4),
          opened('b2'),
          added(3, 'b2'),
          { ...simulated([3]), data: { ...simulated([3]).data, batchId: 'b2' } } as SettlementEvent,
        ])
        .when({ ...submit, batchId: 'b2', nonce: 4, transactionHash: h(901) })
        .thenError('SETTLEMENT.NONCE_REUSED', { nonce: 4, nextNonce: 5 });
    });
    it('records the chain it was signed for', () => {
      const state = spec
        .given([...history, simulated([1, 2])])
        .when(submit)
        .then([submitted()]);
      expect(state.batches.get('b1')).toMatchObject({ genesis: GENESIS_A, nonce: 0 });
    });
    it('refuses a transaction signed for another chain than the stream is on', () => {
      spec
        .given([
          ...history,
          onChain(GENESIS_B, GENESIS_A),
          opened('b2'),
          added(3, 'b2'),
          ...b2sim(3),
        ])
        .when({ ...submit, batchId: 'b2' })
        .thenError('SETTLEMENT.WRONG_CHAIN', { genesis: GENESIS_A, streamGenesis: GENESIS_B });
    });
    it('refuses a transaction before the stream recorded its chain', () => {
      spec
        .given([opened(), added(1), added(2), simulated([1, 2])])
        .when(submit)
        .thenError('SETTLEMENT.WRONG_CHAIN', { streamGenesis: null });
    });
  });

  describe('RecordGenesis: a new chain under the same chain id', () => {
    const newChain: SettlementCommand = { type: 'RecordGenesis', genesis: GENESIS_B, at: AT };
    const b2 = (n: number): SettlementEvent[] => [
      opened('b2'),
      added(n, 'b2'),
      { ...simulated([n]), data: { ...simulated([n]).data, batchId: 'b2' } } as SettlementEvent,
    ];
    it('adopts the first chain it hears of, nothing else', () => {
      const state = spec
        .given([opened(), added(1), added(2), simulated([1, 2]), submitted(3)])
        .when({ type: 'RecordGenesis', genesis: GENESIS_A, at: AT })
        .then([onChain(GENESIS_A)]);
      expect(state.batches.get('b1')?.status).toBe('submitted');
      expect(state.nextNonce).toBe(4);
    });
    it('decides nothing for the chain it is on', () => {
      spec.given(history).when({ type: 'RecordGenesis', genesis: GENESIS_A, at: AT }).thenNothing();
    });
    it("fails the old chain's batches in flight and rebatches their trades; nonces start again", () => {
      const state = spec
        .given([
          onChain(GENESIS_A),
          ...history,
          simulated([1, 2]),
          submitted(7),
          ...b2(3),
          opened('b3'),
          added(4, 'b3'),
        ])
        .when(newChain)
        .then([
          onChain(GENESIS_B, GENESIS_A),
          {
            type: 'BatchFailed',
            data: {
              batchId: 'b1',
              reason: `the chain it was submitted on is gone (genesis ${GENESIS_A} replaced by ${GENESIS_B})`,
              at: AT,
            },
          },
          {
            type: 'BatchFailed',
            data: {
              batchId: 'b2',
              reason: `the chain it was simulated on is gone (genesis ${GENESIS_A} replaced by ${GENESIS_B})`,
              at: AT,
            },
          },
          // into the open batch (it never touched a chain), to be simulated on chain B
          added(1, 'b3'),
          added(2, 'b3'),
          added(3, 'b3'),
        ]);
      expect(state.genesis).toBe(GENESIS_B);
      expect(state.nextNonce).toBe(0);
      expect(state.batches.get('b3')?.tradeIds).toEqual([id(4), id(1), id(2), id(3)]);
      expect(state.trades.get(id(1))).toMatchObject({ status: 'batched', batchId: 'b3' });
    });
    it('opens a batch for them when none is open', () => {
      spec
        .given([...history, simulated([1, 2]), submitted(7)])
        .when(newChain)
        .then([
          onChain(GENESIS_B, GENESIS_A),
          {
            type: 'BatchFailed',
            data: {
              batchId: 'b1',
              reason: `the chain it was submitted on is gone (genesis ${GENESIS_A} replaced by ${GENESIS_B})`,
              at: AT,
            },
          },
          opened('b2'),
          added(1, 'b2'),
          added(2, 'b2'),
        ]);
    });
    it("takes the new chain's nonces: the first submission there may use nonce 0", () => {
      spec
        .given([
          onChain(GENESIS_A),
          ...history,
          simulated([1, 2]),
          submitted(7),
          onChain(GENESIS_B, GENESIS_A),
          { type: 'BatchFailed', data: { batchId: 'b1', reason: 'gone', at: AT } },
          ...b2(1),
        ])
        .when({
          type: 'RecordSubmission',
          batchId: 'b2',
          transactionHash: h(901),
          nonce: 0,
          gas: 500_000n,
          fees: fees(1000n),
          raw: '0xbb',
          genesis: GENESIS_B,
          at: AT,
        })
        .then([
          {
            type: 'BatchSubmitted',
            data: {
              batchId: 'b2',
              transactionHash: h(901),
              nonce: 0,
              gas: 500_000n,
              fees: fees(1000n),
              raw: '0xbb',
              genesis: GENESIS_B,
              at: AT,
            },
          },
        ]);
    });
    it('leaves confirmed batches confirmed (the indexer retracts what the new chain lacks)', () => {
      const state = spec
        .given([...history, simulated([1, 2]), submitted(), confirmedOf(1, 2)])
        .when(newChain)
        .then([onChain(GENESIS_B, GENESIS_A)]);
      expect(state.batches.get('b1')?.status).toBe('confirmed');
      expect(state.trades.get(id(1))).toMatchObject({ status: 'settled', settledCount: 1 });
    });
    it("a retracted sighting of the old chain reorgs its batch without lowering the new chain's nonce", () => {
      const seenA: SettlementEvent = {
        type: 'BatchSeen',
        data: {
          batchId: 'b1',
          transactionHash: h(900),
          block: 7n,
          blockHash: h(77),
          settled: 1,
          skipped: 1,
          at: AT,
        },
      };
      const state = spec
        .given([
          onChain(GENESIS_A),
          ...history,
          simulated([1, 2]),
          submitted(0),
          seenA,
          confirmedOf(1, 2),
          onChain(GENESIS_B, GENESIS_A),
          opened('b2'),
          added(3, 'b2'),
          { ...simulated([3]), data: { ...simulated([3]).data, batchId: 'b2' } } as SettlementEvent,
          {
            ...submitted(0, h(901), 'b2'),
            data: { ...submitted(0, h(901), 'b2').data, genesis: GENESIS_B },
          } as SettlementEvent,
        ])
        .when({ type: 'RetractSighting', transactionHash: h(900), blockHash: h(77), at: AT })
        .then([
          {
            type: 'BatchSightingRetracted',
            data: { batchId: 'b1', transactionHash: h(900), blockHash: h(77), at: AT },
          },
          {
            type: 'BatchReorged',
            data: { batchId: 'b1', transactionHash: h(900), block: 7n, at: AT },
          },
          opened('b3'),
          added(1, 'b3'),
        ]);
      // b2 holds nonce 0 on chain B: b1's nonce 0 was chain A's, not given back.
      expect(state.nextNonce).toBe(1);
    });
  });

  describe('RecordReplacement', () => {
    const replace = (f: bigint): SettlementCommand => ({
      type: 'RecordReplacement',
      batchId: 'b1',
      transactionHash: h(901),
      fees: fees(f),
      raw: '0xbb',
      at: AT,
    });
    it('records a replacement with higher fees', () => {
      spec
        .given([...history, simulated([1, 2]), submitted()])
        .when(replace(1200n))
        .then([
          {
            type: 'BatchReplaced',
            data: {
              batchId: 'b1',
              transactionHash: h(901),
              fees: fees(1200n),
              raw: '0xbb',
              at: AT,
            },
          },
        ]);
    });
    it('refuses fees that are not higher', () => {
      spec
        .given([...history, simulated([1, 2]), submitted()])
        .when(replace(1000n))
        .thenError('SETTLEMENT.FEE_NOT_HIGHER');
    });
    it('refuses a batch not submitted', () => {
      spec
        .given([...history, simulated([1, 2])])
        .when(replace(1200n))
        .thenError('SETTLEMENT.BATCH_NOT_SUBMITTED');
    });
  });

  describe('RecordConfirmation', () => {
    const confirm = (over: Partial<SettlementCommand & { type: 'RecordConfirmation' }> = {}) =>
      ({
        type: 'RecordConfirmation',
        batchId: 'b1',
        transactionHash: h(900),
        block: 7n,
        gasUsed: 120_000n,
        results: [
          { tradeId: id(1), outcome: 'settled' },
          { tradeId: id(2), outcome: 'skipped', reason: 'ItemNotApproved' },
        ],
        at: AT,
        ...over,
      }) as SettlementCommand;
    const sent = [...history, simulated([1, 2]), submitted()];

    it('records each pair settled or skipped', () => {
      const state = spec
        .given(sent)
        .when(confirm())
        .then([confirmedOf(1, 2)]);
      expect(state.trades.get(id(1))).toMatchObject({ status: 'settled', settledCount: 1 });
      expect(state.trades.get(id(2))).toMatchObject({ status: 'skipped' });
    });
    it('is a no-op when recorded again', () => {
      spec
        .given([...sent, confirmedOf(1, 2)])
        .when(confirm())
        .thenNothing();
    });
    it('accepts a replacement that was mined', () => {
      spec
        .given([
          ...sent,
          {
            type: 'BatchReplaced',
            data: {
              batchId: 'b1',
              transactionHash: h(901),
              fees: fees(2000n),
              raw: '0xbb',
              at: AT,
            },
          },
        ])
        .when(confirm({ transactionHash: h(901) }))
        .then([
          {
            ...confirmedOf(1, 2),
            data: { ...confirmedOf(1, 2).data, transactionHash: h(901) },
          } as SettlementEvent,
        ]);
    });
    it('refuses a transaction never sent for the batch', () => {
      spec
        .given(sent)
        .when(confirm({ transactionHash: h(5) }))
        .thenError('SETTLEMENT.UNKNOWN_TRANSACTION');
    });
    it('refuses results that miss a pair', () => {
      spec
        .given(sent)
        .when(confirm({ results: [{ tradeId: id(1), outcome: 'settled' }] }))
        .thenError('SETTLEMENT.RESULTS_INCOMPLETE');
    });
    it('refuses a result for a pair of another batch', () => {
      spec
        .given(sent)
        .when(
          confirm({
            results: [
              { tradeId: id(1), outcome: 'settled' },
              { tradeId: id(3), outcome: 'settled' },
            ],
          }),
        )
        .thenError('SETTLEMENT.TRADE_NOT_IN_BATCH');
    });
  });

  describe('FailBatch', () => {
    it('puts the trades of a failed batch into a new batch', () => {
      spec
        .given([...history, simulated([1, 2]), submitted()])
        .when({ type: 'FailBatch', batchId: 'b1', reason: 'reverted', at: AT })
        .then([
          { type: 'BatchFailed', data: { batchId: 'b1', reason: 'reverted', at: AT } },
          opened('b2'),
          added(1, 'b2'),
          added(2, 'b2'),
        ]);
    });
    it('refuses a confirmed batch', () => {
      spec
        .given([...history, simulated([1, 2]), submitted(), confirmedOf(1, 2)])
        .when({ type: 'FailBatch', batchId: 'b1', reason: 'x', at: AT })
        .thenError('SETTLEMENT.BATCH_NOT_SUBMITTED');
    });
  });

  describe('RecordReorg', () => {
    it('puts the settled trades of a reorged batch into a new batch', () => {
      const state = spec
        .given([...history, simulated([1, 2]), submitted(), confirmedOf(1, 2)])
        .when({ type: 'RecordReorg', batchId: 'b1', transactionHash: h(900), block: 7n, at: AT })
        .then([
          {
            type: 'BatchReorged',
            data: { batchId: 'b1', transactionHash: h(900), block: 7n, at: AT },
          },
          opened('b2'),
          added(1, 'b2'),
        ]);
      expect(state.trades.get(id(1))).toMatchObject({ status: 'batched', settledCount: 0 });
      expect(state.trades.get(id(2))).toMatchObject({ status: 'skipped' });
    });
    it('gives the reorged nonce back: the next submission may take it again', () => {
      const state = spec
        .given([...history, simulated([1, 2]), submitted(4), confirmedOf(1, 2)])
        .when({ type: 'RecordReorg', batchId: 'b1', transactionHash: h(900), block: 7n, at: AT })
        .then([
          {
            type: 'BatchReorged',
            data: { batchId: 'b1', transactionHash: h(900), block: 7n, at: AT },
          },
          opened('b2'),
          added(1, 'b2'),
        ]);
      expect(state.nextNonce).toBe(4);
    });
    it('refuses a batch not confirmed', () => {
      spec
        .given([...history, simulated([1, 2]), submitted()])
        .when({ type: 'RecordReorg', batchId: 'b1', transactionHash: h(900), block: 7n, at: AT })
        .thenError('SETTLEMENT.BATCH_NOT_CONFIRMED');
    });
  });

  describe("RecordSighting / RetractSighting (the indexer's BatchSettled facts)", () => {
    const seen: SettlementEvent = {
      type: 'BatchSeen',
      data: {
        batchId: 'b1',
        transactionHash: h(900),
        block: 7n,
        blockHash: h(77),
        settled: 1,
        skipped: 1,
        at: AT,
      },
    };
    const sighting: SettlementCommand = {
      type: 'RecordSighting',
      transactionHash: h(900),
      block: 7n,
      blockHash: h(77),
      settled: 1,
      skipped: 1,
      at: AT,
    };
    const retract: SettlementCommand = {
      type: 'RetractSighting',
      transactionHash: h(900),
      blockHash: h(77),
      at: AT,
    };
    it('records where a transaction of a batch was seen mined', () => {
      const state = spec
        .given([...history, simulated([1, 2]), submitted()])
        .when(sighting)
        .then([seen]);
      expect(state.batches.get('b1')!.seen).toMatchObject({ block: 7n, blockHash: h(77) });
    });
    it('ignores a transaction no batch sent, and the same sighting twice', () => {
      spec
        .given([...history, simulated([1, 2]), submitted()])
        .when({ ...sighting, transactionHash: h(555) })
        .thenNothing();
      spec
        .given([...history, simulated([1, 2]), submitted(), seen])
        .when(sighting)
        .thenNothing();
    });
    it('forgets a retracted sighting of a batch not yet confirmed', () => {
      const state = spec
        .given([...history, simulated([1, 2]), submitted(), seen])
        .when(retract)
        .then([
          {
            type: 'BatchSightingRetracted',
            data: { batchId: 'b1', transactionHash: h(900), blockHash: h(77), at: AT },
          },
        ]);
      expect(state.batches.get('b1')).toMatchObject({ status: 'submitted', seen: null });
    });
    it('reorgs a batch confirmed by the retracted sighting: its settled trades go to a new batch', () => {
      const state = spec
        .given([...history, simulated([1, 2]), submitted(), seen, confirmedOf(1, 2)])
        .when(retract)
        .then([
          {
            type: 'BatchSightingRetracted',
            data: { batchId: 'b1', transactionHash: h(900), blockHash: h(77), at: AT },
          },
          {
            type: 'BatchReorged',
            data: { batchId: 'b1', transactionHash: h(900), block: 7n, at: AT },
          },
          opened('b2'),
          added(1, 'b2'),
        ]);
      expect(state.trades.get(id(1))).toMatchObject({ status: 'batched', settledCount: 0 });
    });
    it('ignores the retraction of a sighting in another block (mined again since)', () => {
      spec
        .given([...history, simulated([1, 2]), submitted(), seen, confirmedOf(1, 2)])
        .when({ ...retract, blockHash: h(78) })
        .thenNothing();
    });
  });

  it('codec round-trips every event', () => {
    const events: SettlementEvent[] = [
      ...history,
      simulated([1], [{ n: 2, reason: 'ItemNotApproved' }]),
      submitted(),
      confirmedOf(1, 2),
      { type: 'BatchFailed', data: { batchId: 'b1', reason: 'r', at: AT } },
      { type: 'BatchReorged', data: { batchId: 'b1', transactionHash: h(900), block: 7n, at: AT } },
      {
        type: 'BatchReplaced',
        data: { batchId: 'b1', transactionHash: h(901), fees: fees(2000n), raw: '0xbb', at: AT },
      },
      {
        type: 'BatchSeen',
        data: {
          batchId: 'b1',
          transactionHash: h(901),
          block: 7n,
          blockHash: h(77),
          settled: 2,
          skipped: 0,
          at: AT,
        },
      },
      {
        type: 'BatchSightingRetracted',
        data: { batchId: 'b1', transactionHash: h(901), blockHash: h(77), at: AT },
      },
      onChain(GENESIS_A),
      onChain(GENESIS_B, GENESIS_A),
    ];
    for (const e of events) {
      const encoded = JSON.parse(JSON.stringify(settlementEventCodec.encode(e)));
      expect(settlementEventCodec.decode(encoded)).toEqual(e);
    }
  });
});
