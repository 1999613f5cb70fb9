// How a stored event becomes a wire envelope. The store keeps correlation, causation and
// occurrence time in metadata; the envelope lifts them to first-class fields so every
// consumer reads them the same way, and keeps the whole metadata alongside.
import type { EventEnvelope } from '@atelier/market-messages';
import { OutboxRelayError } from './errors';
import type { LoggedEvent } from './global-log';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

function occurredAtOf(event: LoggedEvent): Date {
  const fromMeta = str(event.metadata['occurredAt']);
  if (fromMeta && !Number.isNaN(Date.parse(fromMeta))) return new Date(fromMeta);
  return event.recordedAt;
}

export function toEnvelope(event: LoggedEvent): EventEnvelope {
  if (!isRecord(event.data)) {
    throw new OutboxRelayError(
      'RELAY.UNPUBLISHABLE_EVENT',
      `event ${event.id} (${event.type}) has a payload that is not a JSON object`,
      {
        eventId: event.id,
        position: event.position.toString(),
      },
    );
  }
  return {
    eventId: event.id,
    type: event.type,
    version: event.schemaVersion,
    streamName: event.streamName,
    streamRevision: event.revision,
    globalPosition: event.position,
    occurredAt: occurredAtOf(event),
    correlationId: str(event.metadata['correlationId']),
    causationId: str(event.metadata['causationId']),
    data: event.data,
    metadata: event.metadata,
  };
}
