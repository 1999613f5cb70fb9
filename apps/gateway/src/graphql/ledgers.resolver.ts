// Ledgers and collection stats over GraphQL: an account's Marketplace ledger per currency (REST
// GET /v1/ledgers/:account) and a collection's volume, sales, buyers and floor (REST GET
// /v1/collections/:address/stats), each with the block its model reflects.
import { Inject } from '@nestjs/common';
import { Args, Query, Resolver } from '@nestjs/graphql';
import type { ChainTradesReader, LedgersReader } from '@atelier/market-projections';
import { accountParams, collectionParams, ledgerQuery } from '../read/read.query';
import { CHAIN_TRADES_READER, LEDGERS_READER } from '../read/read.tokens';
import { parseArgs } from './graphql.args';
import { CollectionStats, Ledger } from './read.types';

@Resolver()
export class LedgersResolver {
  constructor(
    @Inject(LEDGERS_READER) private readonly ledgers: LedgersReader,
    @Inject(CHAIN_TRADES_READER) private readonly trades: ChainTradesReader,
  ) {}

  @Query(() => Ledger, {
    description:
      "An account's Marketplace balance per currency and what made it; an account never seen has no currencies",
  })
  async ledger(
    @Args('account', { type: () => String }) account: string,
    @Args('currency', { type: () => String, nullable: true, description: 'one currency only' })
    currency?: string,
    @Args('asOfBlock', {
      type: () => String,
      nullable: true,
      description: 'balances from the facts of blocks up to this one, inclusive (docs/analysts.md)',
    })
    asOfBlock?: string,
  ): Promise<Ledger> {
    const p = parseArgs(accountParams, { account });
    const q = parseArgs(ledgerQuery, { currency, asOfBlock });
    const position = await this.ledgers.position();
    const ledger = await this.ledgers.ledger(p.account, q.currency, q.asOfBlock);
    return {
      ...ledger,
      currencies: [...ledger.currencies],
      asOfBlock: q.asOfBlock === undefined ? null : q.asOfBlock.toString(),
      position: { block: position },
    };
  }

  @Query(() => CollectionStats, {
    description: 'Collection stats: volume and sales per currency, floor, unique buyers, last sale',
  })
  async collectionStats(
    @Args('address', { type: () => String, description: 'the collection' }) address: string,
  ): Promise<CollectionStats> {
    const p = parseArgs(collectionParams, { address });
    const position = await this.trades.position();
    const stats = await this.trades.stats(p.address);
    return { ...stats, currencies: [...stats.currencies], position: { block: position } };
  }
}
