// The market's events as stored JSON: one zod codec per event type with its schema version, so
// what is written is validated and what is read back is typed (bigints as decimal strings,
// addresses and hashes lower-case). Type names are persisted: never rename one; change a
// payload by bumping its version with an upcaster.
//
// Each type also has a fast form of its decode (kernel json-readers.ts), written field for field
// beside its schema: zod's output for the data it takes, undefined for any other, which zod then
// decides. zod's decode was a tenth of a projector's CPU. The fast forms take only what the
// schemas give back unchanged (addresses and hashes already lower-case), and leave the rest to zod.
import { z } from 'zod';
import {
  parseAddress,
  parseOrderHash,
  readArray,
  readBoolean,
  readInt,
  readMatching,
  readNullable,
  readObject,
  readOneOf,
  readString,
  readUnsignedBigint,
  type Address,
  type OrderHash,
} from '@atelier/kernel';
import { defineEventCodec, zUnsignedBigint, type EventDefinitions } from '@atelier/eventsourcing';
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
const HEX = /^0x(?:[0-9a-f]{2})*$/i;
const zHex = z.string().regex(HEX) as unknown as z.ZodType<Hex>;
const zBlock = zUnsignedBigint;
const zStatus = z.enum(ORDER_STATUSES);
const NONCE_STATES = ['open', 'filled', 'cancelled'] as const;

// The fast readers of the schemas above. An address or hash already in lower case is what
// parseAddress / parseOrderHash give back for it; any other spelling goes to zod.
const address = readMatching<Address>(/^0x[0-9a-f]{40}$/);
const orderHash = readMatching<OrderHash>(/^0x[0-9a-f]{64}$/);
const hex = readMatching<Hex>(HEX);
const uint = readUnsignedBigint;
const status = readOneOf(ORDER_STATUSES);
const text = readString();
const tradeId = readString(1);

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
const order = readObject<Order>({
  maker: address,
  kind: readOneOf([0, 1, 2]),
  collection: address,
  tokenId: uint,
  currency: address,
  price: uint,
  start: uint,
  expiry: uint,
  counter: uint,
  nonce: uint,
});

const zSigned: z.ZodType<SignedOrder> = z.object({
  hash: zOrderHash,
  order: zOrder,
  signature: zHex,
}) as unknown as z.ZodType<SignedOrder>;
const signedOrder = readObject<SignedOrder>({ hash: orderHash, order, signature: hex });

const zContributors = z.array(z.object({ account: zAddress, amount: zUnsignedBigint }));
const contributors = readArray(
  readObject<AskSplit['contributors'][number]>({ account: address, amount: uint }),
);

const zAskSplit: z.ZodType<AskSplit> = z.object({
  royaltyReceiver: zAddress.nullable(),
  royalty: zUnsignedBigint,
  contributors: zContributors,
}) as unknown as z.ZodType<AskSplit>;
const askSplit = readObject<AskSplit>({
  royaltyReceiver: readNullable(address),
  royalty: uint,
  contributors,
});

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
const tradeSplit = readObject<TradeSplit>({
  price: uint,
  feeRecipient: readNullable(address),
  protocolFee: uint,
  royaltyReceiver: readNullable(address),
  royalty: uint,
  contributors,
  attribution: uint,
  sellerProceeds: uint,
});

type Data<T extends MarketEvent['type']> = Extract<MarketEvent, { type: T }>['data'];
const schema = <T extends MarketEvent['type']>(s: z.ZodType): z.ZodType<Data<T>> =>
  s as unknown as z.ZodType<Data<T>>;
const reader = <T extends MarketEvent['type']>(fields: Parameters<typeof readObject<Data<T>>>[0]) =>
  readObject<Data<T>>(fields);

/** Every market event type: its schema version, zod codec and fast decode. */
export const marketEventDefinitions: EventDefinitions<MarketEvent> = {
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
    fast: reader<'OrderAccepted'>({
      collection: address,
      hash: orderHash,
      order,
      signature: hex,
      seq: readInt(1),
      acceptedAt: text,
      status,
      reason: readNullable(text),
      split: readNullable(askSplit),
    }),
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
    fast: reader<'OrderStatusChanged'>({
      hash: orderHash,
      from: status,
      status,
      reason: readNullable(text),
      at: text,
    }),
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
    fast: reader<'CancelRecorded'>({
      cancelId: readString(1, 200),
      maker: address,
      hashes: readArray(orderHash),
      at: text,
    }),
  },
  TokenObserved: {
    schemaVersion: 1,
    schema: schema<'TokenObserved'>(
      z.object({ tokenId: zUnsignedBigint, owner: zAddress, approved: z.boolean(), block: zBlock }),
    ),
    fast: reader<'TokenObserved'>({
      tokenId: uint,
      owner: address,
      approved: readBoolean,
      block: uint,
    }),
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
    fast: reader<'FundsObserved'>({
      maker: address,
      currency: address,
      balance: uint,
      reservedElsewhere: uint,
      block: uint,
    }),
  },
  CounterObserved: {
    schemaVersion: 1,
    schema: schema<'CounterObserved'>(
      z.object({ maker: zAddress, counter: zUnsignedBigint, block: zBlock }),
    ),
    fast: reader<'CounterObserved'>({ maker: address, counter: uint, block: uint }),
  },
  NonceObserved: {
    schemaVersion: 1,
    schema: schema<'NonceObserved'>(
      z.object({
        maker: zAddress,
        nonce: zUnsignedBigint,
        state: z.enum(NONCE_STATES),
        filledBy: zOrderHash.nullable(),
        block: zBlock,
      }),
    ),
    fast: reader<'NonceObserved'>({
      maker: address,
      nonce: uint,
      state: readOneOf(NONCE_STATES),
      filledBy: readNullable(orderHash),
      block: uint,
    }),
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
    fast: reader<'ProtocolFeeObserved'>({
      recipient: readNullable(address),
      bps: readInt(0, 10_000),
      block: uint,
    }),
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
    fast: reader<'TradeMatched'>({
      tradeId,
      collection: address,
      tokenId: uint,
      currency: address,
      price: uint,
      seller: address,
      buyer: address,
      ask: signedOrder,
      bid: signedOrder,
      split: tradeSplit,
      matchedAt: text,
    }),
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
    fast: reader<'TradeSettled'>({ tradeId, transactionHash: hex, block: uint, at: text }),
  },
  TradeUnsettled: {
    schemaVersion: 1,
    schema: schema<'TradeUnsettled'>(
      z.object({ tradeId: z.string().min(1), reason: z.string(), at: z.string() }),
    ),
    fast: reader<'TradeUnsettled'>({ tradeId, reason: text, at: text }),
  },
  TradeReleased: {
    schemaVersion: 1,
    schema: schema<'TradeReleased'>(
      z.object({ tradeId: z.string().min(1), reason: z.enum(SKIP_REASONS), at: z.string() }),
    ),
    fast: reader<'TradeReleased'>({ tradeId, reason: readOneOf(SKIP_REASONS), at: text }),
  },
};

export const marketEventCodec = defineEventCodec<MarketEvent>(marketEventDefinitions);
