// Settlement events <-> stored JSON (schemaVersion 1 each). bigints as decimal strings.
import { z } from 'zod';
import { defineEventCodec, zUnsignedBigint, type EventCodec } from '@atelier/eventsourcing';
import type { SettlementEvent } from './settlement';

const zHex = z.string().regex(/^0x([0-9a-fA-F]{2})*$/) as unknown as z.ZodType<`0x${string}`>;
const zAddress = z.string().regex(/^0x[0-9a-fA-F]{40}$/) as unknown as z.ZodType<`0x${string}`>;

const zOrder = z.object({
  hash: zHex,
  order: z.object({
    maker: zAddress,
    kind: z.union([z.literal(0), z.literal(1), z.literal(2)]),
    collection: zAddress,
    tokenId: zUnsignedBigint,
    currency: zAddress,
    price: zUnsignedBigint,
    start: zUnsignedBigint,
    expiry: zUnsignedBigint,
    counter: zUnsignedBigint,
    nonce: zUnsignedBigint,
  }),
  signature: zHex,
});

const zTrade = z.object({
  tradeId: z.string().min(1),
  collection: zAddress,
  tokenId: zUnsignedBigint,
  price: zUnsignedBigint,
  ask: zOrder,
  bid: zOrder,
  matchedAt: z.string(),
});

const zFees = z.object({ maxFeePerGas: zUnsignedBigint, maxPriorityFeePerGas: zUnsignedBigint });
const zExclusion = z.object({
  tradeId: z.string().min(1),
  reason: z.string().min(1),
  collection: zAddress,
});
const zResult = z.discriminatedUnion('outcome', [
  z.object({ tradeId: z.string().min(1), outcome: z.literal('settled') }),
  z.object({
    tradeId: z.string().min(1),
    outcome: z.literal('skipped'),
    reason: z.string().min(1),
  }),
]);

type DataOf<T extends SettlementEvent['type']> = Extract<SettlementEvent, { type: T }>['data'];
const schema = <T extends SettlementEvent['type']>(s: z.ZodType): z.ZodType<DataOf<T>> =>
  s as unknown as z.ZodType<DataOf<T>>;

export const settlementEventCodec: EventCodec<SettlementEvent> = defineEventCodec<SettlementEvent>({
  BatchOpened: {
    schemaVersion: 1,
    schema: schema<'BatchOpened'>(z.object({ batchId: z.string().min(1), at: z.string() })),
  },
  TradeAdded: {
    schemaVersion: 1,
    schema: schema<'TradeAdded'>(
      z.object({ batchId: z.string().min(1), trade: zTrade, at: z.string() }),
    ),
  },
  BatchSimulated: {
    schemaVersion: 1,
    schema: schema<'BatchSimulated'>(
      z.object({
        batchId: z.string().min(1),
        tradeIds: z.array(z.string().min(1)),
        excluded: z.array(zExclusion),
        block: zUnsignedBigint,
        at: z.string(),
      }),
    ),
  },
  BatchSubmitted: {
    schemaVersion: 1,
    schema: schema<'BatchSubmitted'>(
      z.object({
        batchId: z.string().min(1),
        transactionHash: zHex,
        nonce: z.number().int().nonnegative(),
        gas: zUnsignedBigint,
        fees: zFees,
        raw: zHex,
        // Absent in events recorded before the stream knew its chain: still version 1.
        genesis: zHex.optional(),
        at: z.string(),
      }),
    ),
  },
  BatchReplaced: {
    schemaVersion: 1,
    schema: schema<'BatchReplaced'>(
      z.object({
        batchId: z.string().min(1),
        transactionHash: zHex,
        fees: zFees,
        raw: zHex,
        at: z.string(),
      }),
    ),
  },
  BatchConfirmed: {
    schemaVersion: 1,
    schema: schema<'BatchConfirmed'>(
      z.object({
        batchId: z.string().min(1),
        transactionHash: zHex,
        block: zUnsignedBigint,
        gasUsed: zUnsignedBigint,
        results: z.array(zResult),
        at: z.string(),
      }),
    ),
  },
  BatchFailed: {
    schemaVersion: 1,
    schema: schema<'BatchFailed'>(
      z.object({ batchId: z.string().min(1), reason: z.string(), at: z.string() }),
    ),
  },
  BatchSeen: {
    schemaVersion: 1,
    schema: schema<'BatchSeen'>(
      z.object({
        batchId: z.string().min(1),
        transactionHash: zHex,
        block: zUnsignedBigint,
        blockHash: zHex,
        settled: z.number().int().nonnegative(),
        skipped: z.number().int().nonnegative(),
        at: z.string(),
      }),
    ),
  },
  GenesisRecorded: {
    schemaVersion: 1,
    schema: schema<'GenesisRecorded'>(
      z.object({ genesis: zHex, previous: zHex.nullable(), at: z.string() }),
    ),
  },
  BatchSightingRetracted: {
    schemaVersion: 1,
    schema: schema<'BatchSightingRetracted'>(
      z.object({
        batchId: z.string().min(1),
        transactionHash: zHex,
        blockHash: zHex,
        at: z.string(),
      }),
    ),
  },
  BatchReorged: {
    schemaVersion: 1,
    schema: schema<'BatchReorged'>(
      z.object({
        batchId: z.string().min(1),
        transactionHash: zHex,
        block: zUnsignedBigint,
        at: z.string(),
      }),
    ),
  },
});
