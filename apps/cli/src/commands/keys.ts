// atelier keys: market makers' API keys. The gateway owns them (apps/gateway/src/access: the
// store, its tables and its validation) and its operator script apps/gateway/src/cli/keys.ts
// (`npm run keys`) is the one implementation; an app is never imported by another (the module
// boundaries, docs/decisions/0010), so this command runs that script as a child process with
// the same runtime and environment, passing its output through, and only maps its usage exit
// code (64) to the CLI's (2). `npm run keys -- …` and `atelier keys …` do the same thing.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { EXIT_USAGE, usageError, type Command } from '../cli';
import { loadCliConfig } from '../config';

const KEYS_EXIT_USAGE = 64;
const SUBCOMMANDS = ['create', 'list', 'revoke'];

const help = `usage: atelier keys <create|list|revoke> [options]
  create --label <name> (--maker <address>... | --any-maker) --rps <n> --burst <n> --quota <orders per day>
         prints the new key once on stdout: keep it, it cannot be shown again
  list [--json]      every key (never its secret)
  revoke <id>        the key stops working at once, on every gateway; exit 1 if no live key has that id

The keys live in the gateway's database (GATEWAY_DATABASE_URL, schema ACCESS_SCHEMA, default access).
Same as npm run keys -- <command>.`;

export const keysCommand: Command = {
  name: 'keys',
  summary: 'create, list and revoke market makers’ API keys',
  help,
  async run(args) {
    const sub = args[0];
    if (sub === undefined) throw usageError('name a subcommand: create, list or revoke');
    if (!SUBCOMMANDS.includes(sub))
      throw usageError(`unknown subcommand '${sub}' (create, list or revoke)`);
    const { ATELIER_ROOT: root } = loadCliConfig(['ATELIER_ROOT', 'GATEWAY_DATABASE_URL']);
    const child = spawn(
      process.execPath,
      [
        '-r',
        join(root, 'node_modules/@swc-node/register'),
        join(root, 'apps/gateway/src/cli/keys.ts'),
        ...args,
      ],
      { stdio: 'inherit', env: process.env },
    );
    const code = await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
    });
    return code === KEYS_EXIT_USAGE ? EXIT_USAGE : code;
  },
};
