// How the Marketplace divides a sale price, to the unit (contracts/src/Marketplace.sol
// `_payout`, docs/contracts.md "The split"): every part rounds down and the seller keeps the
// dust. A trade runs at the ask's price, so everything but the protocol fee is known when the
// ask is submitted: the royalty and contributor shares are fixed then (`askTerms`), the fee is
// applied at the match from the fee in force (`ProtocolFeeSet`).
import type { Address } from '@atelier/kernel';

const BPS = 10_000n;
/** The contract's cap on any collection's royalty: 10% of the price. */
export const MAX_ROYALTY_BPS = 1_000n;

/** What the chain says about the royalty of the token an ask sells. */
export type RoyaltyTerms =
  /** An Atelier work: ERC-2981 bps and the training-data contributors of its `ArtworkMinted`. */
  | {
      readonly kind: 'atelier';
      readonly royaltyReceiver: Address;
      readonly royaltyBps: number;
      readonly contributors: readonly { readonly account: Address; readonly bps: number }[];
    }
  /** Any other collection: its `royaltyInfo(tokenId, price)` answer (none when it failed). */
  | { readonly kind: 'erc2981'; readonly receiver: Address | null; readonly amount: bigint };

/** The part of a split that depends on the ask alone. */
export interface AskSplit {
  /** Null when no royalty is paid (the contract logs the zero address then). */
  readonly royaltyReceiver: Address | null;
  readonly royalty: bigint;
  readonly contributors: readonly { readonly account: Address; readonly amount: bigint }[];
}

export interface TradeSplit extends AskSplit {
  readonly price: bigint;
  readonly feeRecipient: Address | null;
  readonly protocolFee: bigint;
  readonly attribution: bigint;
  readonly sellerProceeds: bigint;
}

/** Whole bps up to 100 % as bigints, each made on first use (a split converts three). */
const bpsBigints: bigint[] = [];

function asBigint(bps: number | bigint): bigint {
  if (typeof bps === 'bigint') return bps;
  if (!Number.isInteger(bps) || bps < 0 || bps > 10_000) return BigInt(bps);
  return (bpsBigints[bps] ??= BigInt(bps));
}

const share = (price: bigint, bps: number | bigint): bigint => (price * asBigint(bps)) / BPS;

export function askSplit(price: bigint, terms: RoyaltyTerms): AskSplit {
  if (terms.kind === 'atelier') {
    const royalty = share(price, terms.royaltyBps);
    return {
      royaltyReceiver: royalty === 0n ? null : terms.royaltyReceiver,
      royalty,
      contributors: contributorShares(price, terms.contributors),
    };
  }
  const cap = share(price, MAX_ROYALTY_BPS);
  const amount = terms.receiver === null ? 0n : terms.amount > cap ? cap : terms.amount;
  return {
    royaltyReceiver: amount === 0n ? null : terms.receiver,
    royalty: amount,
    contributors: [],
  };
}

function contributorShares(
  price: bigint,
  contributors: readonly { readonly account: Address; readonly bps: number }[],
): { readonly account: Address; readonly amount: bigint }[] {
  const shares = new Array<{ readonly account: Address; readonly amount: bigint }>(
    contributors.length,
  );
  for (let i = 0; i < contributors.length; i++) {
    const c = contributors[i]!;
    shares[i] = { account: c.account, amount: share(price, c.bps) };
  }
  return shares;
}

/** The full split of a trade at `price`, given the ask's part and the protocol fee in force. */
export function tradeSplit(
  price: bigint,
  ask: AskSplit,
  fee: { readonly recipient: Address | null; readonly bps: number },
): TradeSplit {
  const protocolFee = share(price, fee.bps);
  const attribution = ask.contributors.reduce((sum, c) => sum + c.amount, 0n);
  return {
    price,
    feeRecipient: protocolFee === 0n ? null : fee.recipient,
    protocolFee,
    royaltyReceiver: ask.royaltyReceiver,
    royalty: ask.royalty,
    contributors: ask.contributors,
    attribution,
    sellerProceeds: price - protocolFee - ask.royalty - attribution,
  };
}
