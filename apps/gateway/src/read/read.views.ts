// The JSON the read API answers, as zod schemas: the OpenAPI document's response schemas come
// from here (openapi.ts), and the contract spec checks live answers against the served document.
// Amounts, token ids and blocks are decimal strings (uint256 does not fit a JSON number).
import { z } from 'zod';

const uint = z.string().regex(/^\d+$/);
const addr = z.string().regex(/^0x[0-9a-f]{40}$/);
const hash = z.string().regex(/^0x[0-9a-f]{64}$/);

/** What every read reflects: the newest block of the model's facts (null before any). */
export const positionJson = z
  .object({ block: uint.nullable() })
  .describe('the newest chain block whose facts this read model has applied');

export const artworkJson = z.object({
  collection: addr,
  tokenId: uint,
  creator: addr,
  owner: addr,
  provenance: z.object({
    provenanceHash: hash,
    modelId: z.string(),
    modelHash: hash,
    promptHash: hash,
    seed: uint,
    manifestHash: hash.describe('C2PA manifest hash'),
    manifestURI: z.string(),
  }),
  royalty: z.object({ receiver: addr, bps: z.number().int() }),
  parentCount: z.number().int(),
  contributorCount: z.number().int(),
  minted: z.object({
    block: uint,
    logIndex: z.number().int(),
    transactionHash: hash,
    at: z.string(),
  }),
});

export const artworkDetailJson = artworkJson.extend({
  parents: z.array(uint),
  contributors: z.array(z.object({ account: addr, bps: z.number().int() })),
});

export const artworkPageJson = z.object({
  items: z.array(artworkJson),
  nextCursor: z.string().nullable(),
  position: positionJson,
});

export const artworkAnswerJson = z.object({ artwork: artworkDetailJson, position: positionJson });

const lineageNode = z.object({
  tokenId: uint,
  depth: z.number().int(),
  artwork: artworkJson.nullable(),
});

export const lineageJson = z.object({
  collection: addr,
  tokenId: uint,
  ancestors: z.array(lineageNode),
  descendants: z.array(lineageNode),
  truncated: z.boolean(),
  position: positionJson,
});

export const tradeJson = z.object({
  factId: z.string(),
  marketplace: addr,
  collection: addr,
  tokenId: uint,
  askHash: hash,
  bidHash: hash,
  seller: addr,
  buyer: addr,
  currency: addr,
  price: uint,
  protocolFee: uint,
  royaltyReceiver: addr,
  royalty: uint,
  attribution: uint,
  sellerProceeds: uint,
  block: uint,
  logIndex: z.number().int(),
  transactionHash: hash,
  settledAt: z.string(),
});

export const tradePageJson = z.object({
  items: z.array(tradeJson),
  nextCursor: z.string().nullable(),
  position: positionJson,
});

export const ledgerJson = z.object({
  account: addr,
  currencies: z.array(
    z.object({
      currency: addr,
      deposited: uint,
      withdrawn: uint,
      paid: uint.describe('paid as a buyer'),
      credited: z.object({ royalty: uint, attribution: uint, fee: uint, proceeds: uint }),
      balance: z
        .string()
        .regex(/^-?\d+$/)
        .describe('equals Marketplace.balanceOf(account, currency) at `position` (or `asOfBlock`)'),
    }),
  ),
  asOfBlock: uint
    .optional()
    .describe('the ?asOfBlock= asked: balances of the facts up to this block, inclusive'),
  position: positionJson,
});

export const collectionStatsJson = z.object({
  collection: addr,
  sales: z.number().int(),
  uniqueBuyers: z.number().int(),
  currencies: z.array(
    z.object({
      currency: addr,
      volume: uint,
      sales: z.number().int(),
      floor: uint.nullable().describe('lowest fillable ask (orders read model)'),
    }),
  ),
  lastSale: z.object({ block: uint, at: z.string() }).nullable(),
  position: positionJson,
});

export const problemJson = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    code: z.string(),
  })
  .catchall(z.unknown())
  .describe('RFC 9457 problem details with our code');
