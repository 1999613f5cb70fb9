// What every `atelier` command shares: exit codes, the one error type a command throws,
// strict argument parsing (an unknown option, a missing value or a stray argument is a usage
// error, exit 2, never a guess), and the two output streams. Results go to stdout (a table,
// or JSON with --json); progress, notes and problems go to stderr, so stdout pipes cleanly.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CodedError } from '@atelier/kernel';

export const EXIT_OK = 0;
/** A failure, or (verify) differences found. */
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export type CliErrorCode = 'CLI.USAGE' | 'CLI.FAILED' | 'CLI.NOT_FOUND';

/** Thrown by a command; main prints it and exits with its code (USAGE → 2, else 1). */
export class CliError extends CodedError<CliErrorCode> {
  override readonly name = 'CliError';
  get exitCode(): number {
    return this.code === 'CLI.USAGE' ? EXIT_USAGE : EXIT_FAILED;
  }
}

export const usageError = (message: string): CliError => new CliError('CLI.USAGE', message);

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export interface Command {
  readonly name: string;
  /** One line for `atelier --help`. */
  readonly summary: string;
  /** The full `atelier <name> --help` text. */
  readonly help: string;
  run(args: readonly string[], io: Io): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs, strict, with its errors turned into usage errors. */
export function parse<O extends Options>(
  args: readonly string[],
  options: O,
): {
  values: ReturnType<typeof parseArgs<{ options: O; allowPositionals: true }>>['values'];
  positionals: string[];
} {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options,
      allowPositionals: true,
      strict: true,
    });
    return { values, positionals };
  } catch (e) {
    throw usageError((e as Error).message);
  }
}

/** A non-negative whole number given as an option (`--as-of-block 12`). */
export function wholeNumber(name: string, value: string): bigint {
  if (!/^[0-9]{1,30}$/.test(value))
    throw usageError(`--${name} must be a whole number, not '${value}'`);
  return BigInt(value);
}

/** An EVM address, lower-cased as the read models store it. */
export function address(what: string, value: string): `0x${string}` {
  if (!/^0x[0-9a-fA-F]{40}$/.test(value))
    throw usageError(`${what} must be a 0x-prefixed 20-byte address, not '${value}'`);
  return value.toLowerCase() as `0x${string}`;
}

/** Prints rows as aligned columns (what a person reads; --json is for programs). */
export function table(
  io: Io,
  header: readonly string[],
  rows: readonly (readonly string[])[],
): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  io.out(line(header));
  for (const r of rows) io.out(line(r));
}

/** JSON with bigints as decimal strings (the wire rule of the read API). */
export const json = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
