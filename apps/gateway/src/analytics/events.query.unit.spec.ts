// The /v1/events query alone: starts, filters and bounds parsed into a selection, and every
// malformed or conflicting parameter refused with its field and code (never let through).
import type { RecordedEvent } from '@atelier/eventsourcing';
import { EventSelection, carriedBlock, eventLine } from './event-lines';
import { EVENT_TYPES, eventsQuery } from './events.query';

// (zod directly: @atelier/platform's parseRequest turns the same issues into the problem's
// `errors: [{ path, code }]`, and loads NestJS, which the unit tier cannot.)
const parse = (q: Record<string, unknown>) => eventsQuery.parse(q);
const problems = (q: Record<string, unknown>) => {
  const r = eventsQuery.safeParse(q);
  if (r.success) throw new Error(`accepted ${JSON.stringify(q)}`);
  return r.error.issues.map((i) => [
    i.path.map((k) => `/${String(k)}`).join(''),
    (i.code === 'custom' && (i.params as { code?: string } | undefined)?.code) || null,
  ]);
};
const C = '0x' + 'ab'.repeat(20);

const event = (over: Partial<RecordedEvent>): RecordedEvent => ({
  id: '0190a1b2-0000-7000-8000-000000000001',
  type: 'OrderAccepted',
  schemaVersion: 1,
  data: {},
  metadata: { correlationId: 'c', causationId: null, actor: 'test', occurredAt: '' },
  streamName: `market-${C}`,
  revision: 0n,
  position: 10n,
  recordedAt: new Date('2026-12-01T00:00:00.000Z'),
  ...over,
});

describe('GET /v1/events query', () => {
  it('defaults to the whole log, read once', () => {
    expect(parse({})).toEqual({
      start: { kind: 'position', after: 0n },
      types: null,
      stream: null,
      toPosition: null,
      limit: null,
      follow: false,
    });
  });

  it('takes types repeated and comma-separated, a collection as its market stream, bounds', () => {
    const q = parse({
      type: ['OrderAccepted,TradeMatched', 'TokenObserved'],
      collection: C.toUpperCase().replace('0X', '0x'),
      fromPosition: '42',
      toPosition: '99',
      limit: '5',
      follow: 'true',
    });
    expect([...q.types!].sort()).toEqual(['OrderAccepted', 'TokenObserved', 'TradeMatched']);
    expect(q).toMatchObject({
      start: { kind: 'position', after: 42n },
      stream: `market-${C}`,
      toPosition: 99n,
      limit: 5,
      follow: true,
    });
    expect(parse({ fromBlock: '7' }).start).toEqual({ kind: 'block', block: 7n });
    expect(parse({ fromTime: '2026-12-01T01:00:00.5+01:00' }).start).toEqual({
      kind: 'time',
      time: new Date('2026-12-01T00:00:00.500Z'),
    });
    expect(EVENT_TYPES).toEqual(expect.arrayContaining(['OrderAccepted', 'TradeSettled']));
  });

  it.each([
    [{ fromTime: 'yesterday' }, '/fromTime', 'EVENTS.BAD_TIME'],
    [{ fromTime: '2026-12-01T00:00:00' }, '/fromTime', 'EVENTS.BAD_TIME'], // no zone
    [{ fromTime: '2026-02-30T00:00:00Z' }, '/fromTime', 'EVENTS.BAD_TIME'],
    [{ fromTime: '2026-12-01T24:00:00Z' }, '/fromTime', 'EVENTS.BAD_TIME'],
    [{ fromBlock: '-1' }, '/fromBlock', 'EVENTS.BAD_BLOCK'],
    [{ fromBlock: '1e3' }, '/fromBlock', 'EVENTS.BAD_BLOCK'],
    [{ fromPosition: '9223372036854775808' }, '/fromPosition', 'EVENTS.BAD_POSITION'],
    [{ fromPosition: '007' }, '/fromPosition', 'EVENTS.BAD_POSITION'],
    [{ type: 'OrderAccepted,Nope' }, '/type', 'EVENTS.UNKNOWN_TYPE'],
    [{ type: "OrderAccepted' OR 1=1 --" }, '/type', 'EVENTS.UNKNOWN_TYPE'],
    [{ type: '' }, '/type', 'EVENTS.UNKNOWN_TYPE'],
    [{ stream: "market-x'; DROP TABLE events; --" }, '/stream', 'EVENTS.BAD_STREAM'],
    [{ stream: 'market-🎨' }, '/stream', 'EVENTS.BAD_STREAM'],
    [{ collection: '0x123' }, '/collection', 'EVENTS.BAD_COLLECTION'],
    [{ limit: '0' }, '/limit', 'EVENTS.BAD_LIMIT'],
    [{ limit: '1000001' }, '/limit', 'EVENTS.BAD_LIMIT'],
    [{ follow: 'yes' }, '/follow', 'EVENTS.BAD_FOLLOW'],
    [{ fromBlock: '1', fromTime: '2026-12-01T00:00:00Z' }, '/fromTime', 'EVENTS.CONFLICTING_START'],
    [{ stream: 'market-0x01', collection: C }, '/collection', 'EVENTS.CONFLICTING_STREAM'],
    [{ fromPosition: '10', toPosition: '9' }, '/toPosition', 'EVENTS.BAD_RANGE'],
    [{ limit: ['1', '2'] }, '/limit', null],
    [{ colour: 'red' }, '', null],
  ])('refuses %j', (q, path, code) => {
    expect(problems(q)).toContainEqual([path, code]);
  });

  it('selects by start and filters', () => {
    const byBlock = new EventSelection(parse({ fromBlock: '5', type: 'TokenObserved' }));
    expect(byBlock.after).toBe(0n);
    expect(byBlock.startsAt(event({ data: { block: '4' } }))).toBe(false);
    expect(byBlock.startsAt(event({ data: { block: '5' } }))).toBe(true);
    expect(byBlock.startsAt(event({ data: {} }))).toBe(false);
    expect(byBlock.matches(event({ type: 'TokenObserved' }))).toBe(true);
    expect(byBlock.matches(event({ type: 'OrderAccepted' }))).toBe(false);
    const byTime = new EventSelection(parse({ fromTime: '2026-12-01T00:00:00.001Z' }));
    expect(byTime.startsAt(event({}))).toBe(false);
    expect(byTime.startsAt(event({ recordedAt: new Date('2026-12-01T00:00:00.001Z') }))).toBe(true);
    const byStream = new EventSelection(parse({ collection: C }));
    expect(byStream.category).toBe('market');
    expect(byStream.matches(event({ streamName: 'market-0x01' }))).toBe(false);
    expect(carriedBlock(event({ data: { block: 12 } }))).toBeNull(); // stored blocks are strings
    expect(JSON.parse(JSON.stringify(eventLine(event({ position: 2n ** 62n }))))).toMatchObject({
      kind: 'event',
      position: (2n ** 62n).toString(),
      revision: '0',
      recordedAt: '2026-12-01T00:00:00.000Z',
    });
  });
});
