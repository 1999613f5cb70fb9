// The GraphQL side's sink alone: changes come out in order whether they were queued or awaited,
// its buffer is measured in changes, a gateway-ended feed throws its code after nothing more (a
// slow client's queue is dropped), and a client's return() closes it for the feed.
import type { LiveChange } from './live-changes';
import { LiveIterator } from './live-iterator';

const change = (position: string) => ({ feed: 'books', position }) as unknown as LiveChange;

describe('LiveIterator', () => {
  it('hands out changes in order, queued or awaited, and measures its backlog', async () => {
    const it = new LiveIterator(4);
    const first = it.next();
    it.send(change('1'));
    expect((await first).value?.position).toBe('1');
    for (const p of ['2', '3', '4']) it.send(change(p));
    expect(it.pressed()).toBe(true);
    expect(it.overLimit()).toBe(false);
    it.send(change('5'));
    it.send(change('6'));
    expect(it.overLimit()).toBe(true);
    const drained = it.drained();
    const got: string[] = [];
    for (let i = 0; i < 5; i++) got.push((await it.next()).value!.position);
    await drained;
    expect(got).toEqual(['2', '3', '4', '5', '6']);
  });

  it('throws the reason the gateway ended it with, once, then is done', async () => {
    const it = new LiveIterator(4);
    let closed = 0;
    it.onClose(() => closed++);
    it.send(change('1'));
    it.end({ code: 'LIVE.SLOW_CONSUMER', message: 'too slow' });
    await expect(it.next()).rejects.toMatchObject({
      extensions: { code: 'LIVE.SLOW_CONSUMER' },
    });
    expect(await it.next()).toEqual({ value: undefined, done: true });
    expect(closed).toBe(1);
    const waiting = new LiveIterator(4);
    const pending = waiting.next();
    waiting.end({ code: 'LIVE.SHUTDOWN', message: 'bye' });
    await expect(pending).rejects.toMatchObject({ extensions: { code: 'LIVE.SHUTDOWN' } });
  });

  it('closes for the feed when the client unsubscribes', async () => {
    const it = new LiveIterator(4);
    let closed = false;
    it.onClose(() => (closed = true));
    const pending = it.next();
    await it.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(closed).toBe(true);
    it.send(change('1'));
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });
});
