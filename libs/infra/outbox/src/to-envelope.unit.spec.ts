import type { RecordedEvent } from '@atelier/eventsourcing';
import { OutboxRelayError } from './errors';
import { toEnvelope } from './to-envelope';

const recorded = (overrides: Partial<RecordedEvent> = {}): RecordedEvent => ({
  id: '8c1d4f0e-2b7a-4f43-9d1e-0f6a2b9c3d11',
  type: 'TradeMatched',
  schemaVersion: 3,
  data: { price: '1250000', amount: '2' },
  metadata: {
    correlationId: 'corr-1',
    causationId: 'cmd-7',
    actor: 'maker:k1',
    occurredAt: '2025-06-01T12:00:00.000Z',
  },
  streamName: 'orderbook-0xabc',
  revision: 4n,
  position: (123n << 20n) + 1n,
  recordedAt: new Date('2025-06-01T12:00:01.000Z'),
  ...overrides,
});

describe('toEnvelope (stored event → wire envelope)', () => {
  it('lifts ids, version and times out of the stored event and keeps its metadata', () => {
    expect(toEnvelope(recorded())).toEqual({
      eventId: '8c1d4f0e-2b7a-4f43-9d1e-0f6a2b9c3d11',
      type: 'TradeMatched',
      version: 3,
      streamName: 'orderbook-0xabc',
      streamRevision: 4n,
      globalPosition: 128974849n,
      occurredAt: new Date('2025-06-01T12:00:00.000Z'),
      correlationId: 'corr-1',
      causationId: 'cmd-7',
      data: { price: '1250000', amount: '2' },
      metadata: recorded().metadata, // kept whole
    });
  });

  it('falls back to the commit time without a usable occurredAt, and to null ids', () => {
    const e = toEnvelope(
      recorded({
        metadata: {
          correlationId: '',
          causationId: null,
          actor: 'system:x',
          occurredAt: 'yesterday',
        },
      }),
    );
    expect(e.occurredAt).toEqual(new Date('2025-06-01T12:00:01.000Z'));
    expect(e.correlationId).toBeNull();
    expect(e.causationId).toBeNull();
  });

  it('refuses a payload that is not a JSON object, with a stable code', () => {
    const bad = recorded({ data: ['not', 'an', 'object'] as unknown as RecordedEvent['data'] });
    expect(() => toEnvelope(bad)).toThrow(OutboxRelayError);
    expect(() => toEnvelope(bad)).toThrow(
      expect.objectContaining({ code: 'RELAY.UNPUBLISHABLE_EVENT' }),
    );
  });
});
