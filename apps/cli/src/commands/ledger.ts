// atelier ledger: one account's balances per currency from the ledgers read model, with what
// made them (deposited, withdrawn, paid, royalty, attribution, fee, proceeds), now or as of a
// block (LedgersReader's asOfBlock: only facts in blocks up to it).
import { ledgersProjection, LedgersReader } from '@atelier/market-projections';
import { address, json, parse, table, usageError, wholeNumber, type Command } from '../cli';
import { loadCliConfig } from '../config';
import { openReadModels } from '../read-models';

const help = `usage: atelier ledger <account> [--currency <address>] [--as-of-block N] [--json]
  the account's balance per currency in the Marketplace as the ledgers read model has it:
    balance = deposited - withdrawn - paid + royalty + attribution + fee + proceeds
  --currency      only this currency
  --as-of-block   only facts in blocks up to N (the balance balanceOf had at block N)
  --json          one JSON document on stdout
The answer names the model's position (the newest block it has applied); as of a block beyond
it, the model may lack facts the chain has (a note says so on stderr).`;

export const ledgerCommand: Command = {
  name: 'ledger',
  summary: 'an account’s balances per currency (royalty, attribution, fee, proceeds...)',
  help,
  async run(args, io) {
    const { values, positionals } = parse(args, {
      currency: { type: 'string' },
      'as-of-block': { type: 'string' },
      json: { type: 'boolean' },
    });
    const [accountArg, ...extra] = positionals;
    if (!accountArg) throw usageError('name the account (0x…)');
    if (extra.length) throw usageError(`unexpected arguments: ${extra.join(' ')}`);
    const account = address('the account', accountArg);
    const currency = values.currency ? address('--currency', values.currency) : undefined;
    const asOf = values['as-of-block']
      ? wholeNumber('as-of-block', values['as-of-block'])
      : undefined;

    const config = loadCliConfig(['GATEWAY_DATABASE_URL', 'READ_MODEL_SCHEMA']);
    const ds = await openReadModels(config.GATEWAY_DATABASE_URL, config.READ_MODEL_SCHEMA, [
      ledgersProjection(),
    ]);
    try {
      const reader = new LedgersReader(ds);
      const position = await reader.position();
      const ledger = await reader.ledger(account, currency, asOf);
      if (asOf !== undefined && (position === null || asOf > BigInt(position)))
        io.err(
          `note: the model has applied facts up to block ${position ?? 'none'}; balances as of ${asOf} may lack later facts`,
        );
      if (values.json) {
        io.out(json({ ...ledger, asOfBlock: asOf ?? null, position: { block: position } }));
        return 0;
      }
      io.out(
        `ledger of ${account}${asOf !== undefined ? ` as of block ${asOf}` : ''} (model at block ${position ?? 'none'})`,
      );
      if (ledger.currencies.length === 0) {
        io.out('no entries');
        return 0;
      }
      table(
        io,
        [
          'currency',
          'deposited',
          'withdrawn',
          'paid',
          'royalty',
          'attribution',
          'fee',
          'proceeds',
          'balance',
        ],
        ledger.currencies.map((c) => [
          c.currency,
          c.deposited,
          c.withdrawn,
          c.paid,
          c.credited.royalty,
          c.credited.attribution,
          c.credited.fee,
          c.credited.proceeds,
          c.balance,
        ]),
      );
      return 0;
    } finally {
      await ds.destroy();
    }
  },
};
