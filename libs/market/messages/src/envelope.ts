// The envelope every market.* Kafka message carries: the one shape producers write and
// consumers parse at the boundary, so a projection never touches raw bytes or a half-valid
// event. It is versioned as a whole (`schema`), separately from each event's own `version`,
// so the envelope can evolve without touching event payloads and vice versa. Positions are
// bigints in the code and decimal strings on the wire: JSON numbers lose precision past 2^53
// (the kernel's JSON rule, shared with every other message format).
import { z } from 'zod';
import {
  CodedError,
  describeIssues,
  isObjectValue,
  jsonBytes,
  parseJsonDocument,
  readDefault,
  readInt,
  readMatching,
  readNullable,
  readObject,
  readOneOf,
  readString,
  readUnsignedDecimal,
  zUnsignedDecimal,
  type Read,
} from '@atelier/kernel';

/** The envelope format this code writes. Readers accept every entry of SUPPORTED_ENVELOPE_SCHEMAS. */
export const ENVELOPE_SCHEMA = 'atelier.envelope/v1';
export const SUPPORTED_ENVELOPE_SCHEMAS: readonly string[] = [ENVELOPE_SCHEMA];

export type EnvelopeErrorCode =
  'ENVELOPE.EMPTY' | 'ENVELOPE.NOT_JSON' | 'ENVELOPE.UNSUPPORTED_SCHEMA' | 'ENVELOPE.INVALID';

/** A message that is not a valid envelope: a poison message, never retried. */
export class EnvelopeError extends CodedError<EnvelopeErrorCode> {
  override readonly name = 'EnvelopeError';
  /** `issues` names every invalid field, one `path: message` line each. */
  declare readonly details: Readonly<{ issues?: readonly string[] }>;
}

/** A non-negative integer written as a decimal string, read as a bigint. */
export const decimalBigint = zUnsignedDecimal.transform((s) => BigInt(s));

const decimalString = zUnsignedDecimal;

/**
 * A JSON object (not an array, not null), taken as it is: what is in it is the event codec's to
 * check. (z.record would rebuild it key by key for every message: a projector decodes thousands a
 * second.)
 */
const jsonObject = z.custom<Record<string, unknown>>(isObjectValue, 'must be a JSON object');

/** `occurredAt`'s format: zod's datetime, offsets allowed (the fast form tests zod's own regex). */
const OCCURRED_AT = { offset: true } as const;

/** The wire form (JSON), schema atelier.envelope/v1. Unknown fields are ignored (forward compatible). */
export const envelopeWireSchema = z.object({
  schema: z.literal(ENVELOPE_SCHEMA),
  eventId: z.string().min(1).max(256),
  type: z.string().min(1).max(256),
  version: z.number().int().min(1),
  streamName: z.string().min(1).max(512),
  streamRevision: decimalString,
  globalPosition: decimalString,
  occurredAt: z.iso.datetime(OCCURRED_AT),
  correlationId: z.string().min(1).max(256).nullable(),
  causationId: z.string().min(1).max(256).nullable(),
  data: jsonObject,
  metadata: jsonObject.default({}),
});
export type EnvelopeWire = z.input<typeof envelopeWireSchema>;
type DecodedWire = z.output<typeof envelopeWireSchema>;

const readId = readString(1, 256);
const readJsonObject = ((v) => (isObjectValue(v) ? v : undefined)) as Read<Record<string, unknown>>;

/**
 * The fast form of envelopeWireSchema (kernel json-readers.ts): its output for the envelopes it
 * takes, undefined for any other, which zod then decides. zod's checks of an envelope were ~6% of
 * a projector's CPU. `data` and `metadata` are taken as they are, as the schema takes them.
 */
export const fastEnvelopeWire: Read<DecodedWire> = readObject<DecodedWire>({
  schema: readOneOf([ENVELOPE_SCHEMA]),
  eventId: readId,
  type: readId,
  version: readInt(1),
  streamName: readString(1, 512),
  streamRevision: readUnsignedDecimal,
  globalPosition: readUnsignedDecimal,
  occurredAt: readMatching(z.regexes.datetime(OCCURRED_AT)),
  correlationId: readNullable(readId),
  causationId: readNullable(readId),
  data: readJsonObject,
  metadata: readDefault(readJsonObject, () => ({})),
});

/** An event as it travels between services. The Kafka key is `streamName`. */
export interface EventEnvelope {
  readonly eventId: string;
  /** The event's type, e.g. 'TradeMatched'. */
  readonly type: string;
  /** The version of this event type's payload schema. */
  readonly version: number;
  readonly streamName: string;
  /** Position of the event in its stream (the store's expected-version numbering). */
  readonly streamRevision: bigint;
  /** Position of the event in the store's global log. */
  readonly globalPosition: bigint;
  readonly occurredAt: Date;
  readonly correlationId: string | null;
  readonly causationId: string | null;
  readonly data: Readonly<Record<string, unknown>>;
  readonly metadata: Readonly<Record<string, unknown>>;
}

export function toWire(envelope: EventEnvelope): EnvelopeWire {
  let occurredAt: string;
  try {
    occurredAt = envelope.occurredAt.toISOString();
  } catch (cause) {
    throw new EnvelopeError(
      'ENVELOPE.INVALID',
      `event ${envelope.eventId}: occurredAt is not a valid date`,
      {},
      { cause },
    );
  }
  return {
    schema: ENVELOPE_SCHEMA,
    eventId: envelope.eventId,
    type: envelope.type,
    version: envelope.version,
    streamName: envelope.streamName,
    streamRevision: envelope.streamRevision.toString(),
    globalPosition: envelope.globalPosition.toString(),
    occurredAt,
    correlationId: envelope.correlationId,
    causationId: envelope.causationId,
    data: envelope.data as Record<string, unknown>,
    metadata: envelope.metadata as Record<string, unknown>,
  };
}

/**
 * Serialises an envelope, validating it first: a producer must never put a message on a
 * topic that its consumers would reject.
 */
export function encodeEnvelope(envelope: EventEnvelope): Buffer {
  const wire = toWire(envelope);
  const checked = envelopeWireSchema.safeParse(wire);
  if (!checked.success) {
    const issues = describeIssues(checked.error);
    throw new EnvelopeError(
      'ENVELOPE.INVALID',
      `event ${String(envelope.eventId)} is not a valid envelope: ${issues.join('; ')}`,
      { issues },
    );
  }
  // bigint anywhere in the payload becomes a decimal string; JSON.stringify would throw instead.
  return jsonBytes(wire);
}

export function fromWire(wire: z.output<typeof envelopeWireSchema>): EventEnvelope {
  return {
    eventId: wire.eventId,
    type: wire.type,
    version: wire.version,
    streamName: wire.streamName,
    streamRevision: BigInt(wire.streamRevision),
    globalPosition: BigInt(wire.globalPosition),
    occurredAt: new Date(wire.occurredAt),
    correlationId: wire.correlationId,
    causationId: wire.causationId,
    data: wire.data,
    metadata: wire.metadata,
  };
}

/** How decodeEnvelope reads bytes (exported for its spec: the same without `fast` is zod alone). */
export const envelopeDocument = {
  schema: envelopeWireSchema,
  fast: fastEnvelopeWire,
  supportedSchemas: SUPPORTED_ENVELOPE_SCHEMAS,
  what: 'envelope',
  area: 'ENVELOPE',
  error: EnvelopeError,
} as const;

/** Parses message bytes into an envelope or throws an EnvelopeError naming what is wrong. */
export function decodeEnvelope(bytes: Buffer | string | null | undefined): EventEnvelope {
  return fromWire(parseJsonDocument(bytes, envelopeDocument));
}
