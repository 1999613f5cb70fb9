// The artworks projection: ArtworkRegistry facts (chain.artwork-registry) -> artworks,
// artwork_parents, artwork_contributors, artwork_transfers. Only ArtworkMinted and Transfer
// change rows; every other registry event only moves the head.
//
// Order-free by construction: a mint and its Transfer share a partition today, but nothing here
// relies on it. The owner is recomputed from the believed transfers (latest by block and log
// index) whenever a mint or a transfer comes or goes, so any arrival order gives the same rows.
// A mint upserts its work (a replacement branch may mint a different work under the same token
// id) and its retraction deletes only the row that fact made. Applying a fact twice is a no-op.
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import type { ChainFactEnvelope } from '@atelier/chain-messages';
import {
  chainFactsDedupedByRows,
  columnsOf,
  unnestSelect,
  writeTogether,
  type Projection,
  type SqlColumnType,
  type SqlStatement,
} from '@atelier/projections';
import {
  advanceHead,
  advanceHeads,
  parseArgs,
  positionOf,
  tablePath,
  zAddress,
  zBytes32,
  zUint,
} from '../chain-facts/chain-facts';
import {
  ArtworkContributorEntity,
  ArtworkEntity,
  ArtworkParentEntity,
  ArtworkTransferEntity,
  ArtworksHeadEntity,
  ARTWORKS_READ_MODEL_ENTITIES,
} from './artworks.entities';

export const ARTWORKS_PROJECTION = 'chain-artworks';
export const ARTWORK_REGISTRY = 'ArtworkRegistry';

const MAX_BPS = 10_000;
const bps = z.number().int().min(0).max(MAX_BPS);

export const artworkMintedArgs = z.object({
  tokenId: zUint,
  creator: zAddress,
  owner: zAddress,
  provenanceHash: zBytes32,
  royaltyReceiver: zAddress,
  royaltyBps: bps,
  provenance: z.object({
    modelId: z.string().max(10_000),
    modelHash: zBytes32,
    promptHash: zBytes32,
    seed: zUint,
    manifestHash: zBytes32,
    manifestURI: z.string().max(10_000),
    parents: z.array(zUint).max(64),
    contributors: z.array(z.object({ account: zAddress, bps })).max(64),
  }),
});

export const transferArgs = z.object({ from: zAddress, to: zAddress, tokenId: zUint });

export function artworksProjection(
  name: string = ARTWORKS_PROJECTION,
): Projection<ChainFactEnvelope> {
  return {
    name,
    // Rows keyed by fact id (transfers) or idempotent (the owner), so the runner records only
    // retractions and mints: a copy of an older mint would put its work back over a later mint of
    // the same token id (a replacement branch), which the upsert cannot tell from its row.
    format: ARTWORK_FACTS,
    entities: ARTWORKS_READ_MODEL_ENTITIES,
    apply: (fact, tx) => applyArtworkFact(fact, tx),
    applyBatch: (facts, tx) => applyArtworkFacts(facts, tx),
    readIndexes: ARTWORKS_READ_INDEXES,
  };
}

const ARTWORK_FACTS = chainFactsDedupedByRows(
  (f) => f.contract === ARTWORK_REGISTRY && f.event === 'ArtworkMinted',
);

/**
 * The readers' indexes: all but artwork_transfers_token, which finds a work's latest transfer
 * when its owner is recomputed (the rest goes by primary key).
 */
export const ARTWORKS_READ_INDEXES = ARTWORKS_READ_MODEL_ENTITIES.flatMap((e) =>
  (e.options.indices ?? []).filter((i) => !i.unique).map((i) => i.name!),
).filter((name) => name !== 'artwork_transfers_token');

export async function applyArtworkFact(fact: ChainFactEnvelope, tx: EntityManager): Promise<void> {
  if (fact.contract !== ARTWORK_REGISTRY) return;
  const t = {
    artworks: tablePath(tx, ArtworkEntity),
    parents: tablePath(tx, ArtworkParentEntity),
    contributors: tablePath(tx, ArtworkContributorEntity),
    transfers: tablePath(tx, ArtworkTransferEntity),
  };
  const collection = fact.address;
  const retracted = fact.kind === 'retracted';
  switch (fact.event) {
    case 'ArtworkMinted': {
      const a = parseArgs(fact, artworkMintedArgs);
      if (retracted) {
        const gone: unknown[] = await tx.query(
          `DELETE FROM ${t.artworks} WHERE collection = $1 AND token_id = $2 AND mint_fact_id = $3 RETURNING 1`,
          [collection, a.tokenId, fact.factId],
        );
        if (gone.length > 0) await replaceLinks(tx, t, collection, a.tokenId, [], []);
        break;
      }
      // The batch form's upsert, with one row.
      await writeTogether(tx, [upsertMints(t, [{ fact, a }])]);
      const p = a.provenance;
      await replaceLinks(tx, t, collection, a.tokenId, p.parents, p.contributors);
      await recomputeOwner(tx, t, collection, a.tokenId);
      break;
    }
    case 'Transfer': {
      const a = parseArgs(fact, transferArgs);
      if (retracted) {
        await tx.query(`DELETE FROM ${t.transfers} WHERE fact_id = $1`, [fact.factId]);
      } else {
        await tx.query(
          `INSERT INTO ${t.transfers} (fact_id, collection, token_id, from_address, to_address, block, log_index, tx_hash, at)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (fact_id) DO NOTHING`,
          [
            fact.factId,
            collection,
            a.tokenId,
            a.from,
            a.to,
            fact.blockNumber,
            fact.logIndex,
            fact.transactionHash,
            positionOf(fact).at,
          ],
        );
      }
      await recomputeOwner(tx, t, collection, a.tokenId);
      break;
    }
    default:
      break;
  }
  await advanceHead(tx, tablePath(tx, ArtworksHeadEntity), fact);
}

/**
 * The batch form of applyArtworkFact, for a run of facts in order: transfers in one multi-row
 * INSERT; mints as one multi-row upsert of the last mint of each work (a later mint of the same
 * token id replaces the row, as the upsert does one at a time) with their parent and
 * contributor rows replaced in two statements; then the owner of every work touched recomputed
 * in one UPDATE (the owner is a function of the believed transfers and the mint, so computing it
 * once at the end gives what computing it after each fact gives). A retraction first writes
 * everything buffered before it and is then applied alone, so the rows are those of
 * applyArtworkFact on each fact in turn.
 */
export async function applyArtworkFacts(
  facts: readonly ChainFactEnvelope[],
  tx: EntityManager,
): Promise<void> {
  const ours = facts.filter((f) => f.contract === ARTWORK_REGISTRY);
  if (ours.length === 0) return;
  const t = tables(tx);
  let transfers: unknown[][] = [];
  let mints = new Map<string, Mint>();
  let touched = new Map<string, readonly [string, string]>();
  const touch = (collection: string, tokenId: string) =>
    touched.set(`${collection}/${tokenId}`, [collection, tokenId]);
  const flush = async (head?: SqlStatement) => {
    // Two round trips. First the transfers, the works' rows and the removal of their old
    // parents and contributors (four tables); then the new parents and contributors and the
    // owners, which read the transfers and works written by the first (a statement sees only
    // what was written before it). The owner is written only where it changes (a mint's own
    // Transfer names the owner the mint did): an UPDATE that changes nothing still writes a row
    // version and an entry in every index of the work. The `= ANY` beside each join on the keys
    // hands the planner the keys as an index condition (it had hashed a scan of the table).
    const list = [...mints.values()];
    const keys = [...touched.values()];
    await writeTogether(tx, [
      transfers.length > 0
        ? {
            sql: `INSERT INTO ${t.transfers} (fact_id, collection, token_id, from_address, to_address, block, log_index, tx_hash, at)
         ${unnestSelect(TRANSFER_TYPES)} ON CONFLICT (fact_id) DO NOTHING`,
            params: columnsOf(transfers, TRANSFER_TYPES.length),
          }
        : undefined,
      ...(list.length > 0 ? [upsertMints(t, list), ...deleteLinks(t, list)] : []),
    ]);
    await writeTogether(tx, [
      ...(list.length > 0 ? insertLinks(t, list) : []),
      keys.length > 0
        ? {
            sql: `UPDATE ${t.artworks} a SET owner = COALESCE(l.to_address, a.minted_to)
         FROM unnest($1::text[], $2::numeric[]) AS k(collection, token_id)
           LEFT JOIN LATERAL (SELECT to_address FROM ${t.transfers} x
             WHERE x.collection = k.collection AND x.token_id = k.token_id
             ORDER BY x.block DESC, x.log_index DESC LIMIT 1) l ON true
         WHERE a.collection = k.collection AND a.token_id = k.token_id
           AND a.collection = ANY($1::text[]) AND a.token_id = ANY($2::numeric[])
           AND a.owner IS DISTINCT FROM COALESCE(l.to_address, a.minted_to)`,
            params: [keys.map((k) => k[0]), keys.map((k) => k[1])],
          }
        : undefined,
      head,
    ]);
    transfers = [];
    mints = new Map();
    touched = new Map();
  };
  for (const fact of ours) {
    if (fact.kind === 'retracted') {
      if (fact.event === 'ArtworkMinted' || fact.event === 'Transfer') {
        await flush();
        await applyArtworkFact(fact, tx);
      }
      continue;
    }
    const collection = fact.address;
    if (fact.event === 'ArtworkMinted') {
      const a = parseArgs(fact, artworkMintedArgs);
      const key = `${collection}/${a.tokenId}`;
      mints.delete(key); // the last mint of a work wins, in the order of the facts
      mints.set(key, { fact, a });
      touch(collection, a.tokenId);
    } else if (fact.event === 'Transfer') {
      const a = parseArgs(fact, transferArgs);
      transfers.push([
        fact.factId,
        collection,
        a.tokenId,
        a.from,
        a.to,
        fact.blockNumber,
        fact.logIndex,
        fact.transactionHash,
        positionOf(fact).at,
      ]);
      touch(collection, a.tokenId);
    }
  }
  await flush(advanceHeads(tablePath(tx, ArtworksHeadEntity), ours));
}

type ArtworkMintedArgs = z.output<typeof artworkMintedArgs>;

const TRANSFER_TYPES: readonly SqlColumnType[] = [
  'text',
  'text',
  'numeric',
  'text',
  'text',
  'bigint',
  'int',
  'text',
  'timestamptz',
];
const MINT_TYPES: readonly SqlColumnType[] = [
  'text',
  'numeric',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'numeric',
  'text',
  'text',
  'text',
  'int',
  'int',
  'int',
  'bigint',
  'int',
  'text',
  'timestamptz',
  'text',
];

type Mint = { fact: ChainFactEnvelope; a: ArtworkMintedArgs };

/** The upsert of works (at most one mint per work). */
function upsertMints(t: Tables, mints: readonly Mint[]): SqlStatement {
  const rows = mints.map(({ fact, a }) => {
    const at = positionOf(fact);
    const p = a.provenance;
    return [
      fact.address,
      a.tokenId,
      a.creator,
      a.owner,
      a.provenanceHash,
      p.modelId,
      p.modelHash,
      p.promptHash,
      p.seed,
      p.manifestHash,
      p.manifestURI,
      a.royaltyReceiver,
      a.royaltyBps,
      p.parents.length,
      p.contributors.length,
      at.block,
      at.logIndex,
      fact.transactionHash,
      at.at,
      fact.factId,
    ];
  });
  return {
    sql: `INSERT INTO ${t.artworks} (collection, token_id, creator, owner, provenance_hash, model_id,
       model_hash, prompt_hash, seed, manifest_hash, manifest_uri, royalty_receiver, royalty_bps,
       parent_count, contributor_count, minted_block, minted_log_index, minted_tx, minted_at,
       mint_fact_id, minted_to)
     SELECT *, u.owner FROM (${unnestSelect(MINT_TYPES)}) AS u(collection, token_id, creator,
       owner, provenance_hash, model_id, model_hash, prompt_hash, seed, manifest_hash, manifest_uri,
       royalty_receiver, royalty_bps, parent_count, contributor_count, minted_block,
       minted_log_index, minted_tx, minted_at, mint_fact_id)
     ON CONFLICT (collection, token_id) DO UPDATE SET creator = EXCLUDED.creator,
       minted_to = EXCLUDED.minted_to, provenance_hash = EXCLUDED.provenance_hash,
       model_id = EXCLUDED.model_id, model_hash = EXCLUDED.model_hash,
       prompt_hash = EXCLUDED.prompt_hash, seed = EXCLUDED.seed,
       manifest_hash = EXCLUDED.manifest_hash, manifest_uri = EXCLUDED.manifest_uri,
       royalty_receiver = EXCLUDED.royalty_receiver, royalty_bps = EXCLUDED.royalty_bps,
       parent_count = EXCLUDED.parent_count, contributor_count = EXCLUDED.contributor_count,
       minted_block = EXCLUDED.minted_block, minted_log_index = EXCLUDED.minted_log_index,
       minted_tx = EXCLUDED.minted_tx, minted_at = EXCLUDED.minted_at,
       mint_fact_id = EXCLUDED.mint_fact_id`,
    params: columnsOf(rows, MINT_TYPES.length),
  };
}

/** Deletes the parents and contributors of the works minted (they get the last mint's). */
function deleteLinks(t: Tables, mints: readonly Mint[]): SqlStatement[] {
  const keys = [mints.map((m) => m.fact.address), mints.map((m) => m.a.tokenId)];
  return [t.parents, t.contributors].map((table) => ({
    sql: `DELETE FROM ${table} x USING unnest($1::text[], $2::numeric[]) AS k(collection, token_id)
       WHERE x.collection = k.collection AND x.token_id = k.token_id AND x.token_id = ANY($2::numeric[])`,
    params: keys,
  }));
}

/** Inserts the parents and contributors of the last mint of each work. */
function insertLinks(t: Tables, mints: readonly Mint[]): (SqlStatement | undefined)[] {
  const parents = mints.flatMap(({ fact, a }) =>
    a.provenance.parents.map((parent, i) => [fact.address, a.tokenId, parent, i]),
  );
  const contributors = mints.flatMap(({ fact, a }) =>
    a.provenance.contributors.map((c, i) => [fact.address, a.tokenId, i, c.account, c.bps]),
  );
  return [
    parents.length > 0
      ? {
          sql: `INSERT INTO ${t.parents} (collection, token_id, parent_token_id, position)
       SELECT * FROM unnest($1::text[], $2::numeric[], $3::numeric[], $4::int[])
       ON CONFLICT DO NOTHING`,
          params: columnsOf(parents, 4),
        }
      : undefined,
    contributors.length > 0
      ? {
          sql: `INSERT INTO ${t.contributors} (collection, token_id, position, account, bps)
       SELECT * FROM unnest($1::text[], $2::numeric[], $3::int[], $4::text[], $5::int[])`,
          params: columnsOf(contributors, 5),
        }
      : undefined,
  ];
}

const tables = (tx: EntityManager): Tables => ({
  artworks: tablePath(tx, ArtworkEntity),
  parents: tablePath(tx, ArtworkParentEntity),
  contributors: tablePath(tx, ArtworkContributorEntity),
  transfers: tablePath(tx, ArtworkTransferEntity),
});

type Tables = Record<'artworks' | 'parents' | 'contributors' | 'transfers', string>;

async function replaceLinks(
  tx: EntityManager,
  t: Tables,
  collection: string,
  tokenId: string,
  parents: readonly string[],
  contributors: readonly { account: string; bps: number }[],
): Promise<void> {
  await tx.query(`DELETE FROM ${t.parents} WHERE collection = $1 AND token_id = $2`, [
    collection,
    tokenId,
  ]);
  await tx.query(`DELETE FROM ${t.contributors} WHERE collection = $1 AND token_id = $2`, [
    collection,
    tokenId,
  ]);
  if (parents.length > 0)
    await tx.query(
      `INSERT INTO ${t.parents} (collection, token_id, parent_token_id, position)
       SELECT $1, $2, p, i - 1 FROM unnest($3::numeric[]) WITH ORDINALITY AS u(p, i)
       ON CONFLICT DO NOTHING`,
      [collection, tokenId, parents],
    );
  if (contributors.length > 0)
    await tx.query(
      `INSERT INTO ${t.contributors} (collection, token_id, position, account, bps)
       SELECT $1, $2, i - 1, a, b FROM unnest($3::text[], $4::int[]) WITH ORDINALITY AS u(a, b, i)`,
      [collection, tokenId, contributors.map((c) => c.account), contributors.map((c) => c.bps)],
    );
}

/** The owner is the latest believed transfer's recipient, else whom the mint named. */
async function recomputeOwner(
  tx: EntityManager,
  t: Tables,
  collection: string,
  tokenId: string,
): Promise<void> {
  await tx.query(
    `UPDATE ${t.artworks} a SET owner = n.owner
     FROM (SELECT COALESCE(
       (SELECT to_address FROM ${t.transfers} x WHERE x.collection = $1 AND x.token_id = $2
        ORDER BY x.block DESC, x.log_index DESC LIMIT 1), w.minted_to) AS owner
       FROM ${t.artworks} w WHERE w.collection = $1 AND w.token_id = $2) n
     WHERE a.collection = $1 AND a.token_id = $2 AND a.owner IS DISTINCT FROM n.owner`,
    [collection, tokenId],
  );
}
