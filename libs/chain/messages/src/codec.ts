// The chain fact as a Kafka message format (the EnvelopeCodec port of @atelier/kafka, met
// structurally: a messages library depends on no infrastructure). Key = the fact's partition
// key (see KeyStrategy in topics.ts): a fact and its retraction share topic and key, so the
// retraction arrives after the fact it undoes. Few headers: each one is encoded per record,
// and the value says the rest.
import {
  CHAIN_FACT_SCHEMA,
  CHAIN_HEADERS,
  ChainFactError,
  decodeChainFact,
  encodeChainFact,
  type ChainFactEnvelope,
} from './envelope';
import { chainContractSpec, partitionKey } from './topics';

/** The Kafka key of a fact: its contract's key strategy applied to its emitter and args. */
export const chainFactKey = (envelope: ChainFactEnvelope): string =>
  partitionKey(chainContractSpec(envelope.contract).key, envelope.address, envelope.args);

export const chainFactCodec = {
  schema: CHAIN_FACT_SCHEMA,
  encode: (envelope: ChainFactEnvelope) => ({
    key: chainFactKey(envelope),
    value: encodeChainFact(envelope),
    headers: {
      [CHAIN_HEADERS.eventId]: envelope.id,
      [CHAIN_HEADERS.eventType]: envelope.type,
      [CHAIN_HEADERS.kind]: envelope.kind,
      [CHAIN_HEADERS.schema]: CHAIN_FACT_SCHEMA,
    },
  }),
  decode: decodeChainFact,
  id: (envelope: ChainFactEnvelope): string => envelope.id,
  isPoison: (error: unknown): error is ChainFactError => error instanceof ChainFactError,
} as const;
