// The market's events as stored JSON: one zod codec per event type with its schema version, so
// what is written is validated and what is read back is typed (bigints as decimal strings,
// addresses and hashes lower-case). Type names are persisted: never rename one; change a
// payload by bumping its version with an upcaster.
import { z } from 'zod';
import { parseAddress, parseOrderHash, type Address, type OrderHash } from '@atelier/kernel';
import { defineEventCodec, zUnsignedBigint } from '@atelier/eventsourcing';
import type { MarketEvent } from './market';
import { ORDER_STATUSES } from './market';
import type { Hex, Order, SignedOrder } from './order';
import { SKIP_REASONS } from './skip-reasons';
import type { AskSplit, TradeSplit } from './split';

const branded = <T>(
  parse: (s: string) => { ok: boolean; value?: T; error?: { message: string } },
) =>
  z.codec(z.string(), z.custom<T>(), {
    decode: (s, ctx) => {
      const r = parse(s);
      if (r.ok) return r.value as T;
      ctx.issues.push({ code: 'custom', message: r.error?.message ?? 'invalid', input: s });
      return z.NEVER;
    },
    encode: (v) => v as unknown as string,
  });

const zAddress = branded<Address>(parseAddress as never);
const zOrderHash = branded<OrderHash>(parseOrderHash as never);
const zHex = z.string().regex(/^0x([0-9a-f]{2})*$/i) as unknown as z.ZodType<Hex>;
const zBlock = zUnsignedBigint;
const zStatus = z.enum(ORDER_STATUSES);

const zOrder: z.ZodType<Order> = z.object({
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
}) as unknown as z.ZodType<Order>;

const zSigned: z.ZodType<SignedOrder> = z.object({
  hash: zOrderHash,
  order: zOrder,
  signature: zHex,
}) as unknown as z.ZodType<SignedOrder>;

const zContributors = z.array(z.object({ account: zAddress, amount: zUnsignedBigint }));

const zAskSplit: z.ZodType<AskSplit> = z.object({
  royaltyReceiver: zAddress.nullable(),
  royalty: zUnsignedBigint,
  contributors: zContributors,
}) as unknown as z.ZodType<AskSplit>;

const zTradeSplit: z.ZodType<TradeSplit> = z.object({
  price: zUnsignedBigint,
  feeRecipient: zAddress.nullable(),
  protocolFee: zUnsignedBigint,
  royaltyReceiver: zAddress.nullable(),
  royalty: zUnsignedBigint,
  contributors: zContributors,
  attribution: zUnsignedBigint,
  sellerProceeds: zUnsignedBigint,
}) as unknown as z.ZodType<TradeSplit>;

type Data<T extends MarketEvent['type']> = Extract<MarketEvent, { type: T }>['data'];
const schema = <T extends MarketEvent['type']>(s: z.ZodType): z.ZodType<Data<T>> =>
  s as unknown as z.ZodType<Data<T>>;

export const marketEventCodec = defineEventCodec<MarketEvent>({
  OrderAccepted: {
    schemaVersion: 1,
    schema: schema<'OrderAccepted'>(
      z.object({
        collection: zAddress,
        hash: zOrderHash,
        order: zOrder,
        signature: zHex,
        seq: z.number().int().positive(),
        acceptedAt: z.string(),
        status: zStatus,
        reason: z.string().nullable(),
        split: zAskSplit.nullable(),
      }),
    ),
  },
  OrderStatusChanged: {
    schemaVersion: 1,
    schema: schema<'OrderStatusChanged'>(
      z.object({
        hash: zOrderHash,
        from: zStatus,
        status: zStatus,
        reason: z.string().nullable(),
        at: z.string(),
      }),
    ),
  },
  CancelRecorded: {
    schemaVersion: 1,
    schema: schema<'CancelRecorded'>(
      z.object({
        cancelId: z.string().min(1).max(200),
        maker: zAddress,
        hashes: z.array(zOrderHash),
        at: z.string(),
      }),
    ),
  },
  TokenObserved: {
    schemaVersion: 1,
    schema: schema<'TokenObserved'>(
      z.object({ tokenId: zUnsignedBigint, owner: zAddress, approved: z.boolean(), block: zBlock }),
    ),
  },
  FundsObserved: {
    schemaVersion: 1,
    schema: schema<'FundsObserved'>(
      z.object({
        maker: zAddress,
        currency: zAddress,
        balance: zUnsignedBigint,
        reservedElsewhere: zUnsignedBigint,
        block: zBlock,
      }),
    ),
  },
  CounterObserved: {
    schemaVersion: 1,
    schema: schema<'CounterObserved'>(
      z.object({ maker: zAddress, counter: zUnsignedBigint, block: zBlock }),
    ),
  },
  NonceObserved: {
    schemaVersion: 1,
    schema: schema<'NonceObserved'>(
      z.object({
        maker: zAddress,
        nonce: zUnsignedBigint,
        state: z.enum(['open', 'filled', 'cancelled']),
        filledBy: zOrderHash.nullable(),
        block: zBlock,
      }),
    ),
  },
  ProtocolFeeObserved: {
    schemaVersion: 1,
    schema: schema<'ProtocolFeeObserved'>(
      z.object({
        recipient: zAddress.nullable(),
        bps: z.number().int().min(0).max(10_000),
        block: zBlock,
      }),
    ),
  },
  TradeMatched: {
    schemaVersion: 1,
    schema: schema<'TradeMatched'>(
      z.object({
        tradeId: z.string().min(1),
        collection: zAddress,
        tokenId: zUnsignedBigint,
        currency: zAddress,
        price: zUnsignedBigint,
        seller: zAddress,
        buyer: zAddress,
        ask: zSigned,
        bid: zSigned,
        split: zTradeSplit,
        matchedAt: z.string(),
      }),
    ),
  },
  TradeSettled: {
    schemaVersion: 1,
    schema: schema<'TradeSettled'>(
      z.object({
        tradeId: z.string().min(1),
        transactionHash: zHex,
        block: zBlock,
        at: z.string(),
      }),
    ),
  },
  TradeUnsettled: {
    schemaVersion: 1,
    schema: schema<'TradeUnsettled'>(
      z.object({ tradeId: z.string().min(1), reason: z.string(), at: z.string() }),
    ),
  },
  TradeReleased: {
    schemaVersion: 1,
    schema: schema<'TradeReleased'>(
      z.object({ tradeId: z.string().min(1), reason: z.enum(SKIP_REASONS), at: z.string() }),
    ),
  },
});
