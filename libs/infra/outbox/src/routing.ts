// Where each event goes: a routing table from stream category to topic, given by whoever runs
// the relay. Explicit on purpose: an event of a category nobody routed is an error that stops
// the relay (loud, fixed once), never a guess at a topic name no consumer subscribes to.
import { categoryOf, type EventEnvelope } from '@atelier/market-messages';
import { OutboxRelayError } from './errors';

/** Stream category -> Kafka topic, e.g. { orderbook: 'market.orderbook' }. */
export type OutboxRoutes = Readonly<Record<string, string>>;

/** The topic of an event, or OutboxRelayError RELAY.UNROUTED_CATEGORY. */
export function routeOf(routes: OutboxRoutes, envelope: EventEnvelope): string {
  const category = categoryOf(envelope.streamName);
  const topic = Object.hasOwn(routes, category) ? routes[category] : undefined;
  if (topic === undefined) {
    throw new OutboxRelayError(
      'RELAY.UNROUTED_CATEGORY',
      `event ${envelope.eventId} of stream ${envelope.streamName}: category '${category}' has no topic in the relay's routing table (routed: ${Object.keys(routes).join(', ') || 'none'})`,
      {
        eventId: envelope.eventId,
        streamName: envelope.streamName,
        category,
        position: envelope.globalPosition.toString(),
      },
    );
  }
  return topic;
}
