// Header names of the market's Kafka contract. The event id travels in a header as well as in
// the envelope, so a consumer (or an operator with kcat) can discard a redelivery or find an
// event without parsing the value. Dead-letter headers belong to the Kafka library (@atelier/kafka).
export const HEADERS = {
  eventId: 'atelier-event-id',
  eventType: 'atelier-event-type',
  schema: 'atelier-envelope-schema',
  contentType: 'content-type',
} as const;
