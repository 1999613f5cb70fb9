// What the chain-fact read models (artworks/, chain-trades/, ledgers/) share: zod parsers for
// the args of chain.* facts (the anti-corruption layer: integers as decimal strings, addresses
// lowercased, validated before any row is written), the keyset cursor format of
// their listings, and a per-projection "head" row that says which block a read reflects.
//
// Why the head is a row of its own: facts of one projection sit on several partitions that
// advance independently, so the newest block applied is the only cheap, honest answer to "what
// does this read reflect"; it is a GREATEST, so the order in which partitions apply is moot.
import { EntitySchema, type EntityManager } from 'typeorm';
import { z } from 'zod';
import { CodedError } from '@atelier/kernel';
import type { ChainFactEnvelope } from '@atelier/chain-messages';

export const uint256 = { type: 'numeric', precision: 78, scale: 0 } as const;

// ---- args ----------------------------------------------------------------------------------

export const zAddress = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'an address')
  .transform((s) => s.toLowerCase());
export const zBytes32 = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, '32 bytes of hex')
  .transform((s) => s.toLowerCase());
/** An unsigned integer as the indexer writes it (decimal string, or a JSON number when small). */
export const zUint = z
  .union([z.string().regex(/^\d{1,78}$/), z.number().int().nonnegative()])
  .transform((v) => BigInt(v).toString());

/** A fact whose args are not what its event's ABI says: a poison message (dead-lettered). */
export class ChainReadArgsError extends CodedError<'CHAIN_FACT.BAD_ARGS'> {
  override readonly name = 'ChainReadArgsError';
}

/** What a flat args schema's fields are, for the fast path of parseArgs (withFastPath). */
export type ArgKind = 'address' | 'bytes32' | 'uint';

type FastParse = (args: Readonly<Record<string, unknown>>) => unknown;
const FAST_PARSE = new WeakMap<z.ZodType, FastParse>();
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
/** A uint zUint gives back unchanged (no leading zero). */
const CANONICAL_UINT = /^(?:0|[1-9][0-9]{0,77})$/;

/** A plain object, as z.object takes one. */
export const isArgsObject = (v: unknown): v is Readonly<Record<string, unknown>> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** zUint's output for `v` when it is one zUint gives back unchanged (else undefined: ask zod). */
export function fastUint(v: unknown): string | undefined {
  if (typeof v === 'string') return CANONICAL_UINT.test(v) ? v : undefined;
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? String(v) : undefined;
}

/**
 * The fast form of a flat object schema of zAddress / zBytes32 / zUint fields: the same checks
 * and output, or undefined where zod must decide (a leading zero, a number past 2^53, a bad field).
 */
export function fastFields(kinds: Readonly<Record<string, ArgKind>>): FastParse {
  const list = Object.entries(kinds);
  return (args) => {
    const out: Record<string, string> = {};
    for (const [key, kind] of list) {
      const v = args[key];
      if (kind === 'uint') {
        const u = fastUint(v);
        if (u === undefined) return undefined;
        out[key] = u;
      } else {
        if (typeof v !== 'string' || !(kind === 'address' ? ADDRESS : BYTES32).test(v))
          return undefined;
        out[key] = v.toLowerCase();
      }
    }
    return out;
  };
}

/**
 * Registers a fast form of `schema` for parseArgs: a function that gives zod's output for the
 * args it takes and undefined for anything else, which then goes to zod (the same output, or the
 * error named). zod took ~6 us a flat fact and ~35 us a mint, the largest node cost of a chain
 * model's chunk after the envelope decode. A kinds map builds the function (fastFields).
 */
export function withFastPath<S extends z.ZodObject>(
  schema: S,
  fast:
    | { readonly [K in keyof z.output<S>]: ArgKind }
    | ((args: Readonly<Record<string, unknown>>) => z.output<S> | undefined),
): S {
  FAST_PARSE.set(schema, typeof fast === 'function' ? fast : fastFields(fast));
  return schema;
}

export function parseArgs<S extends z.ZodType>(fact: ChainFactEnvelope, schema: S): z.output<S> {
  const fast = FAST_PARSE.get(schema);
  const args = fact.args as unknown;
  if (fast && isArgsObject(args)) {
    const parsed = fast(args);
    if (parsed !== undefined) return parsed as z.output<S>;
  }
  const r = schema.safeParse(fact.args);
  if (!r.success)
    throw new ChainReadArgsError(
      'CHAIN_FACT.BAD_ARGS',
      `${fact.id} (${fact.type}): ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      { factId: fact.factId, type: fact.type },
    );
  return r.data;
}

/** Where a fact stands on its chain: (block, log index) orders every log of one chain. */
export const positionOf = (fact: ChainFactEnvelope) => ({
  block: String(fact.blockNumber),
  logIndex: fact.logIndex,
  at: new Date(fact.blockTimestamp * 1000).toISOString(),
});

// ---- heads ---------------------------------------------------------------------------------

export interface ChainHeadRow {
  contract: string;
  block: string;
}

/** One row per emitting contract: the newest block of a fact (or retraction) applied. */
export function chainHeadEntity(name: string, tableName: string) {
  return new EntitySchema<ChainHeadRow>({
    name,
    tableName,
    columns: {
      contract: { type: 'text', primary: true },
      block: { type: 'bigint' },
    },
  });
}

export async function advanceHead(
  tx: EntityManager,
  table: string,
  fact: ChainFactEnvelope,
): Promise<void> {
  await tx.query(
    `INSERT INTO ${table} AS h (contract, block) VALUES ($1, $2)
     ON CONFLICT (contract) DO UPDATE SET block = GREATEST(h.block, EXCLUDED.block)`,
    [fact.address, fact.blockNumber],
  );
}

/**
 * advanceHead for many facts as one statement (a projection's applyBatch runs it with its other
 * writes: writeTogether); undefined when no fact is given.
 */
export function advanceHeads(
  table: string,
  facts: readonly ChainFactEnvelope[],
): { sql: string; params: unknown[] } | undefined {
  const newest = new Map<string, number>();
  for (const f of facts)
    if ((newest.get(f.address) ?? -1) < f.blockNumber) newest.set(f.address, f.blockNumber);
  if (newest.size === 0) return undefined;
  return {
    sql: `INSERT INTO ${table} AS h (contract, block) SELECT * FROM unnest($1::text[], $2::bigint[])
     ON CONFLICT (contract) DO UPDATE SET block = GREATEST(h.block, EXCLUDED.block)`,
    params: [[...newest.keys()], [...newest.values()]],
  };
}

/** The newest block the model reflects (of any contract it reads), null before any fact. */
export async function headBlock(manager: EntityManager, table: string): Promise<string | null> {
  const rows: { b: string | null }[] = await manager.query(
    `SELECT MAX(block)::text AS b FROM ${table}`,
  );
  return rows[0]?.b ?? null;
}

// ---- cursors -------------------------------------------------------------------------------

export type ChainReadErrorCode = 'READ.BAD_CURSOR' | 'ARTWORK.NOT_FOUND';

export class ChainReadError extends CodedError<ChainReadErrorCode> {
  override readonly name = 'ChainReadError';
}

/**
 * An opaque keyset cursor: the listing it belongs to and the sort key of the last row given.
 * A cursor of another listing, another sort, or one altered by hand is refused, never guessed.
 */
export function encodeCursor(scope: string, key: readonly string[]): string {
  return Buffer.from(JSON.stringify([scope, ...key])).toString('base64url');
}

export function decodeCursor(
  cursor: string,
  scope: string,
  shapes: readonly RegExp[],
): readonly string[] {
  const bad = () =>
    new ChainReadError('READ.BAD_CURSOR', 'the cursor is not one this listing gave', {
      parameter: 'cursor',
    });
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) throw bad();
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (
    !Array.isArray(parsed) ||
    parsed[0] !== scope ||
    parsed.length !== shapes.length + 1 ||
    !parsed.slice(1).every((v, i) => typeof v === 'string' && shapes[i]!.test(v))
  )
    throw bad();
  return parsed.slice(1) as string[];
}

export const DIGITS = /^\d{1,78}$/;
export const ADDRESS_TEXT = /^0x[0-9a-f]{40}$/;
export const FACT_ID_TEXT = /^\d+:0x[0-9a-f]{64}:\d+$/;
