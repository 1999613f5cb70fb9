// Ledgers and collection stats over GraphQL: an account's Marketplace ledger per currency with
// what matched, unsettled trades will move (REST GET /v1/ledgers/:account; as of a block with
// `asOfBlock`, then without pending amounts) and a collection's volume, sales, buyers and floor
// (REST GET /v1/collections/:address/stats), each with the positions its models reflect and the
// same `minPosition` / `minMarketPosition` waits.
import { Inject } from '@nestjs/common';
import { Args, Query, Resolver } from '@nestjs/graphql';
import {
  withPending,
  type ChainTradesReader,
  type LedgersReader,
  type MatchedTradesReader,
} from '@atelier/market-projections';
import { readLedger } from '../read/ledger-read';
import { ReadPositions } from '../read/read-positions';
import { chainReadQuery, ledgerReadQuery } from '../read/read-market.query';
import { accountParams, collectionParams } from '../read/read.query';
import { CHAIN_TRADES_READER, LEDGERS_READER, MATCHED_TRADES_READER } from '../read/read.tokens';
import { parseArgs } from './graphql.args';
import { CollectionStats, type CurrencyLedger, Ledger } from './read.types';

const optional = { type: () => String, nullable: true } as const;
@Resolver()
export class LedgersResolver {
  constructor(
    @Inject(LEDGERS_READER) private readonly ledgers: LedgersReader,
    @Inject(CHAIN_TRADES_READER) private readonly trades: ChainTradesReader,
    @Inject(MATCHED_TRADES_READER) private readonly matched: MatchedTradesReader,
    private readonly positions: ReadPositions,
  ) {}

  @Query(() => Ledger, {
    description:
      "An account's Marketplace balance per currency, what made it and what pending trades will move; an account never seen has no currencies",
  })
  async ledger(
    @Args('account', { type: () => String }) account: string,
    @Args('currency', { ...optional, description: 'one currency only' }) currency?: string,
    @Args('asOfBlock', {
      ...optional,
      description: 'balances from the facts of blocks up to this one, inclusive (docs/analysts.md)',
    })
    asOfBlock?: string,
    @Args('minPosition', {
      ...optional,
      description: 'wait for the chain model to reach this block',
    })
    minPosition?: string,
    @Args('minMarketPosition', {
      ...optional,
      description: 'wait for the orders model to apply the market event at this global position',
    })
    minMarketPosition?: string,
  ): Promise<Ledger> {
    const p = parseArgs(accountParams, { account });
    const q = parseArgs(ledgerReadQuery, { currency, asOfBlock, minPosition, minMarketPosition });
    const { block, market, ledger, pending } = await readLedger(
      this.ledgers,
      this.matched,
      this.positions,
      p.account,
      q,
    );
    // REST's merge (withPending); as of a block, no pending amounts: they are about now.
    const currencies: CurrencyLedger[] =
      pending !== null
        ? withPending(ledger.currencies, pending)
        : ledger.currencies.map((c) => ({
            ...c,
            credited: { ...c.credited },
            pending: null,
            balanceAfterPending: null,
          }));
    return {
      account: ledger.account,
      currencies,
      asOfBlock: q.asOfBlock === undefined ? null : q.asOfBlock.toString(),
      position: { block, market },
    };
  }

  @Query(() => CollectionStats, {
    description: 'Collection stats: volume and sales per currency, floor, unique buyers, last sale',
  })
  async collectionStats(
    @Args('address', { type: () => String, description: 'the collection' }) address: string,
    @Args('minPosition', {
      ...optional,
      description: 'wait for the chain model to reach this block',
    })
    minPosition?: string,
  ): Promise<CollectionStats> {
    const p = parseArgs(collectionParams, { address });
    const q = parseArgs(chainReadQuery, { minPosition });
    await this.positions.chain(q.minPosition, () => this.trades.position());
    const position = await this.trades.position();
    const stats = await this.trades.stats(p.address);
    return { ...stats, currencies: [...stats.currencies], position: { block: position } };
  }
}
