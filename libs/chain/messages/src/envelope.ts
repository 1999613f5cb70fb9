// The envelope of every chain.* Kafka message: one fact (a decoded log of a canonical block)
// or the retraction of one (its block left the canonical chain). Producers validate before
// sending and consumers parse at the boundary with the same schema, so neither side ever
// handles a half-valid fact. The envelope is versioned as a whole (`schema`); `version` is
// the version of the event payload (`args`), which follows the contract's ABI.
import { z } from 'zod';
import { CodedError, describeIssues, jsonBytes, parseJsonDocument } from '@atelier/kernel';
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

const hex = (bytes: number) =>
  z
    .string()
    .regex(new RegExp(`^0x[0-9a-f]{${bytes * 2}}$`), `must be ${bytes} bytes of lowercase hex`);
const uint = z.number().int().nonnegative();

export const chainFactEnvelopeSchema = z
  .object({
    schema: z.literal(CHAIN_FACT_SCHEMA),
    /** The message id: the fact id for a fact, `<factId>:retracted` for its retraction. */
    id: z.string().min(1).max(200),
    kind: z.enum(['fact', 'retracted']),
    /** `${chainId}:${blockHash}:${logIndex}`, the same in a fact and in its retraction. */
    factId: z.string().regex(FACT_ID, 'must be chainId:blockHash:logIndex'),
    /** `${contract}.${event}`, e.g. 'TestStablecoin.Transfer'. */
    type: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/),
    version: z.number().int().min(1),
    chainId: z.number().int().positive(),
    /** Name of the contract in the deployments file. */
    contract: z.string().min(1),
    /** The emitting contract. */
    address: hex(20),
    /** Event name as in the ABI. */
    event: z.string().min(1),
    blockNumber: uint,
    blockHash: hex(32),
    /** Unix seconds. */
    blockTimestamp: uint,
    transactionHash: hex(32),
    transactionIndex: uint,
    logIndex: uint,
    /** Decoded arguments by name; integers as decimal strings, addresses lowercase. */
    args: z.record(z.string(), z.json()),
  })
  .superRefine((e, ctx) => {
    const expectedFactId = makeFactId(e.chainId, e.blockHash, e.logIndex);
    if (e.factId !== expectedFactId) {
      ctx.addIssue({ code: 'custom', path: ['factId'], message: `must be ${expectedFactId}` });
    }
    const expectedId = e.kind === 'fact' ? e.factId : retractionId(e.factId);
    if (e.id !== expectedId)
      ctx.addIssue({ code: 'custom', path: ['id'], message: `must be ${expectedId}` });
    if (e.type !== `${e.contract}.${e.event}`) {
      ctx.addIssue({ code: 'custom', path: ['type'], message: `must be ${e.contract}.${e.event}` });
    }
  });

export type ChainFactEnvelope = z.infer<typeof chainFactEnvelopeSchema> & {
  readonly args: JsonArgs;
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

/** Parses message bytes into a chain fact or throws a ChainFactError naming what is wrong. */
export function decodeChainFact(bytes: Buffer | string | null | undefined): ChainFactEnvelope {
  return parseJsonDocument(bytes, {
    schema: chainFactEnvelopeSchema,
    supportedSchemas: SUPPORTED_CHAIN_FACT_SCHEMAS,
    what: 'chain fact',
    area: 'CHAIN_FACT',
    error: ChainFactError,
  }) as ChainFactEnvelope;
}
