// The artworks read model, from ArtworkRegistry facts: one row per work with its full
// provenance (creator, model, prompt hash, seed, C2PA manifest hash and URI, royalty) and its
// current owner; its parents and contributors in rows of their own (lineage is a recursive
// query over artwork_parents); every Transfer believed (the owner is the latest of them, so a
// transfer retracted by a reorg gives the work back to the one before).
import { EntitySchema } from 'typeorm';
import { chainHeadEntity, uint256 } from '../chain-facts/chain-facts';

export interface ArtworkRow {
  collection: string;
  tokenId: string;
  creator: string;
  /** Latest believed Transfer's `to`, else `mintedTo`. */
  owner: string;
  /** The mint's `owner` argument. */
  mintedTo: string;
  provenanceHash: string;
  modelId: string;
  modelHash: string;
  promptHash: string;
  seed: string;
  manifestHash: string;
  manifestUri: string;
  royaltyReceiver: string;
  royaltyBps: number;
  parentCount: number;
  contributorCount: number;
  mintedBlock: string;
  mintedLogIndex: number;
  mintedTx: string;
  mintedAt: Date;
  /** The ArtworkMinted fact this row comes from: its retraction deletes exactly this row. */
  mintFactId: string;
}

export const ArtworkEntity = new EntitySchema<ArtworkRow>({
  name: 'Artwork',
  tableName: 'artworks',
  columns: {
    collection: { type: 'text', primary: true },
    tokenId: { name: 'token_id', ...uint256, primary: true },
    creator: { type: 'text' },
    owner: { type: 'text' },
    mintedTo: { name: 'minted_to', type: 'text' },
    provenanceHash: { name: 'provenance_hash', type: 'text' },
    modelId: { name: 'model_id', type: 'text' },
    modelHash: { name: 'model_hash', type: 'text' },
    promptHash: { name: 'prompt_hash', type: 'text' },
    seed: uint256,
    manifestHash: { name: 'manifest_hash', type: 'text' },
    manifestUri: { name: 'manifest_uri', type: 'text' },
    royaltyReceiver: { name: 'royalty_receiver', type: 'text' },
    royaltyBps: { name: 'royalty_bps', type: 'integer' },
    parentCount: { name: 'parent_count', type: 'integer' },
    contributorCount: { name: 'contributor_count', type: 'integer' },
    mintedBlock: { name: 'minted_block', type: 'bigint' },
    mintedLogIndex: { name: 'minted_log_index', type: 'integer' },
    mintedTx: { name: 'minted_tx', type: 'text' },
    mintedAt: { name: 'minted_at', type: 'timestamptz' },
    mintFactId: { name: 'mint_fact_id', type: 'text' },
  },
  indices: [
    { name: 'artworks_minted', columns: ['mintedBlock', 'mintedLogIndex'] },
    { name: 'artworks_creator', columns: ['creator', 'mintedBlock', 'mintedLogIndex'] },
    { name: 'artworks_owner', columns: ['owner', 'mintedBlock', 'mintedLogIndex'] },
    { name: 'artworks_model', columns: ['modelId', 'mintedBlock', 'mintedLogIndex'] },
    // The activity feed sorts mints by time (activity/).
    { name: 'artworks_minted_at', columns: ['mintedAt'] },
  ],
});

export interface ArtworkParentRow {
  collection: string;
  tokenId: string;
  parentTokenId: string;
  position: number;
}

export const ArtworkParentEntity = new EntitySchema<ArtworkParentRow>({
  name: 'ArtworkParent',
  tableName: 'artwork_parents',
  columns: {
    collection: { type: 'text', primary: true },
    tokenId: { name: 'token_id', ...uint256, primary: true },
    parentTokenId: { name: 'parent_token_id', ...uint256, primary: true },
    position: { type: 'integer' },
  },
  // Descendants walk from a parent to its children.
  indices: [{ name: 'artwork_parents_parent', columns: ['collection', 'parentTokenId'] }],
});

export interface ArtworkContributorRow {
  collection: string;
  tokenId: string;
  position: number;
  account: string;
  bps: number;
}

export const ArtworkContributorEntity = new EntitySchema<ArtworkContributorRow>({
  name: 'ArtworkContributor',
  tableName: 'artwork_contributors',
  columns: {
    collection: { type: 'text', primary: true },
    tokenId: { name: 'token_id', ...uint256, primary: true },
    position: { type: 'integer', primary: true },
    account: { type: 'text' },
    bps: { type: 'integer' },
  },
  indices: [{ name: 'artwork_contributors_account', columns: ['account'] }],
});

export interface ArtworkTransferRow {
  factId: string;
  collection: string;
  tokenId: string;
  from: string;
  to: string;
  block: string;
  logIndex: number;
  txHash: string;
  /** The block's time (null on rows applied before the column existed: rebuild to fill). */
  at: Date | null;
}

export const ArtworkTransferEntity = new EntitySchema<ArtworkTransferRow>({
  name: 'ArtworkTransfer',
  tableName: 'artwork_transfers',
  columns: {
    factId: { name: 'fact_id', type: 'text', primary: true },
    collection: { type: 'text' },
    tokenId: { name: 'token_id', ...uint256 },
    from: { name: 'from_address', type: 'text' },
    to: { name: 'to_address', type: 'text' },
    block: { type: 'bigint' },
    logIndex: { name: 'log_index', type: 'integer' },
    txHash: { name: 'tx_hash', type: 'text' },
    at: { type: 'timestamptz', nullable: true },
  },
  indices: [
    { name: 'artwork_transfers_token', columns: ['collection', 'tokenId', 'block', 'logIndex'] },
    { name: 'artwork_transfers_at', columns: ['at'] },
  ],
});

export const ArtworksHeadEntity = chainHeadEntity('ArtworksHead', 'artworks_head');

export const ARTWORKS_READ_MODEL_ENTITIES = [
  ArtworkEntity,
  ArtworkParentEntity,
  ArtworkContributorEntity,
  ArtworkTransferEntity,
  ArtworksHeadEntity,
] as const;
