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
export { HEADERS, DEAD_LETTER_HEADERS, type DeadLetterReasonCode } from './headers';
export {
  MARKET_TOPIC_PREFIX,
  TopicNameError,
  assertTopicName,
  categoryOf,
  marketTopic,
  deadLetterTopic,
} from './topics';
