// Batched reads behind the GraphQL links, and the per-request DataLoaders over them. A list of N
// artworks asking for parents, children, contributors and trades costs one SQL statement per
// kind of link (and one more for the linked works themselves), not one per artwork: each loader
// collects the keys its resolvers ask for during one tick and reads them in one statement (keys
// passed as arrays and unnested, a window function for per-key page sizes). Loaders live for one
// request (one GraphQL context), so nothing cached outlives the read that filled it.
//
// The statements read the chain-fact read models' tables directly (the readers of
// @atelier/market-projections answer one work at a time) with the readers' own columns and
// row-to-view functions, and the int spec holds every shape equal to the REST answer for the
// same row.
import { Injectable } from '@nestjs/common';
import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import {
  ArtworkContributorEntity,
  ArtworkEntity,
  ArtworkParentEntity,
  ChainTradeEntity,
  CHAIN_TRADE_COLUMNS,
  artworkColumns,
  artworkView,
  chainTradeView,
  type ArtworkSqlRow,
  type ArtworkView,
  type ChainTradeSqlRow,
  type ChainTradeView,
} from '@atelier/market-projections';
import { tablePath } from '@atelier/projections';

/** A work's key in the loaders: `<collection>:<tokenId>` (lower-case address, decimal id). */
export const workKey = (collection: string, tokenId: string) => `${collection}:${tokenId}`;
const splitKey = (key: string) => {
  const i = key.indexOf(':');
  return { collection: key.slice(0, i), tokenId: key.slice(i + 1) };
};
/** The (collections[], tokenIds[]) arrays a statement unnests. */
const unnestArgs = (keys: readonly string[]) => {
  const parts = keys.map(splitKey);
  return [parts.map((p) => p.collection), parts.map((p) => p.tokenId)];
};

const ARTWORK_COLUMNS = artworkColumns('a');

/** Groups rows by their work key, keeping the statement's order within each group. */
function grouped<R, V>(
  rows: readonly R[],
  keyOf: (r: R) => string,
  value: (r: R) => V,
): Map<string, V[]> {
  const by = new Map<string, V[]>();
  for (const r of rows) {
    const k = keyOf(r);
    const list = by.get(k);
    if (list) list.push(value(r));
    else by.set(k, [value(r)]);
  }
  return by;
}

/** One SQL statement per call, whatever the number of keys. */
export class BatchReads {
  private readonly artworks: string;
  private readonly parents: string;
  private readonly contributors: string;
  private readonly trades: string;

  constructor(private readonly dataSource: DataSource) {
    this.artworks = tablePath(dataSource, ArtworkEntity);
    this.parents = tablePath(dataSource, ArtworkParentEntity);
    this.contributors = tablePath(dataSource, ArtworkContributorEntity);
    this.trades = tablePath(dataSource, ChainTradeEntity);
  }

  async artworksByKey(keys: readonly string[]): Promise<Map<string, ArtworkView>> {
    const rows: ArtworkSqlRow[] = await this.dataSource.query(
      `SELECT ${ARTWORK_COLUMNS} FROM ${this.artworks} a
       JOIN unnest($1::text[], $2::numeric[]) AS k(collection, token_id)
         ON a.collection = k.collection AND a.token_id = k.token_id`,
      unnestArgs(keys),
    );
    return new Map(rows.map((r) => [workKey(r.collection, r.token_id), artworkView(r)]));
  }

  /** Each work's parents' token ids, in mint order. */
  async parentIds(keys: readonly string[]): Promise<Map<string, string[]>> {
    const rows: { collection: string; token_id: string; parent: string }[] =
      await this.dataSource.query(
        `SELECT p.collection, p.token_id::text AS token_id, p.parent_token_id::text AS parent
         FROM ${this.parents} p
         JOIN unnest($1::text[], $2::numeric[]) AS k(collection, token_id)
           ON p.collection = k.collection AND p.token_id = k.token_id
         ORDER BY p.collection, p.token_id, p.position`,
        unnestArgs(keys),
      );
    return grouped(
      rows,
      (r) => workKey(r.collection, r.token_id),
      (r) => r.parent,
    );
  }

  /** Each work's direct children's token ids, lowest first, at most `limit` per work. */
  async childIds(keys: readonly string[], limit: number): Promise<Map<string, string[]>> {
    const rows: { collection: string; parent: string; child: string }[] =
      await this.dataSource.query(
        `SELECT collection, parent, child FROM (
           SELECT p.collection, p.parent_token_id::text AS parent, p.token_id::text AS child,
             ROW_NUMBER() OVER (PARTITION BY p.collection, p.parent_token_id ORDER BY p.token_id) AS n,
             p.token_id AS sort
           FROM ${this.parents} p
           JOIN unnest($1::text[], $2::numeric[]) AS k(collection, token_id)
             ON p.collection = k.collection AND p.parent_token_id = k.token_id
         ) c WHERE n <= $3 ORDER BY collection, parent, sort`,
        [...unnestArgs(keys), limit],
      );
    return grouped(
      rows,
      (r) => workKey(r.collection, r.parent),
      (r) => r.child,
    );
  }

  async contributorsOf(
    keys: readonly string[],
  ): Promise<Map<string, { account: string; bps: number }[]>> {
    const rows: { collection: string; token_id: string; account: string; bps: number }[] =
      await this.dataSource.query(
        `SELECT c.collection, c.token_id::text AS token_id, c.account, c.bps
         FROM ${this.contributors} c
         JOIN unnest($1::text[], $2::numeric[]) AS k(collection, token_id)
           ON c.collection = k.collection AND c.token_id = k.token_id
         ORDER BY c.collection, c.token_id, c.position`,
        unnestArgs(keys),
      );
    return grouped(
      rows,
      (r) => workKey(r.collection, r.token_id),
      (r) => ({ account: r.account, bps: Number(r.bps) }),
    );
  }

  /** Each work's settled trades, newest first, at most `limit` per work. */
  async tradesOf(keys: readonly string[], limit: number): Promise<Map<string, ChainTradeView[]>> {
    const rows: ChainTradeSqlRow[] = await this.dataSource.query(
      `SELECT ${CHAIN_TRADE_COLUMNS} FROM (
         SELECT t.*, ROW_NUMBER() OVER (
           PARTITION BY t.collection, t.token_id ORDER BY t.block DESC, t.log_index DESC) AS n
         FROM ${this.trades} t
         JOIN unnest($1::text[], $2::numeric[]) AS k(collection, token_id)
           ON t.collection = k.collection AND t.token_id = k.token_id
       ) t WHERE n <= $3 ORDER BY collection, token_id, block DESC, log_index DESC`,
      [...unnestArgs(keys), limit],
    );
    return grouped(rows, (r) => workKey(r.collection, r.token_id), chainTradeView);
  }
}

/** A loader whose keys carry a page size (`<limit>|<work key>`): one statement per size. */
function pagedLoader<V>(
  read: (keys: readonly string[], limit: number) => Promise<Map<string, V[]>>,
): DataLoader<string, V[]> {
  return new DataLoader<string, V[]>(async (keys) => {
    const bySize = new Map<number, string[]>();
    for (const k of keys) {
      const bar = k.indexOf('|');
      const size = Number(k.slice(0, bar));
      bySize.set(size, [...(bySize.get(size) ?? []), k.slice(bar + 1)]);
    }
    const answers = new Map<string, V[]>();
    await Promise.all(
      [...bySize].map(async ([size, works]) => {
        const found = await read(works, size);
        for (const w of works) answers.set(`${size}|${w}`, found.get(w) ?? []);
      }),
    );
    return keys.map((k) => answers.get(k) ?? []);
  });
}

/** The loaders of one request. */
export class RequestLoaders {
  readonly artwork: DataLoader<string, ArtworkView | null>;
  readonly parentIds: DataLoader<string, string[]>;
  readonly contributors: DataLoader<string, { account: string; bps: number }[]>;
  /** Keys `<limit>|<work key>`. */
  readonly childIds: DataLoader<string, string[]>;
  /** Keys `<limit>|<work key>`. */
  readonly trades: DataLoader<string, ChainTradeView[]>;
  /** Batches each loader ran (one SQL statement each), for the logs and the spec. */
  batches = 0;

  constructor(reads: BatchReads) {
    const counted =
      <A extends unknown[], R>(f: (...a: A) => Promise<R>) =>
      (...a: A) => {
        this.batches += 1;
        return f(...a);
      };
    this.artwork = new DataLoader(
      counted(async (keys: readonly string[]) => {
        const found = await reads.artworksByKey(keys);
        return keys.map((k) => found.get(k) ?? null);
      }),
    );
    this.parentIds = new DataLoader(
      counted(async (keys: readonly string[]) => {
        const found = await reads.parentIds(keys);
        return keys.map((k) => found.get(k) ?? []);
      }),
    );
    this.contributors = new DataLoader(
      counted(async (keys: readonly string[]) => {
        const found = await reads.contributorsOf(keys);
        return keys.map((k) => found.get(k) ?? []);
      }),
    );
    this.childIds = pagedLoader(counted((k: readonly string[], n: number) => reads.childIds(k, n)));
    this.trades = pagedLoader(counted((k: readonly string[], n: number) => reads.tradesOf(k, n)));
  }
}

/**
 * Hands each GraphQL context (one per request, or per subscription operation) its own loaders,
 * made on first use and dropped with the context.
 */
@Injectable()
export class ReadLoaders {
  private readonly byContext = new WeakMap<object, RequestLoaders>();

  constructor(private readonly reads: BatchReads) {}

  of(context: object): RequestLoaders {
    let loaders = this.byContext.get(context);
    if (!loaders) {
      loaders = new RequestLoaders(this.reads);
      this.byContext.set(context, loaders);
    }
    return loaders;
  }
}
