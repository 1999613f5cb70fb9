// EventLogStreams alone, over the in-memory store and a response that can refuse writes: the
// bound on open streams, the end reasons the int spec does not reach (a follow stream's max
// duration, a store failure mid-stream), and backpressure: while the socket is full no further line is queued and the
// store is not read past the page in hand.
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { InMemoryEventStore, type EventStore, type NewEvent } from '@atelier/eventsourcing';
import { EventLogStreams } from './event-log-streams';
import { eventsQuery } from './events.query';

const silent = { child: () => silent, error: () => undefined } as never;

/** A response whose socket takes `capacity` writes, then reports full until `drain()`. */
class FakeResponse extends EventEmitter {
  readonly chunks: string[] = [];
  writableEnded = false;
  writableNeedDrain = false;
  status = 0;
  constructor(private capacity = Infinity) {
    super();
  }
  writeHead(status: number): this {
    this.status = status;
    return this;
  }
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    this.capacity--;
    this.writableNeedDrain = this.capacity <= 0;
    return !this.writableNeedDrain;
  }
  end(): void {
    this.writableEnded = true;
    this.emit('finish');
  }
  drain(more: number): void {
    this.capacity = more;
    this.writableNeedDrain = false;
    this.emit('drain');
  }
  lines(): Record<string, unknown>[] {
    return this.chunks
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }
  ended(): Promise<void> {
    return this.writableEnded
      ? Promise.resolve()
      : new Promise((r) => this.once('finish', () => r()));
  }
}

const events = (n: number, from = 0): NewEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `0190a1b2-0000-7000-8000-${(from + i + 1).toString(16).padStart(12, '0')}`,
    type: 'OrderAccepted',
    schemaVersion: 1,
    data: { hash: `h${from + i}`, padding: 'x'.repeat(100) },
    metadata: {
      correlationId: 'c',
      causationId: null,
      actor: 'test',
      occurredAt: '2026-12-01T00:00:00.000Z',
    },
  }));

const options = { pageSize: 10, keepAliveMs: 100, followMaxMs: 300, maxStreams: 2 };
const start = (store: EventStore, query: Record<string, string>, res: FakeResponse) => {
  const streams = new EventLogStreams(store, options, silent);
  streams.start(eventsQuery.parse(query), res as unknown as ServerResponse);
  return streams;
};
const until = async (what: string, probe: () => boolean, ms = 5_000) => {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('EventLogStreams', () => {
  it('admits maxStreams streams at once, refuses one more with SERVICE.OVERLOADED', async () => {
    const store = new InMemoryEventStore();
    const streams = new EventLogStreams(store, options, silent);
    const open = [new FakeResponse(), new FakeResponse()];
    for (const res of open) {
      streams.admit();
      streams.start(eventsQuery.parse({ follow: 'true' }), res as unknown as ServerResponse);
    }
    expect(() => streams.admit()).toThrow(
      expect.objectContaining({ code: 'SERVICE.OVERLOADED', details: { openStreams: 2 } }),
    );
    open[0]!.emit('close'); // the client leaves: its place is free again
    await until('a free place', () => streams.size < 2);
    expect(() => streams.admit()).not.toThrow();
    await streams.beforeApplicationShutdown();
    expect(streams.size).toBe(0);
  });

  it('a follow stream writes keepalives, then ends at its max duration, resumable', async () => {
    const store = new InMemoryEventStore();
    await store.append('market-a', events(3), { expectedRevision: 'no_stream' });
    const res = new FakeResponse();
    start(store, { follow: 'true' }, res);
    await res.ended();
    const lines = res.lines();
    const last = (await store.readAll()).at(-1)!.position.toString();
    expect(lines.filter((l) => l['kind'] === 'event')).toHaveLength(3);
    expect(lines.filter((l) => l['kind'] === 'keepalive').length).toBeGreaterThanOrEqual(1);
    expect(lines.find((l) => l['kind'] === 'keepalive')).toEqual({
      kind: 'keepalive',
      position: last,
    });
    expect(lines.at(-1)).toEqual({ kind: 'end', reason: 'max-duration', position: last });
  });

  it('a scan with no match yet writes keepalives with how far it got, then ends at the head', async () => {
    const store = new InMemoryEventStore();
    await store.append('market-a', events(20), { expectedRevision: 'no_stream' });
    const slow = {
      subscribe: (o: Parameters<EventStore['subscribe']>[0]) =>
        (async function* () {
          for await (const e of store.subscribe(o)) {
            await new Promise((r) => setTimeout(r, 20));
            yield e;
          }
        })(),
    } as unknown as EventStore;
    const res = new FakeResponse();
    start(slow, { type: 'TradeMatched' }, res);
    await res.ended();
    const lines = res.lines();
    const positions = (await store.readAll()).map((e) => e.position.toString());
    const keepalives = lines.filter((l) => l['kind'] === 'keepalive');
    expect(keepalives.length).toBeGreaterThanOrEqual(1);
    for (const k of keepalives) expect(positions).toContain(k['position']);
    expect(lines.filter((l) => l['kind'] === 'event')).toEqual([]);
    expect(lines.at(-1)).toEqual({ kind: 'end', reason: 'head', position: positions.at(-1) });
  });

  it('a store failure mid-stream ends with an error line naming the resume position', async () => {
    const store = new InMemoryEventStore();
    await store.append('market-a', events(15), { expectedRevision: 'no_stream' });
    // The stream only subscribes: the rest of the port is not needed here.
    const failing = {
      subscribe: (o: Parameters<EventStore['subscribe']>[0]) =>
        (async function* () {
          let n = 0;
          for await (const e of store.subscribe(o)) {
            if (++n > 12) throw new Error('connection terminated');
            yield e;
          }
        })(),
    } as unknown as EventStore;
    const res = new FakeResponse();
    start(failing, {}, res);
    await res.ended();
    const lines = res.lines();
    const twelfth = (await store.readAll())[11]!.position.toString();
    expect(lines.filter((l) => l['kind'] === 'event')).toHaveLength(12);
    // Not a CodedError: no internals in the message.
    expect(lines.at(-1)).toEqual({
      kind: 'error',
      code: 'INTERNAL.UNEXPECTED',
      message: 'the event stream failed',
      position: twelfth,
    });
  });

  it('queues nothing more while the socket is full, and goes on at drain', async () => {
    const store = new InMemoryEventStore();
    await store.append('market-a', events(2_000), { expectedRevision: 'no_stream' });
    let read = 0;
    const counting = {
      subscribe: (o: Parameters<EventStore['subscribe']>[0]) =>
        (async function* () {
          for await (const e of store.subscribe(o)) {
            read++;
            yield e;
          }
        })(),
    } as unknown as EventStore;
    const res = new FakeResponse(1); // the first chunk fills it
    start(counting, {}, res);
    await until('a full socket', () => res.writableNeedDrain);
    await new Promise((r) => setTimeout(r, 50));
    const [chunks, events1] = [res.chunks.length, read];
    // One 64 KiB chunk (at most) went out and the loop stopped: not the 2,000 events.
    expect(chunks).toBe(1);
    expect(events1).toBeLessThan(600);
    await new Promise((r) => setTimeout(r, 50));
    expect([res.chunks.length, read]).toEqual([chunks, events1]);
    for (let i = 0; i < 1_000 && !res.writableEnded; i++) {
      res.drain(1);
      await new Promise((r) => setImmediate(r));
    }
    await res.ended();
    const lines = res.lines();
    expect(lines.filter((l) => l['kind'] === 'event').map((l) => l['data'])).toEqual(
      (await store.readAll({ maxCount: 5_000 })).map((e) => e.data),
    );
    expect(lines.at(-1)).toMatchObject({ kind: 'end', reason: 'head' });
  });
});
