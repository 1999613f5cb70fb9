// GET /v1/ledgers/:account: the account's Marketplace balance per currency and what made it
// (deposited, withdrawn, paid, credited royalty / attribution / fee / proceeds), equal to
// balanceOf at the block the answer names. An account never seen answers an empty list.
// `?asOfBlock=N`: only facts of blocks up to N, i.e. balanceOf at N (docs/analysts.md).
// Beside the settled balance, `pending`: what the trades the market matched and the chain has
// not settled yet will move when they settle (MatchedTradesReader), and the balance after
// them (withPending, shared with GraphQL); a currency with pending amounts only is listed with
// a settled balance of 0. Pending
// amounts are about now, so an `asOfBlock` answer has none. `?minPosition=` waits for the
// ledgers model, `?minMarketPosition=` for the orders model.
import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import type { z } from 'zod';
import {
  withPending,
  type LedgersReader,
  type MatchedTradesReader,
} from '@atelier/market-projections';
import { ZodValidationPipe } from '@atelier/platform';
import { readLedger } from './ledger-read';
import { ApiRead } from './openapi';
import { ReadPositions } from './read-positions';
import { ledgerReadQuery, type LedgerReadQuery } from './read-market.query';
import { ledgerAnswerJson } from './read-market.views';
import { accountParams } from './read.query';
import { LEDGERS_READER, MATCHED_TRADES_READER } from './read.tokens';

@Controller('v1/ledgers')
export class LedgersHttpController {
  constructor(
    @Inject(LEDGERS_READER) private readonly reader: LedgersReader,
    @Inject(MATCHED_TRADES_READER) private readonly matched: MatchedTradesReader,
    private readonly positions: ReadPositions,
  ) {}

  @Get(':account')
  @ApiRead({
    tag: 'ledgers',
    summary: "An account's Marketplace ledger per currency and kind, and its pending amounts",
    params: accountParams,
    query: ledgerReadQuery,
    ok: ledgerAnswerJson,
    behind: true,
  })
  async get(
    @Param(new ZodValidationPipe(accountParams)) p: z.output<typeof accountParams>,
    @Query(new ZodValidationPipe(ledgerReadQuery)) q: LedgerReadQuery,
  ): Promise<z.input<typeof ledgerAnswerJson>> {
    const { block, market, ledger, pending } = await readLedger(
      this.reader,
      this.matched,
      this.positions,
      p.account,
      q,
    );
    const currencies = pending ? withPending(ledger.currencies, pending) : [...ledger.currencies];
    return {
      ...ledger,
      currencies,
      ...(q.asOfBlock === undefined ? {} : { asOfBlock: q.asOfBlock.toString() }),
      position: { block, market },
    };
  }
}
