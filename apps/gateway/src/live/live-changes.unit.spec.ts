// The decoder and filters alone: what each market event makes (ids P, P.1, ...), that an event's
// changes are the same whether the decoder saw the orders before or has to read them back (a
// resuming client's catch-up and the live tail must number them alike), and what each filter lets
// through.
import type { RecordedEvent } from '@atelier/eventsourcing';
import {
  MarketChangeDecoder,
  cursorOf,
  isAfter,
  matches,
  type LiveChange,
  type MarketLookup,
  type OrderRef,
  type TradeRef,
} from './live-changes';

const C = '0x' + 'cc'.repeat(20);
const SELLER = '0x' + 'aa'.repeat(20);
const BUYER = '0x' + 'bb'.repeat(20);
const USD = '0x' + 'dd'.repeat(20);
const h = (n: number) => '0x' + n.toString(16).padStart(64, '0');
let position = 0n;
const event = (type: string, data: Record<string, unknown>): RecordedEvent => ({
  id: `e${++position}`,
  type,
  schemaVersion: 1,
  data: data as RecordedEvent['data'],
  metadata: { correlationId: 'c', causationId: null, actor: 'test', occurredAt: '' },
  streamName: `market-${C}`,
  revision: position,
  position: position * 10n,
  recordedAt: new Date(0),
});
const order = (maker: string, kind: number, tokenId: string, price: string) => ({
  maker: maker.toUpperCase().replace('0X', '0x'), // any case in; lower-case out
  kind,
  collection: C,
  tokenId,
  currency: USD,
  price,
  start: '0',
  expiry: '9',
  counter: '0',
  nonce: '1',
});
const signed = (hash: string, o: ReturnType<typeof order>) => ({
  hash,
  order: o,
  signature: '0xsig',
});

const ask = order(SELLER, 0, '7', '500');
const bid = order(BUYER, 1, '7', '500');
const collectionBid = order(BUYER, 2, '0', '100');
const log = [
  event('OrderAccepted', {
    hash: h(1),
    order: ask,
    status: 'fillable',
    reason: null,
    acceptedAt: 't1',
    signature: '0xsig',
    seq: 1,
    split: null,
  }),
  event('OrderAccepted', {
    hash: h(3),
    order: collectionBid,
    status: 'fillable',
    reason: null,
    acceptedAt: 't2',
    signature: '0xsig',
    seq: 2,
    split: null,
  }),
  event('OrderAccepted', {
    hash: h(2),
    order: bid,
    status: 'fillable',
    reason: null,
    acceptedAt: 't3',
    signature: '0xsig',
    seq: 3,
    split: null,
  }),
  event('TradeMatched', {
    tradeId: 'T1',
    collection: C,
    tokenId: '7',
    currency: USD,
    price: '500',
    seller: SELLER,
    buyer: BUYER,
    ask: signed(h(1), ask),
    bid: signed(h(2), bid),
    split: { price: '500', contributors: [] },
    matchedAt: 't4',
  }),
  event('TokenObserved', { tokenId: '7', owner: SELLER, approved: true, block: '3' }),
  event('OrderStatusChanged', {
    hash: h(3),
    from: 'fillable',
    status: 'cancelled-off-chain',
    reason: null,
    at: 't5',
  }),
  event('TradeSettled', { tradeId: 'T1', transactionHash: '0xAB', block: '9', at: 't6' }),
];

/** The orders read model, as far as the decoder needs it: what the log says. */
const lookup = (): MarketLookup & { calls: number } => ({
  calls: 0,
  async order(hash): Promise<OrderRef | null> {
    this.calls++;
    const o = { [h(1)]: ask, [h(2)]: bid, [h(3)]: collectionBid }[hash];
    const side = ['ask', 'bid', 'collection-bid'] as const;
    return o
      ? {
          hash,
          collection: C,
          tokenId: o.tokenId,
          side: side[o.kind]!,
          maker: o.maker.toLowerCase(),
          currency: USD,
          price: o.price,
        }
      : null;
  },
  async trade(tradeId): Promise<TradeRef | null> {
    this.calls++;
    return tradeId === 'T1'
      ? {
          tradeId,
          collection: C,
          tokenId: '7',
          seller: SELLER,
          buyer: BUYER,
          currency: USD,
          price: '500',
          askHash: h(1),
          bidHash: h(2),
        }
      : null;
  },
});

const decodeAll = async (d: MarketChangeDecoder, events: readonly RecordedEvent[]) => {
  const out: LiveChange[] = [];
  for (const e of events) out.push(...(await d.decode(e)));
  return out;
};

describe('MarketChangeDecoder', () => {
  it('turns orders, a match and its settlement into book and trade changes with ids P and P.i', async () => {
    const changes = await decodeAll(new MarketChangeDecoder(lookup(), 100), log);
    expect(
      changes.map((c) => [
        c.position,
        c.feed,
        c.type,
        c.feed === 'books' ? c.hash : c.feed === 'trades' ? c.tradeId : c.account,
        c.feed === 'books' ? c.status : null,
      ]),
    ).toEqual([
      ['10', 'books', 'order-added', h(1), 'fillable'],
      ['20', 'books', 'order-added', h(3), 'fillable'],
      ['30', 'books', 'order-added', h(2), 'fillable'],
      ['40', 'books', 'order-status-changed', h(1), 'reserved'],
      ['40.1', 'books', 'order-status-changed', h(2), 'reserved'],
      ['40.2', 'trades', 'trade-matched', 'T1', null],
      ['60', 'books', 'order-status-changed', h(3), 'cancelled-off-chain'],
      ['70', 'books', 'order-status-changed', h(1), 'filled'],
      ['70.1', 'books', 'order-status-changed', h(2), 'filled'],
      ['70.2', 'trades', 'trade-settled', 'T1', null],
    ]);
    expect(changes[0]).toMatchObject({
      side: 'ask',
      maker: SELLER,
      tokenId: '7',
      price: '500',
      from: null,
    });
    expect(changes[3]).toMatchObject({ from: null, tradeId: 'T1', side: 'ask' });
    expect(changes[6]).toMatchObject({ from: 'fillable', side: 'collection-bid', tokenId: '0' });
    expect(changes[9]).toMatchObject({
      transactionHash: '0xab',
      block: '9',
      askHash: h(1),
      seller: SELLER,
    });
    expect(JSON.stringify(changes)).not.toContain('0xsig');
  });

  it('makes the same changes from the middle of the log, reading back what it did not see', async () => {
    const warm = new MarketChangeDecoder(lookup(), 100);
    const all = await decodeAll(warm, log);
    const l = lookup();
    const cold = new MarketChangeDecoder(l, 100);
    const tail = await decodeAll(cold, log.slice(4));
    expect(tail).toEqual(all.filter((c) => BigInt(c.position.split('.')[0]!) > 40n));
    expect(l.calls).toBeGreaterThan(0);
    // A tiny cache reads back more, and still says the same.
    const tiny = await decodeAll(new MarketChangeDecoder(lookup(), 1), log);
    expect(tiny).toEqual(all);
  });

  it('keeps an unreadable order in the book feed, with what it knows', async () => {
    const none: MarketLookup = { order: async () => null, trade: async () => null };
    const [change] = await new MarketChangeDecoder(none, 10).decode(log[5]!);
    expect(change).toMatchObject({
      hash: h(3),
      tokenId: null,
      side: null,
      status: 'cancelled-off-chain',
    });
    // A trade it cannot read back: its orders' places stay empty, the trade keeps index 2.
    const settled = await new MarketChangeDecoder(none, 10).decode(log[6]!);
    expect(settled.map((c) => c.position)).toEqual(['70.2']);
  });
});

describe('filters and ids', () => {
  const changes = decodeAll(new MarketChangeDecoder(lookup(), 100), log);

  it('book: a collection, or a token with the collection bids', async () => {
    const c = await changes;
    const of = (f: Parameters<typeof matches>[0]) =>
      c.filter((x) => matches(f, x)).map((x) => x.position);
    expect(of({ feed: 'books', collection: C })).toHaveLength(8);
    expect(of({ feed: 'books', collection: C, tokenId: '7' })).toHaveLength(8);
    expect(of({ feed: 'books', collection: C, tokenId: '8' })).toEqual(['20', '60']);
    expect(of({ feed: 'books', collection: SELLER })).toEqual([]);
    expect(of({ feed: 'trades', account: BUYER })).toEqual(['40.2', '70.2']);
    expect(of({ feed: 'trades', collection: C, tokenId: '8' })).toEqual([]);
    expect(of({ feed: 'trades', account: USD })).toEqual([]);
    expect(of({ feed: 'ledgers', account: BUYER })).toEqual([]);
  });

  it('orders ids as (P, i)', () => {
    expect(cursorOf('40.2')).toEqual({ position: 40n, index: 2 });
    expect(isAfter(cursorOf('40.1'), cursorOf('40'))).toBe(true);
    expect(isAfter(cursorOf('40'), cursorOf('40'))).toBe(false);
    expect(isAfter(cursorOf('41'), cursorOf('40.9'))).toBe(true);
    expect(isAfter(cursorOf('39.9'), cursorOf('40'))).toBe(false);
  });
});
