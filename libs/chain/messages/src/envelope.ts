// The envelope of every chain.* Kafka message: one fact (a decoded log of a canonical block)
// or the retraction of one (its block left the canonical chain). Producers validate before
// sending and consumers parse at the boundary with the same schema, so neither side ever
// handles a half-valid fact. The envelope is versioned as a whole (`schema`); `version` is
// the version of the event payload (`args`), which follows the contract's ABI.
import { z } from 'zod';
import {
  CodedError,
  describeIssues,
  jsonBytes,
  parseJsonDocument,
  readInt,
  readJsonRecord,
  readMatching,
  readObject,
  readOneOf,
  readString,
  type Read,
} from '@atelier/kernel';
import { FACT_ID, factId as makeFactId, retractionId } from './ids';
import type { JsonArgs } from './json';

export const CHAIN_FACT_SCHEMA = 'atelier.chain-fact/v1';
export const SUPPORTED_CHAIN_FACT_SCHEMAS: readonly string[] = [CHAIN_FACT_SCHEMA];
/** Payload version of every event type today: args exactly as the ABI decodes them. */
export const CHAIN_FACT_VERSION = 1;

/** Kafka headers: id and type readable without parsing the value (dedupe, routing, kcat). */
export const CHAIN_HEADERS = {
  eventId: 'atelier-event-id',
  eventType: 'atelier-event-type',
  schema: 'atelier-envelope-schema',
  kind: 'atelier-fact-kind',
} as const;

export type ChainFactErrorCode =
  | 'CHAIN_FACT.EMPTY'
  | 'CHAIN_FACT.NOT_JSON'
  | 'CHAIN_FACT.UNSUPPORTED_SCHEMA'
  | 'CHAIN_FACT.INVALID';

/** A message that is not a valid chain fact: a poison message, never retried. */
export class ChainFactError extends CodedError<ChainFactErrorCode> {
  override readonly name = 'ChainFactError';
  /** `issues` names every invalid field, one `path: message` line each. */
  declare readonly details: Readonly<{ issues?: readonly string[] }>;
}

const HEX20 = /^0x[0-9a-f]{40}$/;
const HEX32 = /^0x[0-9a-f]{64}$/;
const FACT_TYPE = /^[A-Za-z][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/;
const FACT_KINDS = ['fact', 'retracted'] as const;
const hex = (pattern: RegExp, bytes: number) =>
  z.string().regex(pattern, `must be ${bytes} bytes of lowercase hex`);
const uint = z.number().int().nonnegative();

/** The fields of a fact that must agree with each other. */
interface Agreeing {
  readonly id: string;
  readonly kind: (typeof FACT_KINDS)[number];
  readonly factId: string;
  readonly type: string;
  readonly chainId: number;
  readonly contract: string;
  readonly event: string;
  readonly blockHash: string;
  readonly logIndex: number;
}

/**
 * The fields that do not follow from the others, each with what it must be: the fact id from the
 * log's place, the message id from the fact id and kind, the type from contract and event.
 */
function disagreements(e: Agreeing): [field: 'factId' | 'id' | 'type', expected: string][] {
  const found: [field: 'factId' | 'id' | 'type', expected: string][] = [];
  const expectedFactId = makeFactId(e.chainId, e.blockHash, e.logIndex);
  if (e.factId !== expectedFactId) found.push(['factId', expectedFactId]);
  const expectedId = e.kind === 'fact' ? e.factId : retractionId(e.factId);
  if (e.id !== expectedId) found.push(['id', expectedId]);
  const expectedType = `${e.contract}.${e.event}`;
  if (e.type !== expectedType) found.push(['type', expectedType]);
  return found;
}

export const chainFactEnvelopeSchema = z
  .object({
    schema: z.literal(CHAIN_FACT_SCHEMA),
    /** The message id: the fact id for a fact, `<factId>:retracted` for its retraction. */
    id: z.string().min(1).max(200),
    kind: z.enum(FACT_KINDS),
    /** `${chainId}:${blockHash}:${logIndex}`, the same in a fact and in its retraction. */
    factId: z.string().regex(FACT_ID, 'must be chainId:blockHash:logIndex'),
    /** `${contract}.${event}`, e.g. 'TestStablecoin.Transfer'. */
    type: z.string().regex(FACT_TYPE),
    version: z.number().int().min(1),
    chainId: z.number().int().positive(),
    /** Name of the contract in the deployments file. */
    contract: z.string().min(1),
    /** The emitting contract. */
    address: hex(HEX20, 20),
    /** Event name as in the ABI. */
    event: z.string().min(1),
    blockNumber: uint,
    blockHash: hex(HEX32, 32),
    /** Unix seconds. */
    blockTimestamp: uint,
    transactionHash: hex(HEX32, 32),
    transactionIndex: uint,
    logIndex: uint,
    /** Decoded arguments by name; integers as decimal strings, addresses lowercase. */
    args: z.record(z.string(), z.json()),
  })
  .superRefine((e, ctx) => {
    for (const [field, expected] of disagreements(e))
      ctx.addIssue({ code: 'custom', path: [field], message: `must be ${expected}` });
  });

export type ChainFactEnvelope = z.infer<typeof chainFactEnvelopeSchema> & {
  readonly args: JsonArgs;
};

const readFields: Read<ChainFactEnvelope> = readObject<ChainFactEnvelope>({
  schema: readOneOf([CHAIN_FACT_SCHEMA]),
  id: readString(1, 200),
  kind: readOneOf(FACT_KINDS),
  factId: readMatching(FACT_ID),
  type: readMatching(FACT_TYPE),
  version: readInt(1),
  chainId: readInt(1),
  contract: readString(1),
  address: readMatching(HEX20),
  event: readString(1),
  blockNumber: readInt(0),
  blockHash: readMatching(HEX32),
  blockTimestamp: readInt(0),
  transactionHash: readMatching(HEX32),
  transactionIndex: readInt(0),
  logIndex: readInt(0),
  args: readJsonRecord as Read<JsonArgs>,
});

/**
 * The fast form of chainFactEnvelopeSchema (kernel json-readers.ts), its refinements included:
 * its output for the facts it takes, undefined for any other, which zod then decides. zod's
 * `args` (a record of z.json(), rebuilt value by value) made it the slowest part of a chain
 * model's decode. `args` is given back as it is, not copied as zod copies it: parseJsonDocument
 * gives the fast form JSON.parse's own value, which nothing else holds.
 */
export const fastChainFact: Read<ChainFactEnvelope> = (raw) => {
  const e = readFields(raw);
  return e !== undefined && disagreements(e).length === 0 ? e : undefined;
};

export interface ChainFactInput {
  readonly chainId: number;
  readonly contract: string;
  readonly address: string;
  readonly event: string;
  readonly blockNumber: number;
  readonly blockHash: string;
  readonly blockTimestamp: number;
  readonly transactionHash: string;
  readonly transactionIndex: number;
  readonly logIndex: number;
  readonly args: JsonArgs;
}

/** A fact of a canonical block. */
export function chainFact(input: ChainFactInput): ChainFactEnvelope {
  const blockHash = input.blockHash.toLowerCase();
  const id = makeFactId(input.chainId, blockHash, input.logIndex);
  return {
    schema: CHAIN_FACT_SCHEMA,
    id,
    kind: 'fact',
    factId: id,
    type: `${input.contract}.${input.event}`,
    version: CHAIN_FACT_VERSION,
    chainId: input.chainId,
    contract: input.contract,
    address: input.address.toLowerCase(),
    event: input.event,
    blockNumber: input.blockNumber,
    blockHash,
    blockTimestamp: input.blockTimestamp,
    transactionHash: input.transactionHash.toLowerCase(),
    transactionIndex: input.transactionIndex,
    logIndex: input.logIndex,
    args: input.args,
  };
}

/** The compensating message for a fact whose block left the canonical chain: the fact's content, kind 'retracted'. */
export function retractionOf(fact: ChainFactEnvelope): ChainFactEnvelope {
  return { ...fact, kind: 'retracted', id: retractionId(fact.factId) };
}

/** Validates, then serialises: a producer never puts a message its consumers would reject. */
export function encodeChainFact(envelope: ChainFactEnvelope): Buffer {
  const checked = chainFactEnvelopeSchema.safeParse(envelope);
  if (!checked.success) {
    const issues = describeIssues(checked.error);
    throw new ChainFactError(
      'CHAIN_FACT.INVALID',
      `${envelope.id} is not a valid chain fact: ${issues.join('; ')}`,
      { issues },
    );
  }
  return jsonBytes(envelope);
}

/** How decodeChainFact reads bytes (exported for its spec: the same without `fast` is zod alone). */
export const chainFactDocument = {
  schema: chainFactEnvelopeSchema,
  fast: fastChainFact,
  supportedSchemas: SUPPORTED_CHAIN_FACT_SCHEMAS,
  what: 'chain fact',
  area: 'CHAIN_FACT',
  error: ChainFactError,
} as const;

/** Parses message bytes into a chain fact or throws a ChainFactError naming what is wrong. */
export function decodeChainFact(bytes: Buffer | string | null | undefined): ChainFactEnvelope {
  return parseJsonDocument(bytes, chainFactDocument) as ChainFactEnvelope;
}
