// What one chain fact means for the books, before anything is read: which chain state must be
// re-read (a token's owner and approval, a ledger balance, a counter, a nonce, the fee), in
// which markets, and which trade of ours it settles, unsettles or releases. Pure; the anti-
// corruption layer between chain.* facts and the market's commands: the fact's args are
// parsed with zod here, so nothing downstream handles an unchecked chain value.
//
// A retraction (its block left the canonical chain) needs no reverse logic: the tracker re-reads
// the chain, and what it reads at the new head is the truth. The one exception is a settlement
// of ours, whose retraction must put the trade back (UnsettleTrade) since nothing re-reads it.
import { z } from 'zod';
import { asAddress, asOrderHash, CodedError, type Address, type OrderHash } from '@atelier/kernel';
import type { ChainFactEnvelope } from '@atelier/chain-messages';
import { CONTRACT_SKIP_REASONS, type SkipReason } from '@atelier/market-domain';

export type FactEffect =
  /** Re-read a token's owner and approval, in its collection's market (if any). */
  | { readonly type: 'token'; readonly collection: Address; readonly tokenId: bigint }
  /** An operator approval of `owner` changed: re-read the tokens of its asks in `collection`. */
  | { readonly type: 'operator'; readonly collection: Address; readonly owner: Address }
  /** Re-read a ledger balance, in every market where `maker` has orders. */
  | { readonly type: 'funds'; readonly maker: Address; readonly currency: Address }
  | { readonly type: 'counter'; readonly maker: Address }
  /** Re-read a nonce; `filledBy` is the order of ours that used it (a direct fill). */
  | {
      readonly type: 'nonce';
      readonly maker: Address;
      readonly nonce: bigint;
      readonly filledBy: OrderHash | null;
    }
  /** An order hash the chain says was filled outside our trades: its nonce must be re-read. */
  | { readonly type: 'filled-order'; readonly hash: OrderHash }
  | { readonly type: 'fee' }
  /** `settleBatch` settled (or, retracted, no longer settled) the pair: ours if `collection`'s
   *  market matched it. */
  | {
      readonly type: 'settlement';
      readonly collection: Address;
      readonly askHash: OrderHash;
      readonly bidHash: OrderHash;
      readonly transactionHash: `0x${string}`;
      readonly block: bigint;
      readonly retracted: boolean;
    }
  /** The contract skipped the pair: release our trade with the contract's reason. */
  | {
      readonly type: 'skipped';
      readonly askHash: OrderHash;
      readonly bidHash: OrderHash;
      readonly reason: SkipReason;
    };

const zAddress = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/)
  .transform((s) => asAddress(s));
const zHash = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/)
  .transform((s) => asOrderHash(s));
const zUint = z
  .union([z.string().regex(/^\d{1,78}$/), z.number().int().nonnegative()])
  .transform((v) => BigInt(v));

const ZERO_HASH = `0x${'0'.repeat(64)}`;

const ARGS = {
  Transfer: z.object({ from: zAddress, to: zAddress, tokenId: zUint }),
  Approval: z.object({ owner: zAddress, approved: zAddress, tokenId: zUint }),
  ApprovalForAll: z.object({ owner: zAddress, operator: zAddress, approved: z.boolean() }),
  Deposited: z.object({ account: zAddress, currency: zAddress }),
  Withdrawn: z.object({ account: zAddress, currency: zAddress }),
  RoyaltyCredited: z.object({ receiver: zAddress, currency: zAddress }),
  AttributionCredited: z.object({ contributor: zAddress, currency: zAddress }),
  CounterIncremented: z.object({ maker: zAddress }),
  OrderCancelled: z.object({ orderHash: zHash, maker: zAddress, nonce: zUint }),
  ProtocolFeeSet: z.object({}),
  TradeSettled: z.object({
    askHash: zHash,
    bidHash: zHash,
    collection: zAddress,
    tokenId: zUint,
    seller: zAddress,
    buyer: zAddress,
    currency: zAddress,
  }),
  PairSkipped: z.object({ askHash: zHash, bidHash: zHash, reason: zUint }),
};

/** A fact whose args are not what its event's ABI says: a poison message, never retried. */
export class ChainFactArgsError extends CodedError<'CHAIN_FACT.BAD_ARGS'> {
  override readonly name = 'ChainFactArgsError';
}

function parse<K extends keyof typeof ARGS>(fact: ChainFactEnvelope, event: K) {
  const r = ARGS[event].safeParse(fact.args);
  if (!r.success)
    throw new ChainFactArgsError(
      'CHAIN_FACT.BAD_ARGS',
      `${fact.id} (${fact.type}): ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      { factId: fact.id, type: fact.type },
    );
  return r.data as z.output<(typeof ARGS)[K]>;
}

/** The contract's SkipReason value (1..) as its name; 0 (None) never reaches a PairSkipped. */
function skipReason(value: bigint): SkipReason {
  const name = CONTRACT_SKIP_REASONS[Number(value) - 1];
  if (value < 1n || !name)
    throw new ChainFactArgsError('CHAIN_FACT.BAD_ARGS', `unknown SkipReason ${value}`, {
      reason: value.toString(),
    });
  return name;
}

/** What the fact means for the books; [] for a fact no order depends on. */
export function effectsOf(fact: ChainFactEnvelope): FactEffect[] {
  const retracted = fact.kind === 'retracted';
  if (fact.contract !== 'Marketplace') {
    // Any ERC-721 the relay publishes (ArtworkRegistry today); an ERC-20 Transfer has no tokenId.
    const collection = asAddress(fact.address);
    switch (fact.event) {
      case 'Transfer':
        if (!('tokenId' in fact.args)) return [];
        return [{ type: 'token', collection, tokenId: parse(fact, 'Transfer').tokenId }];
      case 'Approval':
        if (!('tokenId' in fact.args)) return [];
        return [{ type: 'token', collection, tokenId: parse(fact, 'Approval').tokenId }];
      case 'ApprovalForAll':
        return [{ type: 'operator', collection, owner: parse(fact, 'ApprovalForAll').owner }];
      default:
        return [];
    }
  }
  switch (fact.event) {
    case 'Deposited':
    case 'Withdrawn': {
      const a = parse(fact, fact.event);
      return [{ type: 'funds', maker: a.account, currency: a.currency }];
    }
    case 'RoyaltyCredited': {
      const a = parse(fact, 'RoyaltyCredited');
      return [{ type: 'funds', maker: a.receiver, currency: a.currency }];
    }
    case 'AttributionCredited': {
      const a = parse(fact, 'AttributionCredited');
      return [{ type: 'funds', maker: a.contributor, currency: a.currency }];
    }
    case 'CounterIncremented':
      return [{ type: 'counter', maker: parse(fact, 'CounterIncremented').maker }];
    case 'OrderCancelled': {
      const a = parse(fact, 'OrderCancelled');
      return [{ type: 'nonce', maker: a.maker, nonce: a.nonce, filledBy: null }];
    }
    case 'ProtocolFeeSet':
      return [{ type: 'fee' }];
    case 'TradeSettled': {
      const a = parse(fact, 'TradeSettled');
      const effects: FactEffect[] = [
        { type: 'funds', maker: a.buyer, currency: a.currency },
        { type: 'funds', maker: a.seller, currency: a.currency },
        { type: 'token', collection: a.collection, tokenId: a.tokenId },
      ];
      const direct = a.askHash === ZERO_HASH || a.bidHash === ZERO_HASH;
      if (direct) {
        // acceptAsk / acceptBid: the signed side's nonce is used (or, retracted, open again).
        for (const hash of [a.askHash, a.bidHash])
          if (hash !== ZERO_HASH) effects.push({ type: 'filled-order', hash });
      } else {
        effects.push({
          type: 'settlement',
          collection: a.collection,
          askHash: a.askHash,
          bidHash: a.bidHash,
          transactionHash: fact.transactionHash as `0x${string}`,
          block: BigInt(fact.blockNumber),
          retracted,
        });
      }
      return effects;
    }
    case 'PairSkipped': {
      // A skipped pair changed nothing on chain; its retraction cannot un-release a trade (the
      // replacement block, if it settles the pair, arrives as a TradeSettled).
      if (retracted) return [];
      const a = parse(fact, 'PairSkipped');
      return [
        { type: 'skipped', askHash: a.askHash, bidHash: a.bidHash, reason: skipReason(a.reason) },
      ];
    }
    default:
      return [];
  }
}
