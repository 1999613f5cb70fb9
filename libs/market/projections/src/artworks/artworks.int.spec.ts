// The artworks read model on real PostgreSQL, through the projection runner: given three
// mints (with parents and contributors) and their transfers, the rows hold every provenance
// field and the current owner; lineage walks ancestors and descendants; a reorg that retracts
// a sale gives the work back to its seller; any interleaving, each fact twice, and a rebuild
// from offset 0 all give the same rows.
import { tablePath } from '@atelier/projections';
import {
  ALICE,
  BOB,
  BUYER,
  BUYER2,
  CREATOR1,
  FACTS,
  K1,
  K2,
  REGISTRY,
  RETRACTIONS,
} from '../testing/chain-history';
import { retractionOf } from '@atelier/chain-messages';
import { closeChainModels, dump, openChainModel, type ChainModel } from '../testing/chain-model';
import { ChainReadError } from '../chain-facts/chain-facts';
import {
  ArtworkContributorEntity,
  ArtworkEntity,
  ArtworkParentEntity,
  ArtworkTransferEntity,
} from './artworks.entities';
import { artworksProjection } from './artworks.projection';
import { ArtworksReader } from './artworks.reader';

const rows = (m: ChainModel) => {
  const t = (e: Parameters<typeof tablePath>[1]) => tablePath(m.ds.manager, e);
  return dump(m.ds, {
    artworks: `SELECT * FROM ${t(ArtworkEntity)} ORDER BY collection, token_id`,
    parents: `SELECT * FROM ${t(ArtworkParentEntity)} ORDER BY collection, token_id, parent_token_id`,
    contributors: `SELECT * FROM ${t(ArtworkContributorEntity)} ORDER BY collection, token_id, position`,
    transfers: `SELECT * FROM ${t(ArtworkTransferEntity)} ORDER BY fact_id`,
  });
};

afterAll(closeChainModels);

describe('artworks read model', () => {
  let live: ChainModel;
  let reader: ArtworksReader;

  beforeAll(async () => {
    live = await openChainModel('artworks_live', artworksProjection());
    reader = new ArtworksReader(live.ds);
    await live.deliver(FACTS, 3);
  });

  it('given the mints, each work has its full provenance, contributors, parents and owner', async () => {
    const w = await reader.get(REGISTRY, '2');
    expect(w).toEqual({
      collection: REGISTRY,
      tokenId: '2',
      creator: expect.any(String),
      owner: BUYER,
      provenance: {
        provenanceHash: `0xa${'2'.padStart(63, '0')}`,
        modelId: 'sdxl-1.0',
        modelHash: `0xd${'2'.padStart(63, '0')}`,
        promptHash: `0xe${'2'.padStart(63, '0')}`,
        seed: '1002',
        manifestHash: `0xf${'2'.padStart(63, '0')}`,
        manifestURI: 'ipfs://manifest/2',
      },
      royalty: { receiver: expect.any(String), bps: 500 },
      parentCount: 1,
      contributorCount: 2,
      minted: {
        block: '3',
        logIndex: 1,
        transactionHash: expect.stringMatching(/^0x7/),
        at: expect.any(String),
      },
      parents: ['1'],
      contributors: [
        { account: K1, bps: 100 },
        { account: K2, bps: 200 },
      ],
    });
    expect((await reader.get(REGISTRY, '3'))!.owner).toBe(BUYER2); // sold in block 10
    expect(await reader.get(REGISTRY, '4')).toBeNull();
  });

  it('lineage: ancestors and descendants, nearest first', async () => {
    const three = await reader.lineage(REGISTRY, '3');
    expect(three!.ancestors.map((n) => [n.tokenId, n.depth])).toEqual([
      ['1', 1],
      ['2', 1],
    ]);
    expect(three!.descendants).toEqual([]);
    const one = await reader.lineage(REGISTRY, '1');
    expect(one!.descendants.map((n) => [n.tokenId, n.depth])).toEqual([
      ['2', 1],
      ['3', 1],
    ]);
    expect(one!.descendants[0]!.artwork!.creator).toBeDefined();
    expect(await reader.lineage(REGISTRY, '42')).toBeNull();
  });

  it('lists newest or oldest first with a keyset cursor, filtered by creator, owner, model', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await reader.list({ limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((w) => w.tokenId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(['3', '2', '1']);
    const oldest = await reader.list({ sort: 'oldest', limit: 2 });
    expect(oldest.items.map((w) => w.tokenId)).toEqual(['1', '2']);
    expect((await reader.list({ creator: CREATOR1 })).items.map((w) => w.tokenId)).toEqual([
      '3',
      '1',
    ]);
    expect((await reader.list({ model: 'flux-1' })).items.map((w) => w.tokenId)).toEqual(['3']);
    expect((await reader.list({ owner: BUYER })).items.map((w) => w.tokenId)).toEqual(['2', '1']);
    // A cursor of another sort, or not one of ours, is refused.
    await expect(reader.list({ sort: 'newest', cursor: oldest.nextCursor! })).rejects.toThrow(
      ChainReadError,
    );
    await expect(reader.list({ cursor: "' OR 1=1 --" })).rejects.toMatchObject({
      code: 'READ.BAD_CURSOR',
    });
  });

  it('a reorg that retracts a sale gives the work back to its seller', async () => {
    const before = await rows(live);
    await live.deliver(RETRACTIONS, 4);
    expect((await reader.get(REGISTRY, '3'))!.owner).toBe(BOB);
    expect((await reader.get(REGISTRY, '1'))!.owner).toBe(BUYER);
    expect((await reader.list({ owner: ALICE })).items).toEqual([]);
    expect(await rows(live)).not.toEqual(before);
  });

  it('any interleaving, each fact twice, and a rebuild from offset 0 give the same rows', async () => {
    const expected = await rows(live);
    const other = await openChainModel('artworks_s11', artworksProjection());
    await other.deliver([...FACTS, ...RETRACTIONS], 11);
    expect(await rows(other)).toEqual(expected);

    const twice = await openChainModel('artworks_twice', artworksProjection());
    for (const f of [...FACTS, ...RETRACTIONS])
      await twice.ds.transaction(async (tx) => {
        await twice.projection.apply(f, tx);
        await twice.projection.apply(f, tx);
      });
    expect(await rows(twice)).toEqual(expected);

    const { tx, release } = await live.store.lockExclusively(live.projection);
    try {
      await live.store.reset(live.projection, tx);
    } finally {
      await release();
    }
    await live.store.ensureSchema();
    await live.deliver([...FACTS, ...RETRACTIONS], 12);
    expect(await rows(live)).toEqual(expected);
  });

  it('a retracted mint deletes the work, its parents and contributors', async () => {
    const m = await openChainModel('artworks_mint_retracted', artworksProjection());
    const mints = FACTS.filter((f) => f.blockNumber === 3);
    await m.deliver(mints);
    expect(await new ArtworksReader(m.ds).get(REGISTRY, '2')).not.toBeNull();
    await m.deliver(mints.map(retractionOf));
    const left = await rows(m);
    expect(left).toEqual({ artworks: [], parents: [], contributors: [], transfers: [] });
  });
});
