// The GraphQL object types of the chain-fact reads (artworks, settled trades, ledgers, collection
// stats) and the deployments, code-first. Each mirrors the JSON of its REST route field for field
// (apps/gateway/src/read/read.views.ts), so a client moving between the two finds the same names;
// what GraphQL adds are the links between them (an artwork's parents, children, contributors and
// trades; a trade's artwork), resolved through per-request DataLoaders (read.loaders.ts).
// Amounts, token ids, seeds and blocks are decimal strings: uint256 does not fit a GraphQL Int
// (32 bits) or Float. `complexity` on list fields feeds the cost limit (query-limits.ts).
import { createUnionType, Field, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { ARTWORK_SORTS, TRADE_LISTINGS } from '@atelier/market-projections';
import { perItem, upTo } from './query-limits';

/** The default page size of the listings (the REST routes' too). */
export const DEFAULT_PAGE = 50;

export enum ArtworkSort {
  newest = 'newest',
  oldest = 'oldest',
}
registerEnumType(ArtworkSort, {
  name: 'ArtworkSort',
  description: 'newest (default) or oldest mint first',
});
// The enum must name exactly the reader's sorts.
const _sorts: readonly (typeof ARTWORK_SORTS)[number][] = Object.values(ArtworkSort);
void _sorts;

export enum TradeListing {
  settled = 'settled',
  matched = 'matched',
  all = 'all',
}
registerEnumType(TradeListing, {
  name: 'TradeListing',
  description:
    'settled (default): trades the chain settled; matched: matched by the market, not settled yet; all: both, newest first',
});
const _listings: readonly (typeof TRADE_LISTINGS)[number][] = Object.values(TradeListing);
void _listings;

@ObjectType('ChainPosition', {
  description:
    'What a chain-fact read reflects: the newest chain block whose facts its read model has applied (null before any)',
})
export class ChainPosition {
  @Field(() => String, { nullable: true })
  block!: string | null;
}

@ObjectType('MixedPosition', {
  description:
    'What a read over the chain models and the orders model reflects: the newest chain block applied, and the newest global position of the market events the orders model applied',
})
export class MixedPosition {
  @Field(() => String, { nullable: true })
  block!: string | null;
  @Field(() => String, { nullable: true })
  market!: string | null;
}

@ObjectType('Provenance')
export class Provenance {
  @Field(() => String) provenanceHash!: string;
  @Field(() => String) modelId!: string;
  @Field(() => String) modelHash!: string;
  @Field(() => String) promptHash!: string;
  @Field(() => String, { description: 'uint256 as a decimal string' }) seed!: string;
  @Field(() => String, { description: 'C2PA manifest hash' }) manifestHash!: string;
  @Field(() => String) manifestURI!: string;
}

@ObjectType('Royalty')
export class Royalty {
  @Field(() => String) receiver!: string;
  @Field(() => Int) bps!: number;
}

@ObjectType('Minted')
export class Minted {
  @Field(() => String) block!: string;
  @Field(() => Int) logIndex!: number;
  @Field(() => String) transactionHash!: string;
  @Field(() => String, { description: 'ISO-8601 time of the mint block' }) at!: string;
}

@ObjectType('Contributor', { description: 'A training-data contributor and its attribution share' })
export class Contributor {
  @Field(() => String) account!: string;
  @Field(() => Int) bps!: number;
}

@ObjectType('Artwork', {
  description:
    'A minted work with its provenance, royalty and current owner; parents, children, contributors and trades are resolved on demand, batched per request',
})
export class Artwork {
  @Field(() => String) collection!: string;
  @Field(() => String, { description: 'uint256 as a decimal string' }) tokenId!: string;
  @Field(() => String) creator!: string;
  @Field(() => String, { description: 'the holder now (latest believed transfer)' })
  owner!: string;
  @Field(() => Provenance) provenance!: Provenance;
  @Field(() => Royalty) royalty!: Royalty;
  @Field(() => Int) parentCount!: number;
  @Field(() => Int) contributorCount!: number;
  @Field(() => Minted) minted!: Minted;
  // Resolved by ArtworksResolver (declared here for their descriptions and costs).
  @Field(() => [String], {
    description: "the parents' token ids in mint order (REST `parents`)",
    complexity: upTo(8),
  })
  parentTokenIds!: string[];
  @Field(() => [Artwork], {
    description: 'the parents this read model holds, in mint order (at most 8)',
    complexity: upTo(8),
  })
  parents!: Artwork[];
  @Field(() => [Contributor], { description: 'in mint order (at most 16)', complexity: upTo(16) })
  contributors!: Contributor[];
}

@ObjectType('ArtworkPage')
export class ArtworkPage {
  @Field(() => [Artwork]) items!: Artwork[];
  @Field(() => String, {
    nullable: true,
    description: 'pass as `cursor` for the next page; null on the last',
  })
  nextCursor!: string | null;
  @Field(() => ChainPosition) position!: ChainPosition;
}

@ObjectType('ArtworkAnswer')
export class ArtworkAnswer {
  @Field(() => Artwork, { nullable: true, description: 'null when the model holds no such work' })
  artwork!: Artwork | null;
  @Field(() => ChainPosition) position!: ChainPosition;
}

@ObjectType('LineageNode')
export class LineageNode {
  @Field(() => String) tokenId!: string;
  @Field(() => Int, { description: 'generations away: 1 for a parent or a child' }) depth!: number;
  @Field(() => Artwork, {
    nullable: true,
    description: "null when the node's own mint is not (yet) in the model",
  })
  artwork!: Artwork | null;
}

@ObjectType('Lineage', {
  description: 'Every ancestor and descendant of a work, nearest first (at most 1,000 per side)',
})
export class Lineage {
  @Field(() => String) collection!: string;
  @Field(() => String) tokenId!: string;
  @Field(() => [LineageNode], { complexity: upTo(1_000) }) ancestors!: LineageNode[];
  @Field(() => [LineageNode], { complexity: upTo(1_000) }) descendants!: LineageNode[];
  @Field(() => Boolean, { description: 'true when a side hit 1,000 nodes' }) truncated!: boolean;
}

@ObjectType('LineageAnswer')
export class LineageAnswer {
  @Field(() => Lineage, { nullable: true, description: 'null when the model holds no such work' })
  lineage!: Lineage | null;
  @Field(() => ChainPosition) position!: ChainPosition;
}

@ObjectType('Trade', { description: 'A trade settled on chain, with its split' })
export class Trade {
  @Field(() => String, { description: 'settled' }) status!: 'settled';
  @Field(() => String) factId!: string;
  @Field(() => String) marketplace!: string;
  @Field(() => String) collection!: string;
  @Field(() => String) tokenId!: string;
  @Field(() => String) askHash!: string;
  @Field(() => String) bidHash!: string;
  @Field(() => String) seller!: string;
  @Field(() => String) buyer!: string;
  @Field(() => String) currency!: string;
  @Field(() => String) price!: string;
  @Field(() => String) protocolFee!: string;
  // Nullable only so that a TradeItem selection can ask both members for it (a matched trade
  // may have no receiver); a settled trade always has one.
  @Field(() => String, { nullable: true }) royaltyReceiver!: string;
  @Field(() => String) royalty!: string;
  @Field(() => String) attribution!: string;
  @Field(() => String) sellerProceeds!: string;
  @Field(() => String) block!: string;
  @Field(() => Int) logIndex!: number;
  @Field(() => String) transactionHash!: string;
  @Field(() => String) settledAt!: string;
}

@ObjectType('ContributorShare')
export class ContributorShare {
  @Field(() => String) account!: string;
  @Field(() => String) amount!: string;
}

@ObjectType('MatchedTrade', {
  description: 'A trade the market matched and the chain has not settled yet, with its split',
})
export class MatchedTrade {
  @Field(() => String, { description: 'matched' }) status!: 'matched';
  @Field(() => String) tradeId!: string;
  @Field(() => String) collection!: string;
  @Field(() => String) tokenId!: string;
  @Field(() => String) askHash!: string;
  @Field(() => String) bidHash!: string;
  @Field(() => String) seller!: string;
  @Field(() => String) buyer!: string;
  @Field(() => String) currency!: string;
  @Field(() => String) price!: string;
  @Field(() => String) protocolFee!: string;
  @Field(() => String, { nullable: true }) feeRecipient!: string | null;
  @Field(() => String, { nullable: true }) royaltyReceiver!: string | null;
  @Field(() => String) royalty!: string;
  @Field(() => String) attribution!: string;
  @Field(() => [ContributorShare], { complexity: upTo(16) }) contributors!: ContributorShare[];
  @Field(() => String) sellerProceeds!: string;
  @Field(() => String) matchedAt!: string;
}

export const TradeItem = createUnionType({
  name: 'TradeItem',
  description: 'A settled trade or a matched one (its `status` says which)',
  types: () => [Trade, MatchedTrade] as const,
  resolveType: (item: { status: string }) => (item.status === 'matched' ? MatchedTrade : Trade),
});

@ObjectType('TradePage')
export class TradePage {
  @Field(() => [TradeItem]) items!: (Trade | MatchedTrade)[];
  @Field(() => String, { nullable: true }) nextCursor!: string | null;
  @Field(() => MixedPosition) position!: MixedPosition;
}

@ObjectType('Credited')
export class Credited {
  @Field(() => String) royalty!: string;
  @Field(() => String) attribution!: string;
  @Field(() => String) fee!: string;
  @Field(() => String) proceeds!: string;
}

@ObjectType('PendingLedger', {
  description: 'What matched, unsettled trades will move when they settle (not in `balance` yet)',
})
export class PendingLedger {
  @Field(() => Int, { description: 'matched trades, not settled yet, that move this ledger' })
  trades!: number;
  @Field(() => String) paid!: string;
  @Field(() => Credited) credited!: Credited;
  @Field(() => String, { description: 'credited − paid (signed)' }) net!: string;
}

@ObjectType('CurrencyLedger')
export class CurrencyLedger {
  @Field(() => String) currency!: string;
  @Field(() => String) deposited!: string;
  @Field(() => String) withdrawn!: string;
  @Field(() => String, { description: 'paid as a buyer' }) paid!: string;
  @Field(() => Credited) credited!: Credited;
  @Field(() => String, {
    description: 'equals Marketplace.balanceOf(account, currency) at `position` (signed)',
  })
  balance!: string;
  @Field(() => PendingLedger, { nullable: true, description: 'null with asOfBlock' })
  pending?: PendingLedger | null;
  @Field(() => String, {
    nullable: true,
    description: 'balance + pending.net (null with asOfBlock: pending is about now)',
  })
  balanceAfterPending?: string | null;
}

@ObjectType('Ledger', { description: "An account's Marketplace ledger per currency" })
export class Ledger {
  @Field(() => String) account!: string;
  @Field(() => [CurrencyLedger], { complexity: upTo(16) }) currencies!: CurrencyLedger[];
  @Field(() => String, {
    nullable: true,
    description: 'the asOfBlock asked: balances of the facts up to this block, inclusive',
  })
  asOfBlock!: string | null;
  @Field(() => MixedPosition) position!: MixedPosition;
}

@ObjectType('CurrencyStats')
export class CurrencyStats {
  @Field(() => String) currency!: string;
  @Field(() => String) volume!: string;
  @Field(() => Int) sales!: number;
  @Field(() => String, {
    nullable: true,
    description: 'lowest fillable ask (orders read model)',
  })
  floor!: string | null;
}

@ObjectType('LastSale')
export class LastSale {
  @Field(() => String) block!: string;
  @Field(() => String) at!: string;
}

@ObjectType('CollectionStats')
export class CollectionStats {
  @Field(() => String) collection!: string;
  @Field(() => Int) sales!: number;
  @Field(() => Int) uniqueBuyers!: number;
  @Field(() => [CurrencyStats], { complexity: upTo(16) }) currencies!: CurrencyStats[];
  @Field(() => LastSale, { nullable: true }) lastSale!: LastSale | null;
  @Field(() => ChainPosition) position!: ChainPosition;
}

@ObjectType('ContractDeployment')
export class ContractDeployment {
  @Field(() => String, { description: 'the contract name (ArtworkRegistry, Marketplace, ...)' })
  name!: string;
  @Field(() => String) address!: string;
  @Field(() => Int, { description: 'the block to index it from' }) startBlock!: number;
  @Field(() => String) transactionHash!: string;
}

@ObjectType('MarketplaceSettings')
export class MarketplaceSettings {
  @Field(() => [String], { description: 'allow-listed payment currencies' })
  currencies!: string[];
  @Field(() => String, { description: 'the operator allowed to call settleBatch' })
  operator!: string;
}

@ObjectType('Deployments', { description: 'Where the contracts live (REST /v1/deployments)' })
export class Deployments {
  @Field(() => Int) chainId!: number;
  @Field(() => String) deployedAt!: string;
  @Field(() => [ContractDeployment], { complexity: upTo(16) }) contracts!: ContractDeployment[];
  @Field(() => MarketplaceSettings, { nullable: true })
  marketplace!: MarketplaceSettings | null;
}

/** Nested lists an artwork resolves with a page size of their own. */
export const CHILDREN_COMPLEXITY = perItem(20);
export const ARTWORK_TRADES_COMPLEXITY = perItem(20);
