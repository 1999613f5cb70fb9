// Batch application of the chain-fact read models (artworks, chain-trades, ledgers) against real
// PostgreSQL: for random chain histories (mints and replacement mints, transfers, settled trades
// with their credits, deposits, withdrawals, fee settings; retractions of some facts, in the same
// chunk or later; facts delivered again), applyBatch over random chunks gives the rows of apply
// one fact at a time, both called directly (the projection's own guards, duplicates included)
// and through the runner (ProjectionStore.apply, batch on and off). A chunk that crashes midway
// (an error, or the connection killed under it) leaves nothing written and no checkpoint moved,
// and delivering it again gives the same rows. The runner records only the positions a model's
// rows cannot dedupe (retractions; artworks' mints too): copies republished under new offsets,
// before and after their retractions, give the rows of a runner that records every fact.
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import {
  chainFact,
  retractionOf,
  toJsonArgs,
  type ChainFactEnvelope,
} from '@atelier/chain-messages';
import {
  chainFacts,
  createProjectionDataSource,
  ProjectionStore,
  type Projection,
} from '@atelier/projections';
import { artworksProjection } from '../artworks/artworks.projection';
import { ledgersProjection } from '../ledgers/ledgers.projection';
import { rng } from '../testing/chain-history';
import { chainTradesProjection } from './chain-trades.projection';

const run = randomUUID().slice(0, 8);
const url = process.env['GATEWAY_DATABASE_URL']!;
const opened: { ds: DataSource; schema: string }[] = [];

const REGISTRY = '0x00000000000000000000000000000000000b7001';
const MARKETPLACE = '0x00000000000000000000000000000000000b7002';
const USD = '0x0000000000000000000000000000000000005d01';
const ZERO = `0x${'0'.repeat(40)}`;
const addr = (n: number) => `0x${n.toString(16).padStart(40, '0')}`;
const h = (tag: string, n: number) => `0x${tag}${n.toString(16).padStart(64 - tag.length, '0')}`;

type Spec = { contract: 'ArtworkRegistry' | 'Marketplace'; event: string; args: object };

/** A random chain history as delivered: facts, some retracted, some delivered twice. */
function history(seed: number, blocks: number): ChainFactEnvelope[] {
  const random = rng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const accounts = Array.from({ length: 6 }, (_, i) => addr(0xa00 + i));
  const owners = new Map<bigint, string>();
  let nextToken = 1n;
  const facts: ChainFactEnvelope[] = [];
  for (let n = 1; n <= blocks; n++) {
    const specs: Spec[] = [];
    for (let k = 0, count = 1 + Math.floor(random() * 4); k < count; k++) {
      const roll = random();
      if (roll < 0.3 || owners.size === 0) {
        // a new work, or now and then a replacement mint of an existing token id
        const tokenId = owners.size > 0 && random() < 0.1 ? pick([...owners.keys()]) : nextToken++;
        const owner = pick(accounts);
        const parents = [...owners.keys()].filter((t) => t !== tokenId && random() < 0.2);
        owners.set(tokenId, owner);
        specs.push(
          {
            contract: 'ArtworkRegistry',
            event: 'Transfer',
            args: { from: ZERO, to: owner, tokenId },
          },
          {
            contract: 'ArtworkRegistry',
            event: 'ArtworkMinted',
            args: {
              tokenId,
              creator: pick(accounts),
              owner,
              provenanceHash: h('a', n * 10 + k),
              royaltyReceiver: pick(accounts),
              royaltyBps: Math.floor(random() * 1000),
              provenance: {
                modelId: pick(['sdxl-1.0', 'flux-1']),
                modelHash: h('d', n),
                promptHash: h('e', n * 10 + k),
                seed: BigInt(n * 10 + k),
                manifestHash: h('f', n * 10 + k),
                manifestURI: `ipfs://manifest/${n}/${k}`,
                parents: parents.slice(0, 3),
                contributors: random() < 0.5 ? [{ account: pick(accounts), bps: 100 }] : [],
              },
            },
          },
        );
      } else if (roll < 0.5) {
        const tokenId = pick([...owners.keys()]);
        const to = pick(accounts);
        specs.push({
          contract: 'ArtworkRegistry',
          event: 'Transfer',
          args: { from: owners.get(tokenId)!, to, tokenId },
        });
        owners.set(tokenId, to);
      } else if (roll < 0.75) {
        const tokenId = pick([...owners.keys()]);
        const seller = owners.get(tokenId)!;
        const buyer = pick(accounts);
        const price = BigInt(1000 + Math.floor(random() * 9000));
        const fee = price / 40n;
        const royalty = price / 20n;
        const attribution = random() < 0.5 ? price / 100n : 0n;
        specs.push(
          {
            contract: 'Marketplace',
            event: 'TradeSettled',
            args: {
              askHash: h('aa', n * 10 + k),
              bidHash: h('bb', n * 10 + k),
              collection: REGISTRY,
              tokenId,
              seller,
              buyer,
              currency: USD,
              price,
              protocolFee: fee,
              royaltyReceiver: pick(accounts),
              royalty,
              attribution,
              sellerProceeds: price - fee - royalty - attribution,
            },
          },
          {
            contract: 'ArtworkRegistry',
            event: 'Transfer',
            args: { from: seller, to: buyer, tokenId },
          },
          {
            contract: 'Marketplace',
            event: 'RoyaltyCredited',
            args: { receiver: pick(accounts), currency: USD, amount: royalty },
          },
          {
            contract: 'Marketplace',
            event: 'AttributionCredited',
            args: { contributor: pick(accounts), currency: USD, amount: attribution },
          },
        );
        owners.set(tokenId, buyer);
      } else if (roll < 0.9) {
        specs.push({
          contract: 'Marketplace',
          event: random() < 0.7 ? 'Deposited' : 'Withdrawn',
          args: {
            account: pick(accounts),
            currency: USD,
            amount: BigInt(Math.floor(random() * 500)),
          },
        });
      } else {
        specs.push({
          contract: 'Marketplace',
          event: 'ProtocolFeeSet',
          args: { recipient: pick(accounts), bps: Math.floor(random() * 500) },
        });
      }
    }
    specs.forEach((s, logIndex) =>
      facts.push(
        chainFact({
          chainId: 31337,
          contract: s.contract,
          address: s.contract === 'ArtworkRegistry' ? REGISTRY : MARKETPLACE,
          event: s.event,
          blockNumber: n,
          blockHash: h('b', n),
          blockTimestamp: 1_800_000_000 + n * 12,
          transactionHash: h('7', n),
          transactionIndex: 0,
          logIndex,
          args: toJsonArgs(s.args as Record<string, unknown>),
        }),
      ),
    );
  }
  // Reorgs retract some facts (soon after, or much later); some messages arrive twice.
  const out: ChainFactEnvelope[] = [];
  const later: ChainFactEnvelope[] = [];
  for (const f of facts) {
    out.push(f);
    if (random() < 0.08) (random() < 0.5 ? out : later).push(retractionOf(f));
    if (random() < 0.05) out.push(random() < 0.5 ? f : pick(out));
    if (later.length > 0 && random() < 0.05) out.push(later.shift()!);
  }
  return [...out, ...later];
}

async function model(tag: string, projection: Projection<ChainFactEnvelope>) {
  const schema = `chainb_${run}_${tag}`;
  const ds = await createProjectionDataSource({ url, schema, projections: [projection] });
  opened.push({ ds, schema });
  const store = new ProjectionStore(ds, schema);
  await store.ensureSchema();
  return { ds, store };
}

/** Every row of the projection's tables, in a stable order. */
async function rows(ds: DataSource, projection: Projection<ChainFactEnvelope>) {
  const out: Record<string, unknown> = {};
  for (const entity of projection.entities) {
    const path = ds.getMetadata(entity).tablePath;
    const [schema, table] = path.split('.');
    out[table!] = JSON.parse(
      JSON.stringify(await ds.query(`SELECT * FROM "${schema}"."${table}" x ORDER BY x::text`)),
    );
  }
  return out;
}

/** Random chunk sizes from 1 to 40 (Kafka's batches are uneven). */
function chunks<T>(list: readonly T[], seed: number): T[][] {
  const random = rng(seed);
  const out: T[][] = [];
  for (let i = 0; i < list.length;) {
    const n = 1 + Math.floor(random() * 40);
    out.push(list.slice(i, i + n));
    i += n;
  }
  return out;
}

// Each test's schemas and connections go when it ends (the shared test database has a few
// dozen connection slots, and every model holds a pool).
afterEach(async () => {
  for (const { ds, schema } of opened.splice(0)) {
    await ds.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await ds.destroy();
  }
});

/** A registry fact of block `n` (a mint of `tokenId`, or its Transfer to `owner`). */
function registryFact(
  n: number,
  event: 'ArtworkMinted' | 'Transfer',
  tokenId: bigint,
  owner: string,
) {
  const args =
    event === 'Transfer'
      ? { from: ZERO, to: owner, tokenId }
      : {
          tokenId,
          creator: owner,
          owner,
          provenanceHash: h('a', n),
          royaltyReceiver: owner,
          royaltyBps: 100,
          provenance: {
            modelId: 'flux-1',
            modelHash: h('d', n),
            promptHash: h('e', n),
            seed: BigInt(n),
            manifestHash: h('f', n),
            manifestURI: `ipfs://manifest/${n}`,
            parents: [],
            contributors: [{ account: owner, bps: 100 + n }],
          },
        };
  return chainFact({
    chainId: 31337,
    contract: 'ArtworkRegistry',
    address: REGISTRY,
    event,
    blockNumber: n,
    blockHash: h('b', n),
    blockTimestamp: 1_800_000_000 + n * 12,
    transactionHash: h('7', n),
    transactionIndex: 0,
    logIndex: event === 'Transfer' ? 0 : 1,
    args: toJsonArgs(args),
  });
}

it('chain-artworks: a mint and its retraction in one chunk, over a stored work of another mint, leave the work deleted as one at a time does', async () => {
  const projection = artworksProjection();
  const alice = addr(0xa01);
  const bob = addr(0xa02);
  const stored = [
    registryFact(1, 'Transfer', 1n, alice),
    registryFact(1, 'ArtworkMinted', 1n, alice),
  ];
  const replacement = registryFact(2, 'ArtworkMinted', 1n, bob);
  const chunk = [
    registryFact(2, 'Transfer', 1n, bob),
    replacement,
    retractionOf(replacement),
    // and a retraction of a mint that made no stored row: nothing to delete
    retractionOf(registryFact(3, 'ArtworkMinted', 2n, bob)),
  ];
  const one = await model('aw_pair_one', projection);
  for (const f of [...stored, ...chunk]) await one.ds.transaction((tx) => projection.apply(f, tx));
  const batch = await model('aw_pair_bat', projection);
  await batch.ds.transaction((tx) => projection.applyBatch!(stored, tx));
  await batch.ds.transaction((tx) => projection.applyBatch!(chunk, tx));
  const expected = await rows(one.ds, projection);
  expect(expected['artworks']).toEqual([]);
  expect(expected['artwork_contributors']).toEqual([]);
  expect(await rows(batch.ds, projection)).toEqual(expected);
});

/**
 * `tx` with the SQL of each query it sends pushed to `sent` (a COPY goes by the transaction's own
 * connection, not query: only its savepoints show).
 */
const spied = (tx: EntityManager, sent: string[]): EntityManager =>
  new Proxy(tx, {
    get: (target, key, receiver) =>
      key === 'query'
        ? (sql: string, params?: unknown[]) => {
            sent.push(sql);
            return target.query(sql, params);
          }
        : Reflect.get(target, key, receiver),
  });

it('chain-artworks: works loaded by COPY take their owner from the transfers stored before their chunk', async () => {
  const projection = artworksProjection();
  const alice = addr(0xa01);
  const bob = addr(0xa02);
  // Token 1's transfers came in a chunk before its mint (facts of a work may arrive in any
  // order): alice, then bob. Its mint comes with 60 other new works, enough to go by COPY.
  const resale = chainFact({
    chainId: 31337,
    contract: 'ArtworkRegistry',
    address: REGISTRY,
    event: 'Transfer',
    blockNumber: 2,
    blockHash: h('b', 2),
    blockTimestamp: 1_800_000_024,
    transactionHash: h('7', 2),
    transactionIndex: 0,
    logIndex: 0,
    args: toJsonArgs({ from: alice, to: bob, tokenId: 1n }),
  });
  const stored = [registryFact(1, 'Transfer', 1n, alice), resale];
  const chunk = [
    registryFact(1, 'ArtworkMinted', 1n, alice),
    ...Array.from({ length: 60 }, (_, i) => [
      registryFact(10 + i, 'Transfer', BigInt(100 + i), addr(0xb00 + i)),
      registryFact(10 + i, 'ArtworkMinted', BigInt(100 + i), addr(0xb00 + i)),
    ]).flat(),
  ];
  const one = await model('aw_copy_one', projection);
  for (const f of [...stored, ...chunk]) await one.ds.transaction((tx) => projection.apply(f, tx));
  const batch = await model('aw_copy_bat', projection);
  const sent: string[] = [];
  await batch.ds.transaction((tx) => projection.applyBatch!(stored, tx));
  await batch.ds.transaction((tx) => projection.applyBatch!(chunk, spied(tx, sent)));
  expect(sent).toContain('SAVEPOINT artworks_new');
  expect(sent).not.toContain('ROLLBACK TO SAVEPOINT artworks_new');
  const expected = await rows(one.ds, projection);
  const works = expected['artworks'] as { token_id: string; owner: string }[];
  expect(works).toHaveLength(61);
  expect(works.find((w) => w.token_id === '1')?.owner).toBe(bob);
  expect(await rows(batch.ds, projection)).toEqual(expected);
});

const projections = [
  ['chain-artworks', artworksProjection],
  ['chain-trades', chainTradesProjection],
  ['chain-ledgers', ledgersProjection],
] as const;

describe.each(projections)('%s: applyBatch', (name, make) => {
  const projection = make();
  const tag = name.replace('chain-', '');

  it.each([1, 2, 3, 4, 5, 6])(
    'gives the rows of apply one fact at a time (random history %i, duplicates and retractions included)',
    async (seed) => {
      const facts = history(seed, 60);
      expect(facts.some((f) => f.kind === 'retracted')).toBe(true);
      const one = await model(`${tag}_one_${seed}`, projection);
      for (const f of facts) await one.ds.transaction((tx) => projection.apply(f, tx));
      const batch = await model(`${tag}_bat_${seed}`, projection);
      for (const chunk of chunks(facts, seed + 100))
        await batch.ds.transaction((tx) => projection.applyBatch!(chunk, tx));
      const expected = await rows(one.ds, projection);
      expect(Object.values(expected).some((t) => (t as unknown[]).length > 0)).toBe(true);
      expect(await rows(batch.ds, projection)).toEqual(expected);
    },
  );

  it('in chunks large enough to load by COPY, then delivered again whole (its rows stored: COPY fails and the chunk goes again from its savepoint), gives the rows of small chunks', async () => {
    const facts = history(21, 500);
    let sent: string[] = [];
    // The reference: chunks of 1 to 8 facts, each written as one statement (as the tests above
    // prove chunks equal to one fact at a time).
    const small = await model(`${tag}_small`, projection);
    const twice = [...facts, ...facts];
    for (let i = 0, n = 1; i < twice.length; i += n, n = 1 + (n % 8)) {
      const chunk = twice.slice(i, i + n);
      await small.ds.transaction((tx) => projection.applyBatch!(chunk, spied(tx, sent)));
    }
    expect(sent).not.toContain('SAVEPOINT fact_rows');
    const expected = await rows(small.ds, projection);

    const big = await model(`${tag}_big`, projection);
    sent = [];
    for (let i = 0; i < facts.length; i += 1500) {
      const chunk = facts.slice(i, i + 1500);
      await big.ds.transaction((tx) => projection.applyBatch!(chunk, spied(tx, sent)));
    }
    expect(sent).toContain('SAVEPOINT fact_rows');
    // (chain-artworks loads its new works by COPY too, behind a savepoint of its own.)
    if (name === 'chain-artworks') expect(sent).toContain('SAVEPOINT artworks_new');
    sent = [];
    await big.ds.transaction((tx) => projection.applyBatch!(facts, spied(tx, sent)));
    expect(sent).toContain('ROLLBACK TO SAVEPOINT fact_rows');
    if (name === 'chain-artworks') expect(sent).toContain('ROLLBACK TO SAVEPOINT artworks_new');
    expect(await rows(big.ds, projection)).toEqual(expected);
  });

  it('through the runner: batch on equals batch off, chunk by chunk with checkpoints', async () => {
    const facts = history(7, 80);
    const ref = { source: 'spec', partition: 0 };
    const apply = async (m: Awaited<ReturnType<typeof model>>, batch: boolean) => {
      let offset = 0n;
      for (const chunk of chunks(facts, 11)) {
        const items = chunk.map((envelope) => ({ position: offset++, envelope }));
        await m.store.apply(projection, ref, items, { batch });
      }
    };
    const off = await model(`${tag}_off`, projection);
    await apply(off, false);
    const on = await model(`${tag}_on`, projection);
    await apply(on, true);
    expect(await rows(on.ds, projection)).toEqual(await rows(off.ds, projection));
    expect(await on.store.position(projection.name, ref)).toBe(BigInt(facts.length - 1));
  });

  it('records only what its rows cannot dedupe: copies republished under new offsets give the rows of a runner that records every fact', async () => {
    const facts = history(13, 80);
    const retracted = new Set(facts.filter((f) => f.kind === 'retracted').map((f) => f.factId));
    expect(retracted.size).toBeGreaterThan(0);
    // The history, then all of it republished (a relay that lost its checkpoint), then its facts
    // again newest first: a copy after its retraction, and (artworks) an older mint's copy after
    // a later mint of the same token id.
    const delivered = [...facts, ...facts, ...facts.filter((f) => f.kind === 'fact').reverse()];
    const ref = { source: 'spec', partition: 0 };
    const apply = async (
      m: Awaited<ReturnType<typeof model>>,
      p: Projection<ChainFactEnvelope>,
      batch: boolean,
    ) => {
      let offset = 0n;
      for (const chunk of chunks(delivered, 17)) {
        const items = chunk.map((envelope) => ({ position: offset++, envelope }));
        await m.store.apply(p, ref, items, { batch });
      }
    };
    // The reference: the same runner recording every fact's position (chainFacts).
    const everyFact: Projection<ChainFactEnvelope> = { ...projection, format: chainFacts };
    const reference = await model(`${tag}_rec_ref`, everyFact);
    await apply(reference, everyFact, true);
    const expected = await rows(reference.ds, everyFact);
    for (const batch of [true, false]) {
      const m = await model(`${tag}_rec_${batch ? 'on' : 'off'}`, projection);
      await apply(m, projection, batch);
      expect(await rows(m.ds, projection)).toEqual(expected);
      // Positions recorded: the retractions, and (artworks) the mints; nothing else.
      const recorded: { stream_name: string }[] = await m.ds.query(
        `SELECT stream_name FROM "chainb_${run}_${tag}_rec_${batch ? 'on' : 'off'}".projection_stream_positions`,
      );
      const mints =
        name === 'chain-artworks'
          ? facts.filter((f) => f.event === 'ArtworkMinted').map((f) => f.factId)
          : [];
      expect(new Set(recorded.map((r) => r.stream_name))).toEqual(
        new Set([...retracted, ...mints]),
      );
    }
  });

  it('a chunk that crashes midway writes nothing; delivered again it gives the same rows', async () => {
    const facts = history(9, 40);
    const ref = { source: 'spec', partition: 0 };
    const items = facts.map((envelope, i) => ({ position: BigInt(i), envelope }));
    const [head, tail] = [items.slice(0, 20), items.slice(20)];
    const reference = await model(`${tag}_crash_ref`, projection);
    await reference.store.apply(projection, ref, items);

    const m = await model(`${tag}_crash`, projection);
    await m.store.apply(projection, ref, head);
    const before = await rows(m.ds, projection);
    // Half of the chunk written, then an error; then the same with the connection killed.
    const failing: Projection<ChainFactEnvelope> = {
      ...projection,
      applyBatch: async (list, tx) => {
        await projection.applyBatch!(list.slice(0, Math.ceil(list.length / 2)), tx);
        throw new Error('crash in the middle of the batch');
      },
    };
    await expect(m.store.apply(failing, ref, tail)).rejects.toMatchObject({
      code: 'PROJECTION.APPLY_FAILED',
    });
    const killed: Projection<ChainFactEnvelope> = {
      ...projection,
      applyBatch: async (list, tx) => {
        await projection.applyBatch!(list.slice(0, Math.ceil(list.length / 2)), tx);
        await tx.query('SELECT pg_terminate_backend(pg_backend_pid())');
      },
    };
    await expect(m.store.apply(killed, ref, tail)).rejects.toThrow();
    expect(await rows(m.ds, projection)).toEqual(before);
    expect(await m.store.position(projection.name, ref)).toBe(19n);
    // Redelivered (with the head again, as Kafka would from the committed offset).
    await m.store.apply(projection, ref, items);
    expect(await rows(m.ds, projection)).toEqual(await rows(reference.ds, projection));
  });
});
