// The JSON of the order-side reads (books, trades with their status, activity, ledgers with
// pending amounts), as zod schemas: the OpenAPI answers come from here, and the specs check
// live answers against them. Amounts, token ids, blocks and positions are decimal strings.
import { z } from 'zod';
import { ACTIVITY_KINDS } from '@atelier/market-projections';
import { ledgerJson, positionJson, tradeJson } from './read.views';

const uint = z.string().regex(/^\d+$/);
const int = z.string().regex(/^-?\d+$/);
const addr = z.string().regex(/^0x[0-9a-f]{40}$/);
const hash = z.string().regex(/^0x[0-9a-f]{64}$/);

const market = uint
  .nullable()
  .describe('the newest global position of the market events the orders model applied');

/** Reads over the chain models and the orders model: both positions. */
export const mixedPositionJson = positionJson.extend({ market });

// ---- books -------------------------------------------------------------------------------

const levelJson = z.object({
  price: uint,
  count: z.number().int().describe('fillable orders at this price (each trades one token)'),
  total: uint.describe('price × count'),
});

const sideJson = z.object({
  levels: z.array(levelJson).describe('best first: asks lowest, bids highest'),
  orders: z.number().int().describe('fillable orders on this side, all levels'),
  priceLevels: z.number().int().describe('distinct prices on this side, all levels'),
  best: z
    .object({
      hash,
      maker: addr,
      kind: z.enum(['ask', 'token-bid', 'collection-bid']),
      tokenId: uint.describe('0 for a collection bid'),
      price: uint,
    })
    .nullable()
    .describe('the order a taker meets first: best price, then earliest accepted'),
});

export const bookJson = z.object({
  collection: addr,
  tokenId: uint.nullable().describe("null for a collection's book"),
  at: uint.describe('unix seconds: only orders active then (start <= at < expiry)'),
  levels: z.number().int().describe('the levels per side asked (at most)'),
  currencies: z.array(
    z.object({
      currency: addr,
      asks: sideJson,
      bids: sideJson.describe(
        "a token's book: its token bids and every collection bid; a collection's: collection bids",
      ),
      tokenBids: sideJson.optional().describe("a collection's book only: bids on single tokens"),
      floor: uint.nullable().describe("the collection's lowest fillable ask"),
      spread: int.nullable().describe('best ask − best bid'),
    }),
  ),
  position: z.object({ market }),
});

// ---- trades --------------------------------------------------------------------------------

export const settledTradeJson = tradeJson.extend({ status: z.literal('settled') });

export const matchedTradeJson = z.object({
  status: z.literal('matched'),
  tradeId: z.string(),
  collection: addr,
  tokenId: uint,
  askHash: hash,
  bidHash: hash,
  seller: addr,
  buyer: addr,
  currency: addr,
  price: uint,
  protocolFee: uint,
  feeRecipient: addr.nullable(),
  royaltyReceiver: addr.nullable(),
  royalty: uint,
  attribution: uint,
  contributors: z.array(z.object({ account: addr, amount: uint })),
  sellerProceeds: uint,
  matchedAt: z.string(),
});

export const tradeItemJson = z.discriminatedUnion('status', [settledTradeJson, matchedTradeJson]);

export const tradeFeedJson = z.object({
  items: z.array(tradeItemJson),
  nextCursor: z.string().nullable(),
  position: mixedPositionJson,
});

// ---- ledgers -------------------------------------------------------------------------------

export const pendingJson = z
  .object({
    trades: z.number().int().describe('matched trades, not settled yet, that move this ledger'),
    paid: uint,
    credited: z.object({ royalty: uint, attribution: uint, fee: uint, proceeds: uint }),
    net: int.describe('credited − paid: what the balance moves by once they settle'),
  })
  .describe('what matched, unsettled trades will move when they settle (not in `balance` yet)');

const currencyLedgerJson = ledgerJson.shape.currencies.element.extend({
  pending: pendingJson.optional(),
  balanceAfterPending: int
    .optional()
    .describe('balance + pending.net (absent with asOfBlock: pending is about now)'),
});

export const ledgerAnswerJson = ledgerJson.extend({
  currencies: z.array(currencyLedgerJson),
  position: mixedPositionJson,
});

// ---- activity ------------------------------------------------------------------------------

export const activityItemJson = z.object({
  id: z.string(),
  kind: z.enum(ACTIVITY_KINDS),
  at: z.string(),
  collection: addr,
  tokenId: uint.nullable(),
  from: addr.nullable().describe('where the token goes from (seller, owner, an ask’s maker)'),
  to: addr.nullable().describe('where it goes to (buyer, new owner, a bid’s maker)'),
  price: uint.nullable(),
  currency: addr.nullable(),
  orderHash: hash.nullable(),
  tradeId: z.string().nullable(),
  status: z.string().nullable().describe("an order's status now, or a match's trade status"),
  block: uint.nullable(),
  logIndex: z.number().int().nullable(),
  transactionHash: hash.nullable(),
});

export const activityPageJson = z.object({
  items: z.array(activityItemJson),
  nextCursor: z.string().nullable(),
  position: mixedPositionJson,
});
