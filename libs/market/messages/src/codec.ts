// The market envelope as a Kafka message format (the EnvelopeCodec port of @atelier/kafka,
// met structurally: a messages library depends on no infrastructure). Key = stream name, so
// every event of one aggregate lands on one partition in append order; the event id, type
// and schema also travel in headers, readable without parsing the value.
import {
  ENVELOPE_SCHEMA,
  EnvelopeError,
  decodeEnvelope,
  encodeEnvelope,
  type EventEnvelope,
} from './envelope';
import { HEADERS } from './headers';

export const marketEnvelopeCodec = {
  schema: ENVELOPE_SCHEMA,
  encode: (envelope: EventEnvelope) => ({
    key: envelope.streamName,
    value: encodeEnvelope(envelope),
    headers: {
      [HEADERS.eventId]: envelope.eventId,
      [HEADERS.eventType]: envelope.type,
      [HEADERS.schema]: ENVELOPE_SCHEMA,
      [HEADERS.contentType]: 'application/json',
    },
  }),
  decode: decodeEnvelope,
  id: (envelope: EventEnvelope): string => envelope.eventId,
  isPoison: (error: unknown): error is EnvelopeError => error instanceof EnvelopeError,
} as const;
