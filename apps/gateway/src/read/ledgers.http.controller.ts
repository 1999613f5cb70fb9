// GET /v1/ledgers/:account: the account's Marketplace balance per currency and what made it
// (deposited, withdrawn, paid, credited royalty / attribution / fee / proceeds), equal to
// balanceOf at the block the answer names. An account never seen answers an empty list.
import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import type { z } from 'zod';
import type { LedgersReader } from '@atelier/market-projections';
import { ZodValidationPipe } from '@atelier/platform';
import { ApiRead } from './openapi';
import { accountParams, ledgerQuery } from './read.query';
import { LEDGERS_READER } from './read.tokens';
import { ledgerJson } from './read.views';

@Controller('v1/ledgers')
export class LedgersHttpController {
  constructor(@Inject(LEDGERS_READER) private readonly reader: LedgersReader) {}

  @Get(':account')
  @ApiRead({
    tag: 'ledgers',
    summary: "An account's Marketplace ledger per currency and kind",
    params: accountParams,
    query: ledgerQuery,
    ok: ledgerJson,
  })
  async get(
    @Param(new ZodValidationPipe(accountParams)) p: z.output<typeof accountParams>,
    @Query(new ZodValidationPipe(ledgerQuery)) q: z.output<typeof ledgerQuery>,
  ): Promise<z.input<typeof ledgerJson>> {
    const position = await this.reader.position();
    const ledger = await this.reader.ledger(p.account, q.currency);
    return { ...ledger, currencies: [...ledger.currencies], position: { block: position } };
  }
}
