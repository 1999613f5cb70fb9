// What the chain-fact read models (artworks/, chain-trades/, ledgers/) share: zod parsers for
// the args of chain.* facts (the anti-corruption layer: integers as decimal strings, addresses
// lowercased, validated before any row is written), table paths, the keyset cursor format of
// their listings, and a per-projection "head" row that says which block a read reflects.
//
// Why the head is a row of its own: facts of one projection sit on several partitions that
// advance independently, so the newest block applied is the only cheap, honest answer to "what
// does this read reflect"; it is a GREATEST, so the order in which partitions apply is moot.
import { EntitySchema, type EntityManager } from 'typeorm';
import { z } from 'zod';
import { CodedError } from '@atelier/kernel';
import type { ChainFactEnvelope } from '@atelier/chain-messages';

/** `"schema"."table"` of an entity in the data source `manager` belongs to. */
export function tablePath(
  manager: EntityManager,
  entity: Parameters<EntityManager['connection']['getMetadata']>[0],
): string {
  return manager.connection
    .getMetadata(entity)
    .tablePath.split('.')
    .map((p) => `"${p.replace(/"/g, '""')}"`)
    .join('.');
}

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

const FAST_KINDS = new WeakMap<z.ZodType, readonly (readonly [string, ArgKind])[]>();
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
/** A uint zUint gives back unchanged (no leading zero). */
const CANONICAL_UINT = /^(?:0|[1-9][0-9]{0,77})$/;

/**
 * Registers what each field of a flat object schema of zAddress / zBytes32 / zUint is, so that
 * parseArgs checks args of that shape without zod (same checks, same output; anything else, a
 * leading zero, a large number, a bad field, goes to zod, which gives the same output or names
 * the error). zod took ~6 us a fact, a sixth of the node time of a chain model's chunk.
 */
export function withFastPath<S extends z.ZodObject>(
  schema: S,
  kinds: { readonly [K in keyof z.output<S>]: ArgKind },
): S {
  FAST_KINDS.set(schema, Object.entries(kinds) as [string, ArgKind][]);
  return schema;
}

function fastParse(
  args: Readonly<Record<string, unknown>>,
  kinds: readonly (readonly [string, ArgKind])[],
): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [key, kind] of kinds) {
    const v = args[key];
    if (kind === 'uint') {
      if (typeof v === 'string' && CANONICAL_UINT.test(v)) out[key] = v;
      else if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) out[key] = String(v);
      else return undefined;
    } else {
      if (typeof v !== 'string' || !(kind === 'address' ? ADDRESS : BYTES32).test(v))
        return undefined;
      out[key] = v.toLowerCase();
    }
  }
  return out;
}

export function parseArgs<S extends z.ZodType>(fact: ChainFactEnvelope, schema: S): z.output<S> {
  const kinds = FAST_KINDS.get(schema);
  const args = fact.args as unknown;
  if (kinds && typeof args === 'object' && args !== null && !Array.isArray(args)) {
    const fast = fastParse(args as Record<string, unknown>, kinds);
    if (fast) return fast as z.output<S>;
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
