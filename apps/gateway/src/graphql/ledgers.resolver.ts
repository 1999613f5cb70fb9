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
    await Promise.all([
      this.positions.chain(q.minPosition, () => this.ledgers.position()),
      this.positions.orders(q.minMarketPosition),
    ]);
    // As REST: the ledger with its position in one statement; the market's position, then the
    // pending trades (reflecting at least it), alongside.
    const [{ position: block, ledger }, [market, pending]] = await Promise.all([
      this.ledgers.ledgerAt(p.account, q.currency, q.asOfBlock),
      (async () => {
        const at = await this.matched.position();
        const open =
          q.asOfBlock === undefined ? await this.matched.pending(p.account, q.currency) : null;
        return [at, open] as const;
      })(),
    ]);
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
