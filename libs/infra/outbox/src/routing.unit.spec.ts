import { toEnvelope } from './to-envelope';
import { routeOf } from './routing';

const envelope = (streamName: string) =>
  toEnvelope({
    id: '8c1d4f0e-2b7a-4f43-9d1e-0f6a2b9c3d11',
    type: 'TradeMatched',
    schemaVersion: 1,
    data: {},
    metadata: {
      correlationId: 'corr-1',
      causationId: null,
      actor: 'system:test',
      occurredAt: '2025-06-01T12:00:00.000Z',
    },
    streamName,
    revision: 0n,
    position: 7n,
    recordedAt: new Date('2025-06-01T12:00:01.000Z'),
  });

describe('outbox routing table', () => {
  const routes = { orderbook: 'market.orderbook', artwork: 'market.artwork' };

  it('routes an event by the category of its stream', () => {
    expect(routeOf(routes, envelope('orderbook-0xabc'))).toBe('market.orderbook');
    expect(routeOf(routes, envelope('artwork'))).toBe('market.artwork');
  });

  it('refuses a category nobody routed, with a stable code, rather than guessing a topic', () => {
    expect(() => routeOf(routes, envelope('ledger-0x1'))).toThrow(
      expect.objectContaining({
        code: 'RELAY.UNROUTED_CATEGORY',
        details: expect.objectContaining({ category: 'ledger', position: '7' }),
      }),
    );
    expect(() => routeOf(routes, envelope('toString-1'))).toThrow(/has no topic/);
  });
});
