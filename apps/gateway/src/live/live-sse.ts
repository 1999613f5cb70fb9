// A live feed written as server-sent events on a raw HTTP response: `id:` the change's position
// (the client's Last-Event-ID), `event:` its type, one `data:` line of JSON. What the client
// has not read yet is what Node holds in the response's buffer once the socket's own buffer is
// full (`writableLength`); past the limit the feed is cut off. A feed the gateway ends gets a
// last `event: end` frame with the reason's code, and a client that never reads it is dropped
// after a grace period instead of holding its buffer forever.
import type { ServerResponse } from 'node:http';
import type { LiveEnd } from './live.errors';
import type { LiveChange } from './live-changes';
import type { LiveSink } from './live-feed';

const END_GRACE_MS = 5_000;

export const sseFrame = (change: LiveChange): string => {
  const data: Record<string, unknown> = { ...change };
  delete data['feed']; // the route names the feed
  return `id: ${change.position}\nevent: ${change.type}\ndata: ${JSON.stringify(data)}\n\n`;
};

export class SseSink implements LiveSink {
  private readonly listeners: Array<() => void> = [];
  private keepAlive: NodeJS.Timeout | undefined;
  private done = false;
  /** Frames sent before the headers went out (the feed may start before open()). */
  private early: string[] | null = [];

  constructor(
    private readonly response: ServerResponse,
    private readonly options: { readonly keepAliveMs: number; readonly limitBytes: number },
  ) {
    response.on('close', () => this.closeOnce());
  }

  /** Sends the headers and a first comment, so the client sees the feed open at once. */
  open(comment: string): void {
    this.response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no', // nginx: do not buffer the stream
    });
    this.response.write(`retry: 2000\n: ${comment}\n\n${(this.early ?? []).join('')}`);
    this.early = null;
    this.keepAlive = setInterval(() => {
      if (!this.done) this.response.write(': keep-alive\n\n');
    }, this.options.keepAliveMs);
  }

  get closed(): boolean {
    return this.done;
  }

  send(change: LiveChange): void {
    if (this.done) return;
    if (this.early) this.early.push(sseFrame(change));
    else this.response.write(sseFrame(change));
  }

  overLimit(): boolean {
    return this.response.writableLength > this.options.limitBytes;
  }

  pressed(): boolean {
    return this.response.writableLength > this.options.limitBytes / 2;
  }

  drained(): Promise<void> {
    if (this.done || this.early || this.response.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const go = () => {
        this.response.off('drain', go);
        this.response.off('close', go);
        resolve();
      };
      this.response.on('drain', go);
      this.response.on('close', go);
    });
  }

  end(end?: LiveEnd): void {
    if (this.done) return;
    if (this.early) {
      // Ended before it opened (shutdown during the start): nothing was written yet.
      this.early = null;
      if (!this.response.headersSent) this.response.writeHead(503, { 'retry-after': '1' });
    } else if (end) this.response.write(`event: end\ndata: ${JSON.stringify(end)}\n\n`);
    this.response.end();
    if (this.response.writableLength > 0)
      setTimeout(() => this.response.destroy(), END_GRACE_MS).unref();
    this.closeOnce();
  }

  onClose(listener: () => void): void {
    if (this.done) listener();
    else this.listeners.push(listener);
  }

  private closeOnce(): void {
    if (this.done) return;
    this.done = true;
    clearInterval(this.keepAlive);
    for (const l of this.listeners.splice(0)) l();
  }
}
