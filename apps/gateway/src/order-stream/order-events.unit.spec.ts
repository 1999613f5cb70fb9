// The stream's filter alone: a key's makers' orders and trades are followed by hash and trade
// id from the events that name them, nothing of other makers passes, and a trade's message
// carries no signed order.
import type { RecordedEvent } from '@atelier/eventsourcing';
import { OrderEventFilter, sseFrame } from './order-events';

const M = '0x' + 'aa'.repeat(20);
const O = '0x' + 'bb'.repeat(20);
let position = 0n;
const event = (type: string, data: Record<string, unknown>): RecordedEvent => ({
  id: `e${++position}`,
  type,
  schemaVersion: 1,
  data: data as RecordedEvent['data'],
  metadata: { correlationId: 'c', causationId: null, actor: 'test', occurredAt: '' },
  streamName: `market-${'cc'.repeat(20)}`,
  revision: position,
  position: position * 10n,
  recordedAt: new Date(0),
});
const h = (n: number) => '0x' + n.toString(16).padStart(64, '0');
const signed = (hash: string, maker: string) => ({ hash, order: { maker }, signature: '0xsig' });

describe('OrderEventFilter', () => {
  const log = [
    event('OrderAccepted', { hash: h(1), order: { maker: M.toUpperCase().replace('0X', '0x') } }),
    event('OrderAccepted', { hash: h(2), order: { maker: O } }),
    event('OrderStatusChanged', { hash: h(1), status: 'reserved' }),
    event('OrderStatusChanged', { hash: h(2), status: 'reserved' }),
    event('TradeMatched', {
      tradeId: 't1',
      price: '5',
      ask: signed(h(2), O),
      bid: signed(h(1), M),
    }),
    event('TradeMatched', {
      tradeId: 't2',
      price: '5',
      ask: signed(h(3), O),
      bid: signed(h(4), O),
    }),
    event('TokenObserved', { tokenId: '1' }),
    event('TradeSettled', { tradeId: 't1' }),
    event('TradeReleased', { tradeId: 't2' }),
  ];

  it('follows its makers by hash and trade id, and nothing else', () => {
    const f = new OrderEventFilter([M]);
    const out = log.map((e) => f.accept(e)).filter((m) => m !== null);
    expect(out.map((m) => [m.type, m.position])).toEqual([
      ['OrderAccepted', 10n],
      ['OrderStatusChanged', 30n],
      ['TradeMatched', 50n],
      ['TradeSettled', 80n],
    ]);
    const trade = out[2]!.data;
    expect(trade).toMatchObject({ tradeId: 't1', askHash: h(2), bidHash: h(1), askMaker: O });
    expect(trade).not.toHaveProperty('ask');
    expect(JSON.stringify(trade)).not.toContain('0xsig');
    expect(sseFrame(out[0]!)).toMatch(/^id: 10\nevent: OrderAccepted\ndata: \{.*\}\n\n$/);
  });

  it('passes every order and trade event for a key of any maker', () => {
    const f = new OrderEventFilter(null);
    expect(log.map((e) => f.accept(e)).filter((m) => m !== null)).toHaveLength(8);
  });
});
