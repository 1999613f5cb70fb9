import { AtelierApiError } from './errors';
import { openOrderStream, type OrderStreamEvent } from './order-stream';

/** An SSE answer that sends `text` and then ends (the server closing the connection). */
const sse = (text: string) =>
  new Response(
    new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(text));
        controller.close();
      },
    }),
    { status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8' } },
  );

const frame = (id: number, hash: string, status = 'fillable') =>
  `id: ${id}\nevent: ${status === 'fillable' ? 'OrderAccepted' : 'OrderStatusChanged'}\n` +
  `data: ${JSON.stringify({ type: 'x', position: String(id), collection: '0xc', hash, status })}\n\n`;

function scripted(answers: (() => Response | Error)[]) {
  const lastEventIds: (string | null)[] = [];
  let i = 0;
  const fetch = async (request: Request) => {
    lastEventIds.push(request.headers.get('last-event-id'));
    const next = answers[Math.min(i++, answers.length - 1)]!();
    if (next instanceof Error) throw next;
    return next;
  };
  return { fetch, lastEventIds };
}

describe('openOrderStream', () => {
  it('reconnects when the connection ends or fails, resuming after the last id delivered', async () => {
    const { fetch, lastEventIds } = scripted([
      () => sse(`retry: 5\n: hello\n\n${frame(10, '0xa')}${frame(11, '0xb')}`),
      () => new TypeError('socket hang up'),
      () => sse(`: keep-alive\n\n${frame(14, '0xa', 'cancelled-off-chain')}`),
      () => sse(''),
    ]);
    const delays: number[] = [];
    const stream = openOrderStream('http://gw/', fetch, {
      onReconnect: ({ delayMs }) => delays.push(delayMs),
    });
    const got: OrderStreamEvent[] = [];
    for await (const e of stream) {
      got.push(e);
      if (got.length === 3) break;
    }
    expect(got.map((e) => [e.id, e.type, e.data.hash, e.data.status])).toEqual([
      ['10', 'OrderAccepted', '0xa', 'fillable'],
      ['11', 'OrderAccepted', '0xb', 'fillable'],
      ['14', 'OrderStatusChanged', '0xa', 'cancelled-off-chain'],
    ]);
    expect(lastEventIds).toEqual([null, '11', '11']);
    // the server's retry (5 ms), doubled after the failed attempt
    expect(delays).toEqual([5, 10]);
    expect(stream.lastEventId).toBe('14');
    expect(stream.connections).toBe(2);
    expect(stream.keepAlives).toBe(2);
  });

  it('starts after a given id and ends with the API error a retry cannot change', async () => {
    const { fetch, lastEventIds } = scripted([
      () =>
        new Response(JSON.stringify({ status: 401, code: 'AUTH.INVALID_KEY', detail: 'no' }), {
          status: 401,
          headers: { 'content-type': 'application/problem+json' },
        }),
    ]);
    const stream = openOrderStream('http://gw', fetch, { lastEventId: '99' });
    const error = await stream[Symbol.asyncIterator]()
      .next()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AtelierApiError);
    expect(error).toMatchObject({ status: 401, code: 'AUTH.INVALID_KEY' });
    expect(lastEventIds).toEqual(['99']);
  });

  it('ends quietly when closed while waiting to reconnect', async () => {
    const { fetch } = scripted([() => sse(frame(1, '0xa'))]);
    const stream = openOrderStream('http://gw', fetch, { reconnectDelayMs: 60_000 });
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ id: '1' });
    const pending = iterator.next();
    setTimeout(() => stream.close(), 10);
    expect(await pending).toEqual({ done: true, value: undefined });
  });
});
