// atelier: the operators' and analysts' command line. One process per command: it reads the
// stack's configuration (infra/bin/env.sh through bin/atelier), does its work against the
// read models, the event store, the chain or Kafka, and exits 0 (done), 1 (failed, or
// differences found) or 2 (bad usage). See docs/cli.md.
import { CliError, EXIT_FAILED, EXIT_OK, EXIT_USAGE, processIo, type Command } from './cli';
import { commands } from './commands';

const help = (all: readonly Command[]): string =>
  [
    'usage: atelier <command> [options]   (atelier <command> --help for its options)',
    '',
    ...all.map((c) => `  ${c.name.padEnd(8)} ${c.summary}`),
    '',
    'The stack comes from ATELIER_STACK (dev, test, bench; default dev) as for every project script;',
    'any variable already set (GATEWAY_DATABASE_URL, RPC_URL, ATELIER_DEPLOYMENTS, KAFKA_BROKERS, ...) wins.',
    'Exit codes: 0 done, 1 failed or differences found, 2 bad usage.',
  ].join('\n');

async function main(argv: readonly string[]): Promise<number> {
  const all = commands();
  const [name, ...rest] = argv;
  if (name === undefined) {
    processIo.err(help(all));
    return EXIT_USAGE;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    processIo.out(help(all));
    return EXIT_OK;
  }
  const command = all.find((c) => c.name === name);
  if (!command) {
    processIo.err(`atelier: unknown command '${name}'\n\n${help(all)}`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    processIo.out(command.help);
    return EXIT_OK;
  }
  try {
    return await command.run(rest, processIo);
  } catch (e) {
    if (e instanceof CliError) {
      processIo.err(`atelier ${name}: ${e.message}`);
      if (e.code === 'CLI.USAGE')
        processIo.err(`${command.help.split('\n')[0]}\n(atelier ${name} --help for more)`);
      return e.exitCode;
    }
    const err = e as Error & { code?: unknown };
    const code = typeof err.code === 'string' ? ` [${err.code}]` : '';
    processIo.err(`atelier ${name} failed${code}: ${err.message ?? String(e)}`);
    if (process.env['ATELIER_DEBUG']) processIo.err(err.stack ?? '');
    return EXIT_FAILED;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // Let stdout drain before exiting: a piped consumer must get every line.
    process.exitCode = code;
    // Pools and Kafka clients are closed by each command; this guards against a forgotten
    // timer keeping a finished command alive.
    setTimeout(() => process.exit(code), 2_000).unref();
  },
  (e: unknown) => {
    processIo.err(`atelier: ${(e as Error).stack ?? String(e)}`);
    process.exit(EXIT_FAILED);
  },
);
