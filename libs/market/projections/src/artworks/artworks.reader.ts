// Reading the artworks model: a keyset-paginated listing (filters creator, owner, model;
// newest or oldest mint first), one work with its provenance, contributors and parents, and
// its lineage (every ancestor and every descendant, by recursive queries over
// artwork_parents). Every answer carries the block the model reflects (`head`).
import type { DataSource, EntityManager } from 'typeorm';
import { tablePath } from '@atelier/projections';
import { DIGITS, decodeCursor, encodeCursor, headBlock } from '../chain-facts/chain-facts';
import {
  ArtworkContributorEntity,
  ArtworkEntity,
  ArtworkParentEntity,
  ArtworksHeadEntity,
} from './artworks.entities';

export interface ArtworkView {
  readonly collection: string;
  readonly tokenId: string;
  readonly creator: string;
  readonly owner: string;
  readonly provenance: {
    readonly provenanceHash: string;
    readonly modelId: string;
    readonly modelHash: string;
    readonly promptHash: string;
    readonly seed: string;
    readonly manifestHash: string;
    readonly manifestURI: string;
  };
  readonly royalty: { readonly receiver: string; readonly bps: number };
  readonly parentCount: number;
  readonly contributorCount: number;
  readonly minted: {
    readonly block: string;
    readonly logIndex: number;
    readonly transactionHash: string;
    readonly at: string;
  };
}

export interface ArtworkDetail extends ArtworkView {
  readonly parents: readonly string[];
  readonly contributors: readonly { readonly account: string; readonly bps: number }[];
}

export interface LineageNode {
  readonly tokenId: string;
  /** Generations away: 1 for a parent or a child. */
  readonly depth: number;
  /** Absent when a parent's own mint is not (yet) in the model. */
  readonly artwork: ArtworkView | null;
}

export interface Lineage {
  readonly ancestors: readonly LineageNode[];
  readonly descendants: readonly LineageNode[];
  /** True when a side hit `maxNodes`. */
  readonly truncated: boolean;
}

export const ARTWORK_SORTS = ['newest', 'oldest'] as const;
export type ArtworkSort = (typeof ARTWORK_SORTS)[number];

export interface ArtworkListQuery {
  readonly creator?: string;
  readonly owner?: string;
  readonly model?: string;
  readonly collection?: string;
  readonly sort?: ArtworkSort;
  readonly cursor?: string;
  readonly limit?: number;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

export const MAX_LINEAGE_NODES = 1_000;
const MAX_LINEAGE_DEPTH = 256;

/** A row of the artworks table as the readers select it (also the GraphQL loaders'). */
export interface ArtworkSqlRow {
  collection: string;
  token_id: string;
  creator: string;
  owner: string;
  provenance_hash: string;
  model_id: string;
  model_hash: string;
  prompt_hash: string;
  seed: string;
  manifest_hash: string;
  manifest_uri: string;
  royalty_receiver: string;
  royalty_bps: number;
  parent_count: number;
  contributor_count: number;
  minted_block: string;
  minted_log_index: number;
  minted_tx: string;
  minted_at: Date;
}

/** The listed columns, of table alias `a` when given. */
export const artworkColumns = (a = '') => {
  const c = (name: string) => `${a ? `${a}.` : ''}${name}`;
  return `${c('collection')} AS collection, ${c('token_id')}::text AS token_id, ${c('creator')} AS creator,
  ${c('owner')} AS owner, ${c('provenance_hash')} AS provenance_hash, ${c('model_id')} AS model_id,
  ${c('model_hash')} AS model_hash, ${c('prompt_hash')} AS prompt_hash, ${c('seed')}::text AS seed,
  ${c('manifest_hash')} AS manifest_hash, ${c('manifest_uri')} AS manifest_uri,
  ${c('royalty_receiver')} AS royalty_receiver, ${c('royalty_bps')} AS royalty_bps,
  ${c('parent_count')} AS parent_count, ${c('contributor_count')} AS contributor_count,
  ${c('minted_block')}::text AS minted_block, ${c('minted_log_index')} AS minted_log_index,
  ${c('minted_tx')} AS minted_tx, ${c('minted_at')} AS minted_at`;
};
const COLUMNS = artworkColumns();

export const artworkView = (r: ArtworkSqlRow): ArtworkView => ({
  collection: r.collection,
  tokenId: r.token_id,
  creator: r.creator,
  owner: r.owner,
  provenance: {
    provenanceHash: r.provenance_hash,
    modelId: r.model_id,
    modelHash: r.model_hash,
    promptHash: r.prompt_hash,
    seed: r.seed,
    manifestHash: r.manifest_hash,
    manifestURI: r.manifest_uri,
  },
  royalty: { receiver: r.royalty_receiver, bps: Number(r.royalty_bps) },
  parentCount: Number(r.parent_count),
  contributorCount: Number(r.contributor_count),
  minted: {
    block: r.minted_block,
    logIndex: Number(r.minted_log_index),
    transactionHash: r.minted_tx,
    at: new Date(r.minted_at).toISOString(),
  },
});

export class ArtworksReader {
  private readonly manager: EntityManager;
  private readonly artworks: string;
  private readonly parents: string;
  private readonly contributors: string;
  private readonly head: string;

  constructor(dataSource: DataSource) {
    this.manager = dataSource.manager;
    this.artworks = tablePath(this.manager, ArtworkEntity);
    this.parents = tablePath(this.manager, ArtworkParentEntity);
    this.contributors = tablePath(this.manager, ArtworkContributorEntity);
    this.head = tablePath(this.manager, ArtworksHeadEntity);
  }

  /** The newest block whose registry facts the model holds. */
  position(): Promise<string | null> {
    return headBlock(this.manager, this.head);
  }

  async list(query: ArtworkListQuery = {}, maxPage = 500): Promise<Page<ArtworkView>> {
    const limit = Math.min(Math.max(Math.trunc(query.limit ?? 50), 1), maxPage);
    const sort = query.sort ?? 'newest';
    const desc = sort === 'newest';
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    if (query.creator) where.push(`creator = ${param(query.creator)}`);
    if (query.owner) where.push(`owner = ${param(query.owner)}`);
    if (query.model) where.push(`model_id = ${param(query.model)}`);
    if (query.collection) where.push(`collection = ${param(query.collection)}`);
    if (query.cursor) {
      const [block, log] = decodeCursor(query.cursor, `artworks:${sort}`, [DIGITS, DIGITS]);
      where.push(
        `(minted_block, minted_log_index) ${desc ? '<' : '>'} (${param(block)}::bigint, ${param(log)}::int)`,
      );
    }
    const dir = desc ? 'DESC' : 'ASC';
    const rows: ArtworkSqlRow[] = await this.manager.query(
      `SELECT ${COLUMNS} FROM ${this.artworks} a ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY a.minted_block ${dir}, a.minted_log_index ${dir} LIMIT ${param(limit + 1)}`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(artworkView),
      nextCursor:
        rows.length > limit && last
          ? encodeCursor(`artworks:${sort}`, [last.minted_block, String(last.minted_log_index)])
          : null,
    };
  }

  async get(collection: string, tokenId: string): Promise<ArtworkDetail | null> {
    return (await this.detail(collection, tokenId)).artwork;
  }

  /**
   * One work with its parents and contributors, and the model's position, in one statement:
   * one round trip, and the position read in the same snapshot as the work (the answer is the
   * model at that block, never a later one named by an earlier block).
   */
  async detail(
    collection: string,
    tokenId: string,
  ): Promise<{ position: string | null; artwork: ArtworkDetail | null }> {
    const rows: (Partial<ArtworkSqlRow> & {
      head_block: string | null;
      parents: string[] | null;
      contributors: { account: string; bps: number }[] | null;
    })[] = await this.manager.query(
      `SELECT (SELECT MAX(block)::text FROM ${this.head}) AS head_block, ${artworkColumns('a')},
         ARRAY(SELECT p.parent_token_id::text FROM ${this.parents} p
           WHERE p.collection = a.collection AND p.token_id = a.token_id ORDER BY p.position)
           AS parents,
         (SELECT json_agg(json_build_object('account', c.account, 'bps', c.bps) ORDER BY c.position)
           FROM ${this.contributors} c WHERE c.collection = a.collection AND c.token_id = a.token_id)
           AS contributors
       FROM (SELECT 1) one LEFT JOIN ${this.artworks} a ON a.collection = $1 AND a.token_id = $2`,
      [collection, tokenId],
    );
    const row = rows[0]!;
    const position = row.head_block;
    if (row.collection === null || row.collection === undefined) return { position, artwork: null };
    return {
      position,
      artwork: {
        ...artworkView(row as ArtworkSqlRow),
        parents: row.parents ?? [],
        contributors: (row.contributors ?? []).map((c) => ({
          account: c.account,
          bps: Number(c.bps),
        })),
      },
    };
  }

  /** Ancestors (parents, their parents, …) and descendants, nearest first; null for an unknown work. */
  async lineage(
    collection: string,
    tokenId: string,
    maxNodes = MAX_LINEAGE_NODES,
  ): Promise<Lineage | null> {
    const exists: unknown[] = await this.manager.query(
      `SELECT 1 FROM ${this.artworks} WHERE collection = $1 AND token_id = $2`,
      [collection, tokenId],
    );
    if (exists.length === 0) return null;
    // UNION (not UNION ALL) and a depth cap: the chain forbids cycles (parents are minted
    // first), but the model must not loop if a reorg ever left an odd graph behind.
    const walk = (from: string, to: string) =>
      this.manager.query(
        `WITH RECURSIVE walk(token_id, depth) AS (
           SELECT ${to}, 1 FROM ${this.parents} WHERE collection = $1 AND ${from} = $2
           UNION
           SELECT p.${to}, w.depth + 1 FROM walk w
             JOIN ${this.parents} p ON p.collection = $1 AND p.${from} = w.token_id
           WHERE w.depth < ${MAX_LINEAGE_DEPTH}
         ), nearest AS (
           SELECT token_id, MIN(depth) AS depth FROM walk GROUP BY token_id
         )
         SELECT n.token_id::text AS node, n.depth, ${artworkColumns('a')}
         FROM nearest n LEFT JOIN ${this.artworks} a ON a.collection = $1 AND a.token_id = n.token_id
         ORDER BY n.depth, n.token_id LIMIT $3`,
        [collection, tokenId, maxNodes + 1],
      ) as Promise<(ArtworkSqlRow & { node: string; depth: number })[]>;
    const nodes = (rows: (ArtworkSqlRow & { node: string; depth: number })[]) =>
      rows.slice(0, maxNodes).map((r): LineageNode => ({
        tokenId: r.node,
        depth: Number(r.depth),
        artwork: r.collection === null ? null : artworkView(r),
      }));
    const up = await walk('token_id', 'parent_token_id');
    const down = await walk('parent_token_id', 'token_id');
    return {
      ancestors: nodes(up),
      descendants: nodes(down),
      truncated: up.length > maxNodes || down.length > maxNodes,
    };
  }
}
