// The market.* Kafka contract: the versioned event envelope, its codec (key, headers), and
// topic names.
export {
  ENVELOPE_SCHEMA,
  SUPPORTED_ENVELOPE_SCHEMAS,
  EnvelopeError,
  decimalBigint,
  envelopeWireSchema,
  encodeEnvelope,
  decodeEnvelope,
  toWire,
  fromWire,
  type EnvelopeErrorCode,
  type EnvelopeWire,
  type EventEnvelope,
} from './envelope';
export { marketEnvelopeCodec } from './codec';
export { HEADERS } from './headers';
export {
  MARKET_TOPIC_PREFIX,
  TopicNameError,
  assertTopicName,
  categoryOf,
  marketTopic,
  marketRoutes,
} from './topics';
