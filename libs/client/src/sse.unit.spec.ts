import { SseParser } from './sse';

const STREAM =
  'retry: 2000\n: stream of key k after 0\n\n' +
  'id: 17\nevent: OrderAccepted\ndata: {"hash":"0x1","position":"17"}\n\n' +
  ': keep-alive\n\n' +
  'id: 21\r\nevent: OrderStatusChanged\r\ndata: {"hash":"0x1",\r\ndata: "status":"filled"}\r\n\r\n' +
  'data: no id\rdata:tail\r\r';

describe('SseParser', () => {
  it('parses events, ids, retry and comments', () => {
    const parser = new SseParser();
    const events = parser.push(STREAM);
    expect(events).toEqual([
      { event: 'OrderAccepted', data: '{"hash":"0x1","position":"17"}', id: '17' },
      { event: 'OrderStatusChanged', data: '{"hash":"0x1",\n"status":"filled"}', id: '21' },
      // no id: of its own, so the last one stays (EventSource's lastEventId)
      { event: 'message', data: 'no id\ntail', id: '21' },
    ]);
    expect(parser.retryMs).toBe(2000);
    expect(parser.comments).toBe(2);
    expect(parser.lastEventId).toBe('21');
  });

  it('gives the same events however the text is split', () => {
    const whole = new SseParser().push(STREAM);
    for (let cut = 0; cut <= STREAM.length; cut++) {
      const parser = new SseParser();
      const events = [...parser.push(STREAM.slice(0, cut)), ...parser.push(STREAM.slice(cut))];
      expect(events).toEqual(whole);
    }
    const parser = new SseParser();
    expect([...STREAM].flatMap((c) => parser.push(c))).toEqual(whole);
  });

  it('starts from a given last event id and dispatches nothing without data', () => {
    const parser = new SseParser('5');
    expect(parser.push('event: x\n\nid: 6\n\n')).toEqual([]);
    expect(parser.lastEventId).toBe('6');
    expect(parser.push('data: y\n\n')).toEqual([{ event: 'message', data: 'y', id: '6' }]);
  });

  it('keeps an incomplete event until its blank line arrives', () => {
    const parser = new SseParser();
    expect(parser.push('id: 1\nevent: OrderAccepted\ndata: {}\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ event: 'OrderAccepted', data: '{}', id: '1' }]);
  });
});
