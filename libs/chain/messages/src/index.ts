// The chain.* Kafka contract: fact envelopes and their retractions, their codec (key,
// headers), topic names and partition keys, and the fold a consumer believes.
export { FACT_ID, factId, retractionId, parseFactId } from './ids';
export { toJsonArgs, toJsonValue, type JsonArgs, type JsonValue } from './json';
export {
  CHAIN_CONTRACTS,
  CHAIN_TOPIC_PREFIX,
  CHAIN_TOPIC_PARTITIONS,
  ChainTopicError,
  type ChainTopicErrorCode,
  chainContractSpec,
  chainTopic,
  partitionKey,
  type ChainContractName,
  type ChainContractSpec,
  type KeyStrategy,
} from './topics';
export {
  CHAIN_FACT_SCHEMA,
  CHAIN_FACT_VERSION,
  CHAIN_HEADERS,
  SUPPORTED_CHAIN_FACT_SCHEMAS,
  ChainFactError,
  chainFact,
  chainFactEnvelopeSchema,
  decodeChainFact,
  encodeChainFact,
  retractionOf,
  type ChainFactEnvelope,
  type ChainFactErrorCode,
  type ChainFactInput,
} from './envelope';
export { chainFactCodec, chainFactKey } from './codec';
export { foldChainFacts, type BelievedFacts } from './fold';
