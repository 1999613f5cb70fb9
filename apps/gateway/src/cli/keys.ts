// keys: the operator's command for market makers' API keys in the gateway's database.
//
//   npm run keys -- create --label mm1 --maker 0x… [--maker 0x…] --rps 50 --burst 100 --quota 1000000
//   npm run keys -- create --label ops --any-maker --rps 10 --burst 20 --quota 0
//   npm run keys -- list [--json]
//   npm run keys -- revoke <id>
//
// `create` prints the key (atl_<id>_<secret>) once, on stdout: only a hash of its secret is
// stored, so it cannot be shown again (revoke it and create another). Environment:
// GATEWAY_DATABASE_URL (the npm script derives it from ATELIER_STACK like the other scripts),
// ACCESS_SCHEMA (default access). Exit codes: 0 done, 1 failed, 64 bad usage.
import { parseArgs } from 'node:util';
import { createPool } from '@atelier/persistence';
import { accessEnv } from '../access/access.config';
import { accessTables, ensureAccessTables } from '../access/access.schema';
import { ApiKeyStore, ApiKeyValidationError, type ApiKey } from '../access/api-keys';

const EXIT_USAGE = 64;
const USAGE = `usage: npm run keys -- <command>
  create --label <name> (--maker <address>... | --any-maker) --rps <n> --burst <n> --quota <orders per day>
         prints the new key once: keep it, it cannot be shown again
  list [--json]      every key (never its secret)
  revoke <id>        the key stops working at once, on every gateway
  --help`;

const out = (s: string) => process.stdout.write(`${s}\n`);
function usage(message?: string): never {
  process.stderr.write(`${message ? `${message}\n` : ''}${USAGE}\n`);
  process.exit(message ? EXIT_USAGE : 0);
}

const number = (name: string, v: string | undefined, integer: boolean): number => {
  if (v === undefined) usage(`--${name} is required`);
  const n = Number(v);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(v) || (integer && !Number.isSafeInteger(n)))
    usage(`--${name} must be a ${integer ? 'whole' : ''} number, not ${v}`);
  return n;
};

const describe = (k: ApiKey): string =>
  [
    k.id,
    k.revokedAt ? 'REVOKED' : 'live',
    JSON.stringify(k.label),
    `makers=${k.makers ? k.makers.join(',') : 'any'}`,
    `rps=${k.rps}`,
    `burst=${k.burst}`,
    `quota=${k.dailyQuota}/day`,
    `created=${k.createdAt.toISOString()}`,
    ...(k.revokedAt ? [`revoked=${k.revokedAt.toISOString()}`] : []),
  ].join('  ');

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      label: { type: 'string' },
      maker: { type: 'string', multiple: true },
      'any-maker': { type: 'boolean' },
      rps: { type: 'string' },
      burst: { type: 'string' },
      quota: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) usage();
  const url = process.env['GATEWAY_DATABASE_URL'];
  if (!url) usage('GATEWAY_DATABASE_URL must be set (npm run keys sets it for ATELIER_STACK)');
  const schema = accessEnv.ACCESS_SCHEMA.safeParse(process.env['ACCESS_SCHEMA']);
  if (!schema.success) usage('ACCESS_SCHEMA must be a lower-case SQL identifier');

  const pool = createPool(url, 'atelier-keys', 2);
  try {
    const tables = accessTables(schema.data);
    const client = await pool.connect();
    try {
      await ensureAccessTables((sql, params) => client.query(sql, params), tables);
    } finally {
      client.release();
    }
    const keys = new ApiKeyStore(pool, tables);
    switch (command) {
      case 'create': {
        if (rest.length) usage(`create takes no positional arguments: ${rest.join(' ')}`);
        if (!values.label) usage('--label is required');
        if (!values.maker?.length && !values['any-maker'])
          usage('name the makers the key may act for (--maker 0x…, repeatable) or --any-maker');
        if (values.maker?.length && values['any-maker'])
          usage('--maker and --any-maker exclude each other');
        const { key, token } = await keys.create({
          label: values.label,
          makers: values['any-maker'] ? null : values.maker!,
          rps: number('rps', values.rps, false),
          burst: number('burst', values.burst, true),
          dailyQuota: number('quota', values.quota, true),
        });
        process.stderr.write(`created ${describe(key)}\nthe key (shown once, keep it secret):\n`);
        out(token);
        return;
      }
      case 'list': {
        const all = await keys.list();
        if (values.json)
          out(
            JSON.stringify(
              all.map((k) => ({ ...k, makers: k.makers ?? 'any' })),
              null,
              2,
            ),
          );
        else if (all.length === 0) process.stderr.write('no keys\n');
        else all.forEach((k) => out(describe(k)));
        return;
      }
      case 'revoke': {
        const [id, ...extra] = rest;
        if (!id || extra.length) usage('revoke takes exactly one key id');
        if (await keys.revoke(id)) out(`revoked ${id}`);
        else {
          process.stderr.write(`no live key ${id}\n`);
          process.exitCode = 1;
        }
        return;
      }
      default:
        usage(`unknown command ${command}`);
    }
  } finally {
    await pool.end();
  }
}

main().catch((e: unknown) => {
  if (e instanceof ApiKeyValidationError) usage(e.message);
  process.stderr.write(`keys failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
