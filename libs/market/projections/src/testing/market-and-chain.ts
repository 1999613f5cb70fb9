// Harness of the readers that join the orders model and the chain-fact models (matched trades,
// activity): both in one PostgreSQL schema, as in the gateway; the market history
// (market-history.ts) and the chain history (chain-history.ts) applied with every event and
// fact applied twice; later facts delivered one at a time. Not exported.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { chainFact, toJsonArgs, type ChainFactEnvelope } from '@atelier/chain-messages';
import { createProjectionDataSource, ProjectionStore } from '@atelier/projections';
import { artworksProjection } from '../artworks/artworks.projection';
import { chainTradesProjection } from '../chain-trades/chain-trades.projection';
import { ordersProjection } from '../orders/orders.projection';
import { CHAIN_ID, FACTS, MARKETPLACE, REGISTRY } from './chain-history';
import { envelopeOf, playMarketHistory } from './market-history';

export interface MarketAndChain {
  readonly ds: DataSource;
  readonly history: Awaited<ReturnType<typeof playMarketHistory>>;
  /** Applies chain facts (each twice) to the chain models. */
  applyFacts(facts: readonly ChainFactEnvelope[]): Promise<void>;
  close(): Promise<void>;
}

export async function openMarketAndChain(tag: string): Promise<MarketAndChain> {
  const schema = `mkch_${randomUUID().slice(0, 8)}_${tag}`;
  const market = ordersProjection();
  const chain = [chainTradesProjection(), artworksProjection()];
  const ds = await createProjectionDataSource({
    url: process.env['GATEWAY_DATABASE_URL']!,
    schema,
    projections: [market, ...chain],
  });
  await new ProjectionStore(ds, schema).ensureSchema();
  const history = await playMarketHistory();
  for (const e of (await history.store.readAll({ maxCount: 10_000 })).map(envelopeOf))
    await ds.transaction(async (tx) => {
      await market.apply(e, tx);
      await market.apply(e, tx);
    });
  const applyFacts = async (facts: readonly ChainFactEnvelope[]) => {
    for (const f of facts)
      await ds.transaction(async (tx) => {
        for (const p of chain) {
          await p.apply(f, tx);
          await p.apply(f, tx);
        }
      });
  };
  await applyFacts(FACTS);
  return {
    ds,
    history,
    applyFacts,
    close: async () => {
      await ds.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      await ds.destroy();
    },
  };
}

/** One fact in a block of its own (timestamp as chain-history's: 1.8e9 + 12 s per block). */
export function factAt(
  blockNumber: number,
  contract: 'ArtworkRegistry' | 'Marketplace',
  event: string,
  args: Record<string, unknown>,
): ChainFactEnvelope {
  return chainFact({
    chainId: CHAIN_ID,
    contract,
    address: contract === 'ArtworkRegistry' ? REGISTRY : MARKETPLACE,
    event,
    blockNumber,
    blockHash: `0x${blockNumber.toString(16).padStart(64, 'c')}`,
    blockTimestamp: 1_800_000_000 + blockNumber * 12,
    transactionHash: `0x${blockNumber.toString(16).padStart(64, 'd')}`,
    transactionIndex: 0,
    logIndex: 0,
    args: toJsonArgs(args),
  });
}
