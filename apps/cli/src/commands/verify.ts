// atelier verify: reconciles the ledgers read model with the chain. Every account the model
// knows (entries and fee recipients) times every currency it knows is compared with the
// Marketplace's balanceOf(account, currency) at the model's position (the newest block it has
// applied; or --as-of-block, at or below it), so a model that is merely behind is not
// reported as wrong. Each difference is printed; exit 1 if there is any.
import type { Address } from 'viem';
import { connectDeployment } from '@atelier/chain-actions';
import { marketplaceAbi } from '@atelier/contracts-abi';
import { LedgerEntryEntity, ledgersProjection, LedgersReader } from '@atelier/market-projections';
import { tablePath } from '@atelier/projections';
import { CliError, EXIT_FAILED, json, parse, usageError, wholeNumber, type Command } from '../cli';
import { loadCliConfig } from '../config';
import { openReadModels } from '../read-models';

const CONCURRENCY = 16;

const help = `usage: atelier verify [--as-of-block N] [--json]
  compares every ledger of the ledgers read model (every account it knows x every currency it
  knows: royalty, attribution, fee and proceeds credits, deposits, withdrawals, payments) with
  the Marketplace contract's balanceOf(account, currency) at the model's position block
  --as-of-block   check as of an earlier block instead (at most the model's position)
  --json          one JSON document on stdout
Reads GATEWAY_DATABASE_URL / READ_MODEL_SCHEMA, RPC_URL and ATELIER_DEPLOYMENTS (the Marketplace).
Exit 0: every balance equal; 1: differences (each printed) or a failure.`;

export interface Difference {
  readonly account: string;
  readonly currency: string;
  readonly model: string;
  readonly chain: string;
  /** model - chain */
  readonly difference: string;
}

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'reconcile every ledger of the read model with Marketplace.balanceOf on chain',
  help,
  async run(args, io) {
    const { values, positionals } = parse(args, {
      'as-of-block': { type: 'string' },
      json: { type: 'boolean' },
    });
    if (positionals.length) throw usageError(`unexpected arguments: ${positionals.join(' ')}`);
    const asOf = values['as-of-block']
      ? wholeNumber('as-of-block', values['as-of-block'])
      : undefined;

    const config = loadCliConfig([
      'GATEWAY_DATABASE_URL',
      'READ_MODEL_SCHEMA',
      'RPC_URL',
      'ATELIER_DEPLOYMENTS',
    ]);
    const chain = connectDeployment({
      rpcUrl: config.RPC_URL,
      deployments: config.ATELIER_DEPLOYMENTS,
      cacheTime: 0,
    });
    const marketplace = chain.address('Marketplace').toLowerCase();
    const ds = await openReadModels(config.GATEWAY_DATABASE_URL, config.READ_MODEL_SCHEMA, [
      ledgersProjection(),
    ]);
    const started = Date.now();
    try {
      const reader = new LedgersReader(ds);
      const position = await reader.position();
      if (position === null) {
        io.err('the ledgers model has applied no fact yet: nothing to verify');
        if (values.json) io.out(json({ block: null, checked: 0, differences: [] }));
        return 0;
      }
      if (asOf !== undefined && asOf > BigInt(position))
        throw usageError(
          `--as-of-block ${asOf} is beyond the model's position (block ${position}): it may lack facts of later blocks`,
        );
      const block = asOf ?? BigInt(position);
      const entries = tablePath(ds, LedgerEntryEntity);
      const foreign: { marketplace: string }[] = await ds.query(
        `SELECT DISTINCT marketplace FROM ${entries} WHERE marketplace <> $1`,
        [marketplace],
      );
      if (foreign.length)
        throw new CliError(
          'CLI.FAILED',
          `the model holds entries of another Marketplace (${foreign.map((f) => f.marketplace).join(', ')}) than the deployments file's ${marketplace}: wrong ATELIER_DEPLOYMENTS or READ_MODEL_SCHEMA?`,
        );
      const currencies: string[] = (
        (await ds.query(`SELECT DISTINCT currency FROM ${entries} ORDER BY 1`)) as {
          currency: string;
        }[]
      ).map((r) => r.currency);
      const accounts = await reader.accounts();

      const differences: Difference[] = [];
      let checked = 0;
      const check = async (account: string) => {
        const ledger = await reader.ledger(account, undefined, block);
        const model = new Map(ledger.currencies.map((c) => [c.currency, BigInt(c.balance)]));
        for (const currency of currencies) {
          const onChain = await chain.client.readContract({
            address: marketplace as Address,
            abi: marketplaceAbi,
            functionName: 'balanceOf',
            args: [account as Address, currency as Address],
            blockNumber: block,
          });
          const mine = model.get(currency) ?? 0n;
          checked++;
          if (mine !== onChain)
            differences.push({
              account,
              currency,
              model: mine.toString(),
              chain: onChain.toString(),
              difference: (mine - onChain).toString(),
            });
        }
      };
      for (let i = 0; i < accounts.length; i += CONCURRENCY)
        await Promise.all(accounts.slice(i, i + CONCURRENCY).map(check));
      differences.sort(
        (a, b) => a.account.localeCompare(b.account) || a.currency.localeCompare(b.currency),
      );
      const seconds = (Date.now() - started) / 1000;

      if (values.json)
        io.out(
          json({
            block: block.toString(),
            marketplace,
            accounts: accounts.length,
            currencies,
            checked,
            differences,
            seconds,
          }),
        );
      else {
        for (const d of differences)
          io.out(
            `DIFFERENT ${d.account} ${d.currency}: model ${d.model}, chain ${d.chain} (model - chain = ${d.difference})`,
          );
        io.out(
          `verified ${checked} ledgers (${accounts.length} accounts x ${currencies.length} currencies) at block ${block} against Marketplace ${marketplace}: ` +
            `${differences.length === 0 ? 'all equal' : `${differences.length} different`} (${seconds.toFixed(2)} s)`,
        );
      }
      return differences.length ? EXIT_FAILED : 0;
    } finally {
      await ds.destroy();
    }
  },
};
