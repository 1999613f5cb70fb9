// Domain events <-> stored JSON. A domain event is `{ type, data }` with rich values
// (bigint amounts, branded ids); the store holds `{ type, schemaVersion, data: JSON }`.
// Each event type declares its current schemaVersion and a zod codec for its data, so
// encoding validates what is written and decoding validates what is read. bigints travel
// as canonical decimal strings (zBigint), the kernel's rule (@atelier/kernel json.ts).
import { z } from 'zod';
import { bigintToDecimal, isDecimalString, zUnsignedDecimal } from '@atelier/kernel';
import { EventDecodeError } from './errors';
import type { JsonObject } from './json';

/** The shape of every domain event: a stable type name and its data. */
export interface DomainEvent<T extends string = string, D = unknown> {
  readonly type: T;
  readonly data: D;
}

export interface EncodedEvent<T extends string = string> {
  readonly type: T;
  readonly schemaVersion: number;
  readonly data: JsonObject;
}

export interface EventCodec<E extends DomainEvent> {
  readonly types: readonly E['type'][];
  encode(event: E): EncodedEvent<E['type']>;
  /** @throws EventDecodeError for an unknown type, a version with no upcaster, or invalid data. */
  decode(stored: {
    readonly type: string;
    readonly schemaVersion: number;
    readonly data: JsonObject;
  }): E;
}

/** One event type: its current schema version and a codec between JSON and its data. */
export interface EventTypeDefinition<D> {
  readonly schemaVersion: number;
  /** Decodes stored JSON into the data (z.decode) and encodes it back (z.encode). */
  readonly schema: z.ZodType<D>;
  /**
   * A fast form of decoding `schema` (kernel json-readers.ts): its output for the data it takes,
   * undefined for any other, which `schema` then decides (and names the errors of). zod's decode
   * of the market's events was a tenth of a projector's CPU.
   */
  readonly fast?: (data: JsonObject) => D | undefined;
}

export type EventDefinitions<E extends DomainEvent> = {
  readonly [T in E['type']]: EventTypeDefinition<Extract<E, { type: T }>['data']>;
};

export function defineEventCodec<E extends DomainEvent>(
  definitions: EventDefinitions<E>,
): EventCodec<E> {
  const defs = definitions as Record<string, EventTypeDefinition<unknown>>;
  return {
    types: Object.keys(defs) as E['type'][],
    encode(event) {
      const def = defs[event.type];
      if (!def)
        throw new EventDecodeError(
          'EVENT_STORE.UNKNOWN_EVENT_TYPE',
          `no definition for event type ${event.type}`,
          { type: event.type },
        );
      const data = z.encode(def.schema as z.ZodType, event.data);
      return { type: event.type, schemaVersion: def.schemaVersion, data: data as JsonObject };
    },
    decode(stored) {
      const def = defs[stored.type];
      if (!def)
        throw new EventDecodeError(
          'EVENT_STORE.UNKNOWN_EVENT_TYPE',
          `unknown event type ${stored.type}`,
          { type: stored.type },
        );
      if (stored.schemaVersion !== def.schemaVersion)
        throw new EventDecodeError(
          'EVENT_STORE.EVENT_DECODE_FAILED',
          `${stored.type} v${stored.schemaVersion} is not the current v${def.schemaVersion} and no upcaster brought it there`,
          { type: stored.type, schemaVersion: stored.schemaVersion, current: def.schemaVersion },
        );
      const fast = def.fast?.(stored.data);
      if (fast !== undefined) return { type: stored.type, data: fast } as E;
      const parsed = (def.schema as z.ZodType).safeDecode(stored.data);
      if (!parsed.success)
        throw new EventDecodeError(
          'EVENT_STORE.EVENT_DECODE_FAILED',
          `${stored.type} v${stored.schemaVersion}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
          { type: stored.type, schemaVersion: stored.schemaVersion },
        );
      return { type: stored.type, data: parsed.data } as E;
    },
  };
}

/** The kernel's JSON rule for bigints, both ways. */
const decimalCodec = { decode: (s: string) => BigInt(s), encode: bigintToDecimal };

/** bigint in the domain, canonical decimal string in JSON. */
export const zBigint = z.codec(
  z.string().refine(isDecimalString, 'must be an integer as a canonical decimal string'),
  z.bigint(),
  decimalCodec,
);

/** A non-negative bigint (amounts, prices, positions). */
export const zUnsignedBigint = z.codec(zUnsignedDecimal, z.bigint().nonnegative(), decimalCodec);
