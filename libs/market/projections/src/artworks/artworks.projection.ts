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
  copyRows,
  unnestSelect,
  writeTogether,
  type Projection,
  type SqlColumnType,
  type SqlStatement,
  tablePath,
} from '@atelier/projections';
import {
  advanceHead,
  advanceHeads,
  parseArgs,
  positionOf,
  fastFields,
  fastUint,
  isArgsObject,
  withFastPath,
  zAddress,
  zBytes32,
  zUint,
} from '../chain-facts/chain-facts';
import {
  COPY_MIN_ROWS,
  FactRows,
  writeFactRows,
  type FactRow,
  type FactTable,
} from '../chain-facts/fact-rows';
import {
  ArtworkContributorEntity,
  ArtworkEntity,
  ArtworkParentEntity,
  ArtworkTransferEntity,
  ArtworksHeadEntity,
  ARTWORKS_READ_MODEL_ENTITIES,
} from './artworks.entities';
import { artworkMintedArgs, transferArgs } from './artwork-args';

export const ARTWORKS_PROJECTION = 'chain-artworks';
export const ARTWORK_REGISTRY = 'ArtworkRegistry';
export { artworkMintedArgs, transferArgs } from './artwork-args';

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
    // A work's rows (the work, its links, its transfers) are written by its mints and transfers
    // alone, all keyed `${collection}:${tokenId}` (so on one partition), and the owner is read
    // from its own transfers: chunks of different partitions write different rows. All of them
    // raise the head (one row, a GREATEST, so their order is moot): a chunk waits for another's
    // commit only at that last statement.
    partitionsIndependent: true,
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
          `INSERT INTO ${t.transfers} (${TRANSFER_COLUMNS.join(', ')})
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (fact_id) DO NOTHING`,
          transferRow(fact, collection, a),
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
 * The batch form of applyArtworkFact, for a run of facts in order, folded in memory and written
 * in two steps whatever the retractions among them:
 * 1. transfers inserted and retracted ones deleted by fact id (FactRows, writeFactRows); works whose
 *    mint was retracted deleted (the row of that mint, or whatever row if the chunk upserted the
 *    retracted mint itself: one at a time, its upsert replaced the stored row and its retraction
 *    deleted it); the old parents and contributors of the works minted deleted;
 * 2. the last mint of each work upserted, its owner computed from the transfers (then written);
 *    its parents and contributors inserted; the links of works deleted in 1 deleted; the owner of
 *    every other work touched recomputed where it changes (a function of the believed transfers
 *    and the mint, so computing it once at the end gives what computing it after each fact gives).
 *    With enough rows (COPY_MIN_ROWS), the works are first taken to be new and loaded by COPY with
 *    their links (copyNewWorks), their owners then recomputed with the others; one stored work
 *    sends them back to the upsert.
 * A retraction of a fact of the same chunk drops what the fact buffered, and deletes a stored copy
 * of it too, so inserts and deletes name different rows. A fact that comes back after its
 * retraction in one chunk (never through the runner, which skips it; possible when called
 * directly) writes what is buffered first, so the rows are those of applyArtworkFact on each fact
 * in turn.
 */
export async function applyArtworkFacts(
  facts: readonly ChainFactEnvelope[],
  tx: EntityManager,
): Promise<void> {
  const ours = facts.filter((f) => f.contract === ARTWORK_REGISTRY);
  if (ours.length === 0) return;
  const t = tables(tx);
  const transfers = new FactRows(transfersTable(t));
  let mints = new Map<string, Mint>();
  // Works whose row a retracted mint deletes: that mint's fact id, or null for whatever row.
  let deletions = new Map<string, { key: WorkKey; facts: Set<string | null> }>();
  let retractedMints = new Set<string>();
  let touched = new Map<string, WorkKey>();
  const touch = (key: string, work: WorkKey) => touched.set(key, work);
  const flush = async (head?: SqlStatement) => {
    const list = [...mints.values()];
    const gone = [...deletions.entries()].filter(([key]) => !mints.has(key)).map(([, d]) => d.key);
    const others = [...touched.entries()].filter(([key]) => !mints.has(key)).map(([, w]) => w);
    const deleted = [...deletions.values()].flatMap((d) =>
      [...d.facts].map((fact) => [d.key[0], d.key[1], fact] as const),
    );
    // (Before writeFactRows empties the buffer: the chunk's believed transfers.)
    const latest = list.length > 0 ? latestTransfers(transfers.rows()) : new Map();
    await writeFactRows(
      tx,
      [transfers],
      [
        deleted.length > 0
          ? {
              sql: `DELETE FROM ${t.artworks} a
         USING unnest($1::text[], $2::numeric[], $3::text[]) AS k(collection, token_id, fact)
         WHERE a.collection = k.collection AND a.token_id = k.token_id
           AND a.token_id = ANY($2::numeric[]) AND (k.fact IS NULL OR a.mint_fact_id = k.fact)`,
              params: [
                deleted.map((d) => d[0]),
                deleted.map((d) => d[1]),
                deleted.map((d) => d[2]),
              ],
            }
          : undefined,
        ...(list.length > 0 ? deleteLinks(t, list.map(keyOfMint)) : []),
      ],
    );
    const links = linkRows(list);
    if (
      list.length + links.parents.length + links.contributors.length >= COPY_MIN_ROWS &&
      (await copyNewWorks(tx, t, list, links, latest))
    ) {
      // The works were new: loaded by COPY with the owner the chunk's transfers give; the owner
      // query below then corrects the few whose latest transfer was stored before the chunk.
      await writeTogether(tx, [
        ...(gone.length > 0 ? deleteLinks(t, gone, true) : []),
        recomputeOwners(t, [...others, ...list.map(keyOfMint)]),
        head,
      ]);
    } else {
      await writeTogether(tx, [
        ...(list.length > 0 ? [upsertMints(t, list), ...insertLinks(t, links)] : []),
        ...(gone.length > 0 ? deleteLinks(t, gone, true) : []),
        others.length > 0 ? recomputeOwners(t, others) : undefined,
        head,
      ]);
    }
    mints = new Map();
    deletions = new Map();
    retractedMints = new Set();
    touched = new Map();
  };
  for (const fact of ours) {
    const collection = fact.address;
    const retracted = fact.kind === 'retracted';
    const id = fact.factId;
    if (fact.event === 'ArtworkMinted') {
      const a = parseArgs(fact, artworkMintedArgs);
      const key = `${collection}/${a.tokenId}`;
      const work: WorkKey = [collection, a.tokenId];
      if (retracted) {
        // One at a time, its retraction deletes the row only if that mint made it.
        if (mints.get(key)?.fact.factId === id) {
          mints.delete(key);
          deletions.set(key, { key: work, facts: new Set([null]) });
        } else if (!mints.has(key)) {
          const d = deletions.get(key) ?? { key: work, facts: new Set() };
          if (!d.facts.has(null)) d.facts.add(id);
          deletions.set(key, d);
        }
        retractedMints.add(id);
      } else {
        if (retractedMints.has(id)) await flush();
        mints.delete(key); // the last mint of a work wins, in the order of the facts
        mints.set(key, { fact, a });
      }
      touch(key, work);
    } else if (fact.event === 'Transfer') {
      const a = parseArgs(fact, transferArgs);
      if (retracted) transfers.retract(id);
      else {
        if (transfers.retracted(id)) await flush();
        transfers.add(id, [transferRow(fact, collection, a)]);
      }
      touch(`${collection}/${a.tokenId}`, [collection, a.tokenId]);
    }
  }
  await flush(advanceHeads(tablePath(tx, ArtworksHeadEntity), ours));
}

type ArtworkMintedArgs = z.output<typeof artworkMintedArgs>;

/** A transfer's row in artwork_transfers, in TRANSFER_TYPES' order (one at a time and in a batch). */
function transferRow(
  fact: ChainFactEnvelope,
  collection: string,
  a: { tokenId: string; from: string; to: string },
): unknown[] {
  return [
    fact.factId,
    collection,
    a.tokenId,
    a.from,
    a.to,
    fact.blockNumber,
    fact.logIndex,
    fact.transactionHash,
    positionOf(fact).at,
  ];
}

const TRANSFER_COLUMNS = [
  'fact_id',
  'collection',
  'token_id',
  'from_address',
  'to_address',
  'block',
  'log_index',
  'tx_hash',
  'at',
];
const transfersTable = (t: Tables): FactTable => ({
  path: t.transfers,
  columns: TRANSFER_COLUMNS,
  types: TRANSFER_TYPES,
  key: 'fact_id',
});
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
/** A work: its collection and token id. */
type WorkKey = readonly [string, string];
const keyOfMint = (m: Mint): WorkKey => [m.fact.address, m.a.tokenId];

/**
 * The owner of `works` recomputed from the believed transfers (the latest by block and log index),
 * else whom the mint named, written only where it changes (a mint's own Transfer names the owner
 * the mint did): an UPDATE that changes nothing still writes a row version and an entry in every
 * index of the work. The `= ANY` beside each join on the keys hands the planner the keys as an
 * index condition (it had hashed a scan of the table).
 */
function recomputeOwners(t: Tables, works: readonly WorkKey[]): SqlStatement {
  return {
    sql: `UPDATE ${t.artworks} a SET owner = COALESCE(l.to_address, a.minted_to)
         FROM unnest($1::text[], $2::numeric[]) AS k(collection, token_id)
           LEFT JOIN LATERAL (SELECT to_address FROM ${t.transfers} x
             WHERE x.collection = k.collection AND x.token_id = k.token_id
             ORDER BY x.block DESC, x.log_index DESC LIMIT 1) l ON true
         WHERE a.collection = k.collection AND a.token_id = k.token_id
           AND a.collection = ANY($1::text[]) AND a.token_id = ANY($2::numeric[])
           AND a.owner IS DISTINCT FROM COALESCE(l.to_address, a.minted_to)`,
    params: [works.map((k) => k[0]), works.map((k) => k[1])],
  };
}

/** Each work's latest transfer among `rows` (artwork_transfers rows), by block and log index. */
function latestTransfers(rows: readonly FactRow[]): Map<string, TransferRowPart> {
  const latest = new Map<string, TransferRowPart>();
  for (const row of rows) {
    const [, collection, tokenId, , to, block, logIndex] = row as TransferRowTuple;
    const key = `${collection}/${tokenId}`;
    const seen = latest.get(key);
    if (!seen || block > seen.block || (block === seen.block && logIndex > seen.logIndex))
      latest.set(key, { block, logIndex, to });
  }
  return latest;
}
type TransferRowTuple = [string, string, string, string, string, number, number];
type TransferRowPart = { block: number; logIndex: number; to: string };

/**
 * Loads works taken to be new by COPY (with their parents and contributors), behind a savepoint:
 * false, and nothing of it written, when one of them was stored (unique_violation), and the
 * caller upserts them instead. A rebuild or a projector catching up mints thousands of new works a
 * chunk, which the upsert sent as twenty column arrays (the array literals were ~20 % of
 * chain-artworks' node CPU) and PostgreSQL unnested, looked up and inserted one by one. Each
 * work's owner is its latest transfer in the chunk, else whom the mint named: the caller's owner
 * query then corrects it from the transfers stored before the chunk.
 */
async function copyNewWorks(
  tx: EntityManager,
  t: Tables,
  mints: readonly Mint[],
  links: Links,
  latest: ReadonlyMap<string, TransferRowPart>,
): Promise<boolean> {
  await tx.query('SAVEPOINT artworks_new');
  try {
    const works = mints.map((m) => {
      const row = mintRow(m);
      row[3] = latest.get(`${m.fact.address}/${m.a.tokenId}`)?.to ?? m.a.owner;
      row.push(m.a.owner);
      return row;
    });
    await copyRows(tx, t.artworks, WORK_COLUMNS, works);
    await copyRows(tx, t.parents, PARENT_COLUMNS, links.parents);
    await copyRows(tx, t.contributors, CONTRIBUTOR_COLUMNS, links.contributors);
    return true;
  } catch (e) {
    if ((e as { code?: string }).code !== '23505') throw e;
    await tx.query('ROLLBACK TO SAVEPOINT artworks_new');
    return false;
  }
}

/** artworks' columns in the order of mintRow, then minted_to. */
const WORK_COLUMNS = [
  'collection',
  'token_id',
  'creator',
  'owner',
  'provenance_hash',
  'model_id',
  'model_hash',
  'prompt_hash',
  'seed',
  'manifest_hash',
  'manifest_uri',
  'royalty_receiver',
  'royalty_bps',
  'parent_count',
  'contributor_count',
  'minted_block',
  'minted_log_index',
  'minted_tx',
  'minted_at',
  'mint_fact_id',
  'minted_to',
];
const PARENT_COLUMNS = ['collection', 'token_id', 'parent_token_id', 'position'];
const CONTRIBUTOR_COLUMNS = ['collection', 'token_id', 'position', 'account', 'bps'];

/** A mint's artworks row in MINT_TYPES' order (the owner is whom the mint named). */
function mintRow({ fact, a }: Mint): unknown[] {
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
}

/**
 * The upsert of works (at most one mint per work), each with its owner: the latest believed
 * transfer's recipient (the transfers written before this statement), else whom the mint named.
 */
function upsertMints(t: Tables, mints: readonly Mint[]): SqlStatement {
  const rows = mints.map(mintRow);
  return {
    sql: `INSERT INTO ${t.artworks} (collection, token_id, creator, owner, provenance_hash, model_id,
       model_hash, prompt_hash, seed, manifest_hash, manifest_uri, royalty_receiver, royalty_bps,
       parent_count, contributor_count, minted_block, minted_log_index, minted_tx, minted_at,
       mint_fact_id, minted_to)
     SELECT u.collection, u.token_id, u.creator, COALESCE(l.to_address, u.owner),
       u.provenance_hash, u.model_id, u.model_hash, u.prompt_hash, u.seed, u.manifest_hash,
       u.manifest_uri, u.royalty_receiver, u.royalty_bps, u.parent_count, u.contributor_count,
       u.minted_block, u.minted_log_index, u.minted_tx, u.minted_at, u.mint_fact_id, u.owner
     FROM (${unnestSelect(MINT_TYPES)}) AS u(collection, token_id, creator,
       owner, provenance_hash, model_id, model_hash, prompt_hash, seed, manifest_hash, manifest_uri,
       royalty_receiver, royalty_bps, parent_count, contributor_count, minted_block,
       minted_log_index, minted_tx, minted_at, mint_fact_id)
       LEFT JOIN LATERAL (SELECT to_address FROM ${t.transfers} x
         WHERE x.collection = u.collection AND x.token_id = u.token_id
         ORDER BY x.block DESC, x.log_index DESC LIMIT 1) l ON true
     ON CONFLICT (collection, token_id) DO UPDATE SET owner = EXCLUDED.owner,
       creator = EXCLUDED.creator,
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

/**
 * Deletes the parents and contributors of works: those minted (they get the last mint's), or with
 * `goneOnly`, those left without a row (their mint retracted).
 */
function deleteLinks(t: Tables, works: readonly WorkKey[], goneOnly = false): SqlStatement[] {
  const keys = [works.map((w) => w[0]), works.map((w) => w[1])];
  const gone = goneOnly
    ? ` AND NOT EXISTS (SELECT 1 FROM ${t.artworks} a WHERE a.collection = k.collection AND a.token_id = k.token_id)`
    : '';
  return [t.parents, t.contributors].map((table) => ({
    sql: `DELETE FROM ${table} x USING unnest($1::text[], $2::numeric[]) AS k(collection, token_id)
       WHERE x.collection = k.collection AND x.token_id = k.token_id AND x.token_id = ANY($2::numeric[])${gone}`,
    params: keys,
  }));
}

/**
 * The parents and contributors of the last mint of each work, as rows of PARENT_COLUMNS and
 * CONTRIBUTOR_COLUMNS.
 */
interface Links {
  readonly parents: unknown[][];
  readonly contributors: unknown[][];
}

function linkRows(mints: readonly Mint[]): Links {
  return {
    parents: mints.flatMap(({ fact, a }) =>
      a.provenance.parents.map((parent, i) => [fact.address, a.tokenId, parent, i]),
    ),
    contributors: mints.flatMap(({ fact, a }) =>
      a.provenance.contributors.map((c, i) => [fact.address, a.tokenId, i, c.account, c.bps]),
    ),
  };
}

/** Inserts the parents and contributors of the last mint of each work. */
function insertLinks(t: Tables, { parents, contributors }: Links): (SqlStatement | undefined)[] {
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
