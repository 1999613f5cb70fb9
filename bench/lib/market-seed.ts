// A synthetic market for read benchmarks, written into a fresh schema of the bench stack's gateway
// database through the real projections (ProjectionStore.apply, with its checkpoints and stream
// positions), the way the gateway's projectors write it. Nothing goes through the chain or Kafka:
// the events and facts are made here, in the shapes the decider and the indexer's relay emit
// (market events through the market's own codec, chain facts through chainFact/toJsonArgs).
//
// - chain.artwork-registry -> chain-artworks: `artworks` works minted on one registry (ten a
//   block, each with its mint Transfer; every fifth has a parent, every third a contributor);
// - chain.marketplace -> chain-trades and chain-ledgers: a fee setting, a deposit for each of
//   `accounts` accounts, `trades` settled trades (TradeSettled, its RoyaltyCredited and
//   AttributionCredited totals and the work's Transfer);
// - market events -> market-orders: `orders` OrderAccepted, 40 % on the registry's collection
//   (over its works), the rest spread over 20 other collections; 60 % asks, 30 % token bids,
//   10 % collection bids; one in four accepted `fillable`, the others in the live status the
//   decider gives an order its maker cannot back yet (asks `not-owner`, bids `no-balance`).
//   Bids are priced below every ask, so nothing crosses.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { chainFact, toJsonArgs, type ChainFactEnvelope } from '@atelier/chain-messages';
import { MARKET_CATEGORY, marketEventCodec, type MarketEvent } from '@atelier/market-domain';
import {
  artworksProjection,
  chainTradesProjection,
  ledgersProjection,
  ordersProjection,
} from '@atelier/market-projections';
import type { EventEnvelope } from '@atelier/market-messages';
import {
  createProjectionDataSource,
  ProjectionStore,
  STORE_SOURCE,
  type Projection,
} from '@atelier/projections';

export interface SeedSize {
  readonly artworks: number;
  readonly orders: number;
  readonly accounts: number;
  readonly trades: number;
}

export interface SeededMarket {
  readonly schema: string;
  readonly registry: string;
  readonly currency: string;
  /** An account with a deposit, purchases, sales and royalties: the ledger read benched. */
  readonly ledgerAccount: string;
  /** A work with a parent, a contributor and a sale: the artwork read benched. */
  readonly artworkTokenId: string;
  readonly counts: Record<string, number>;
}

const CHAIN_ID = 31337;
const REGISTRY = '0x00000000000000000000000000000000be11a701';
const MARKETPLACE = '0x00000000000000000000000000000000be11a702';
const USD = '0x00000000000000000000000000000000be115d01';
const FEE = '0x00000000000000000000000000000000be11fee1';
const ZERO = `0x${'0'.repeat(40)}`;
const hex = (n: number | bigint, width: number, tag = '') =>
  `0x${tag}${n.toString(16).padStart(width - tag.length, '0')}`;
const account = (i: number) => hex(0xbe110000 + i, 40);
const contributor = (i: number) => hex(0xc0110000 + i, 40);
const collectionOf = (c: number) => (c === 0 ? REGISTRY : hex(0xbe11c000 + c, 40));
const CHUNK = 2_000;

/** Chain facts in blocks: each call is one block, its facts in log order. */
class FactLog {
  private block = 0;
  readonly registry: ChainFactEnvelope[] = [];
  readonly marketplace: ChainFactEnvelope[] = [];
  add(
    facts: readonly {
      contract: 'ArtworkRegistry' | 'Marketplace';
      event: string;
      args: Record<string, unknown>;
    }[],
  ): void {
    const n = ++this.block;
    facts.forEach((f, logIndex) => {
      const envelope = chainFact({
        chainId: CHAIN_ID,
        contract: f.contract,
        address: f.contract === 'ArtworkRegistry' ? REGISTRY : MARKETPLACE,
        event: f.event,
        blockNumber: n,
        blockHash: hex(n, 64, 'b'),
        blockTimestamp: 1_800_000_000 + n * 12,
        transactionHash: hex(n, 64, '7'),
        transactionIndex: 0,
        logIndex,
        args: toJsonArgs(f.args),
      });
      (f.contract === 'ArtworkRegistry' ? this.registry : this.marketplace).push(envelope);
    });
  }
}

/** Applies items of one source partition in chunks, positions 1.., as a projector would. */
async function applyAll<E>(
  store: ProjectionStore,
  projection: Projection<E>,
  ref: { source: string; partition: number },
  envelopes: readonly E[],
): Promise<void> {
  for (let i = 0; i < envelopes.length; i += CHUNK) {
    const items = envelopes
      .slice(i, i + CHUNK)
      .map((envelope, j) => ({ position: BigInt(i + j + 1), envelope }));
    const r = await store.apply(projection, ref, items);
    if (r.applied !== items.length)
      throw new Error(`${projection.name} applied ${r.applied} of ${items.length}`);
  }
}

function chainHistory(size: SeedSize): { facts: FactLog; creatorOf: (t: number) => string } {
  const facts = new FactLog();
  const creatorOf = (t: number) => account(t % 100);
  const ownerOf = (t: number) => account((t * 7) % size.accounts);
  facts.add([
    { contract: 'Marketplace', event: 'ProtocolFeeSet', args: { recipient: FEE, bps: 250 } },
  ]);
  for (let first = 1; first <= size.artworks; first += 10) {
    const block = [];
    for (let t = first; t < Math.min(first + 10, size.artworks + 1); t++) {
      const tokenId = BigInt(t);
      const owner = ownerOf(t);
      block.push(
        {
          contract: 'ArtworkRegistry' as const,
          event: 'Transfer',
          args: { from: ZERO, to: owner, tokenId },
        },
        {
          contract: 'ArtworkRegistry' as const,
          event: 'ArtworkMinted',
          args: {
            tokenId,
            creator: creatorOf(t),
            owner,
            provenanceHash: hex(t, 64, 'a'),
            royaltyReceiver: creatorOf(t),
            royaltyBps: 500,
            provenance: {
              modelId: t % 2 ? 'sdxl-1.0' : 'flux-1',
              modelHash: hex(t % 7, 64, 'd'),
              promptHash: hex(t, 64, 'e'),
              seed: 1000n + tokenId,
              manifestHash: hex(t, 64, 'f'),
              manifestURI: `ipfs://manifest/${t}`,
              parents: t > 10 && t % 5 === 0 ? [tokenId - 7n] : [],
              contributors: t % 3 === 0 ? [{ account: contributor(t % 50), bps: 100 }] : [],
            },
          },
        },
      );
    }
    facts.add(block);
  }
  for (let first = 0; first < size.accounts; first += 50)
    facts.add(
      Array.from({ length: Math.min(50, size.accounts - first) }, (_, k) => ({
        contract: 'Marketplace' as const,
        event: 'Deposited',
        args: { account: account(first + k), currency: USD, amount: 1_000_000_000n },
      })),
    );
  // Trade i sells work i + 1 from its minted owner to another account, once each.
  for (let i = 0; i < Math.min(size.trades, size.artworks); i++) {
    const t = i + 1;
    const seller = ownerOf(t);
    const buyer = account((t * 7 + size.accounts / 2) % size.accounts);
    const price = 1_000_000n + BigInt(t % 97) * 10_000n;
    const fee = (price * 250n) / 10_000n;
    const royalty = (price * 500n) / 10_000n;
    const attribution = t % 3 === 0 ? price / 100n : 0n;
    facts.add([
      {
        contract: 'Marketplace',
        event: 'TradeSettled',
        args: {
          askHash: hex(t, 64, 'aa'),
          bidHash: hex(t, 64, 'bb'),
          collection: REGISTRY,
          tokenId: BigInt(t),
          seller,
          buyer,
          currency: USD,
          price,
          protocolFee: fee,
          royaltyReceiver: creatorOf(t),
          royalty,
          attribution,
          sellerProceeds: price - fee - royalty - attribution,
        },
      },
      {
        contract: 'ArtworkRegistry',
        event: 'Transfer',
        args: { from: seller, to: buyer, tokenId: BigInt(t) },
      },
      {
        contract: 'Marketplace',
        event: 'RoyaltyCredited',
        args: { receiver: creatorOf(t), currency: USD, amount: royalty },
      },
      ...(attribution > 0n
        ? [
            {
              contract: 'Marketplace' as const,
              event: 'AttributionCredited',
              args: { contributor: contributor(t % 50), currency: USD, amount: attribution },
            },
          ]
        : []),
    ]);
  }
  return { facts, creatorOf };
}

/** The OrderAccepted events of one collection's market stream, revisions 0.. . */
function orderEvents(
  c: number,
  count: number,
  tokens: number,
  creatorOf: (t: number) => string,
  accounts: number,
  nextPosition: () => bigint,
): EventEnvelope[] {
  const collection = collectionOf(c);
  const streamName = `${MARKET_CATEGORY}-${collection}`;
  const out: EventEnvelope[] = [];
  for (let j = 1; j <= count; j++) {
    const kind = j % 10 < 6 ? 0 : j % 10 < 9 ? 1 : 2;
    const tokenId = kind === 2 ? 0 : (j % tokens) + 1;
    const price =
      kind === 0
        ? 2_000_000n + BigInt((j * 7919) % 500) * 10_000n
        : 100_000n + BigInt((j * 7919) % 500) * 1_000n;
    // One run of ten orders (every kind) in four is fillable: a quarter of each kind.
    const fillable = Math.floor(j / 10) % 4 === 0;
    const acceptedAt = new Date(Date.UTC(2026, 10, 1) + j * 1000).toISOString();
    const event: MarketEvent = {
      type: 'OrderAccepted',
      data: {
        collection: collection as never,
        hash: hex(c * 1_000_000 + j, 64, 'e') as never,
        order: {
          maker: account(j % accounts) as never,
          kind: kind as 0 | 1 | 2,
          collection: collection as never,
          tokenId: BigInt(tokenId),
          currency: USD as never,
          price,
          start: 0n,
          expiry: 4_000_000_000n,
          counter: 0n,
          nonce: BigInt(j),
        } as never,
        signature: `0x${'11'.repeat(65)}`,
        seq: j,
        acceptedAt,
        status: fillable ? 'fillable' : kind === 0 ? 'not-owner' : 'no-balance',
        reason: null,
        split:
          kind === 0
            ? {
                royaltyReceiver: creatorOf(tokenId) as never,
                royalty: (price * 500n) / 10_000n,
                contributors: [],
              }
            : null,
      },
    } as MarketEvent;
    const encoded = marketEventCodec.encode(event);
    out.push({
      eventId: randomUUID(),
      type: encoded.type,
      version: encoded.schemaVersion,
      streamName,
      streamRevision: BigInt(j - 1),
      globalPosition: nextPosition(),
      occurredAt: new Date(acceptedAt),
      correlationId: null,
      causationId: null,
      data: encoded.data as Record<string, unknown>,
      metadata: { occurredAt: acceptedAt },
    });
  }
  return out;
}

/** Creates `schema` with every read model of the gateway's read side and fills it. */
export async function seedMarket(
  url: string,
  schema: string,
  size: SeedSize,
  log: (msg: string) => void,
): Promise<SeededMarket> {
  const orders = ordersProjection();
  const artworks = artworksProjection();
  const trades = chainTradesProjection();
  const ledgers = ledgersProjection();
  const ds: DataSource = await createProjectionDataSource({
    url,
    schema,
    projections: [orders, artworks, trades, ledgers],
  });
  try {
    const store = new ProjectionStore(ds, schema);
    await store.ensureSchema();
    const { facts, creatorOf } = chainHistory(size);
    log(
      `applying ${facts.registry.length} registry facts, ${facts.marketplace.length} marketplace facts`,
    );
    await applyAll(
      store,
      artworks,
      { source: 'chain.artwork-registry', partition: 0 },
      facts.registry,
    );
    await applyAll(store, trades, { source: 'chain.marketplace', partition: 0 }, facts.marketplace);
    await applyAll(
      store,
      ledgers,
      { source: 'chain.marketplace', partition: 0 },
      facts.marketplace,
    );
    let position = 0n;
    const next = () => ++position;
    const collections = 21;
    const hot = Math.round(size.orders * 0.4);
    const streams = Array.from({ length: collections }, (_, c) =>
      orderEvents(
        c,
        c === 0 ? hot : Math.floor((size.orders - hot) / (collections - 1)),
        c === 0 ? size.artworks : 1_000,
        creatorOf,
        size.accounts,
        next,
      ),
    );
    const total = streams.reduce((n, s) => n + s.length, 0);
    log(`applying ${total} OrderAccepted over ${collections} market streams`);
    // One partition per stream, as the market topics are keyed by stream; four at a time.
    for (let c = 0; c < collections; c += 4)
      await Promise.all(
        streams
          .slice(c, c + 4)
          .map((s, k) => applyAll(store, orders, { source: STORE_SOURCE, partition: c + k }, s)),
      );
    for (const table of [
      'market_orders',
      'artworks',
      'artwork_transfers',
      'chain_trades',
      'ledger_entries',
    ])
      await ds.query(`ANALYZE "${schema}".${table}`);
    const count = async (table: string) =>
      Number((await ds.query(`SELECT count(*)::int AS n FROM "${schema}".${table}`))[0].n);
    const counts: Record<string, number> = {};
    for (const table of [
      'artworks',
      'artwork_transfers',
      'chain_trades',
      'ledger_entries',
      'market_orders',
    ])
      counts[table] = await count(table);
    counts['fillableOrders'] = Number(
      (
        await ds.query(
          `SELECT count(*)::int AS n FROM "${schema}".market_orders WHERE status = 'fillable'`,
        )
      )[0].n,
    );
    return {
      schema,
      registry: REGISTRY,
      currency: USD,
      ledgerAccount: account(15),
      artworkTokenId: '15',
      counts,
    };
  } finally {
    await ds.destroy();
  }
}
