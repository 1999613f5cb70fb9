// A live feed as a GraphQL subscription's source: an async iterator over a bounded queue of
// changes. Mercurius pulls it as it writes to the WebSocket; what the client has not taken is the
// queue (the socket's own buffer is Mercurius' and ws's). Past LIVE_CLIENT_BUFFER_EVENTS the feed
// is cut off; a feed the gateway ends throws its reason (a GraphQL error with the end's code) after
// what was queued, and a client that unsubscribes (return()) ends it from its side.
import { GraphQLError } from 'graphql';
import type { LiveEnd } from './live.errors';
import type { LiveChange } from './live-changes';
import type { LiveSink } from './live-feed';

export class LiveIterator implements LiveSink, AsyncIterableIterator<LiveChange> {
  private readonly queue: LiveChange[] = [];
  private waiter: ((r: IteratorResult<LiveChange>) => void) | null = null;
  private failer: ((e: unknown) => void) | null = null;
  private readonly drainers: Array<() => void> = [];
  private readonly listeners: Array<() => void> = [];
  private done = false;
  private ending: LiveEnd | null = null;

  constructor(private readonly limit: number) {}

  get closed(): boolean {
    return this.done;
  }

  send(change: LiveChange): void {
    if (this.done) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = this.failer = null;
      w({ value: change, done: false });
    } else this.queue.push(change);
  }

  overLimit(): boolean {
    return this.queue.length > this.limit;
  }

  pressed(): boolean {
    return this.queue.length > this.limit / 2;
  }

  drained(): Promise<void> {
    if (this.done || this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainers.push(resolve));
  }

  end(end?: LiveEnd): void {
    if (this.done) return;
    this.ending = end ?? null;
    // A slow client's queue is what it failed to take: dropped, the reason comes next.
    if (end?.code === 'LIVE.SLOW_CONSUMER') this.queue.length = 0;
    this.finish();
    if (this.waiter) {
      const [w, f] = [this.waiter, this.failer];
      this.waiter = this.failer = null;
      if (this.ending) f!(this.error(this.ending));
      else w({ value: undefined, done: true });
    }
  }

  onClose(listener: () => void): void {
    if (this.done) listener();
    else this.listeners.push(listener);
  }

  next(): Promise<IteratorResult<LiveChange>> {
    const change = this.queue.shift();
    if (change) {
      if (this.queue.length === 0) for (const d of this.drainers.splice(0)) d();
      return Promise.resolve({ value: change, done: false });
    }
    if (this.done) {
      const ending = this.ending;
      this.ending = null;
      return ending
        ? Promise.reject(this.error(ending))
        : Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.failer = reject;
    });
  }

  /** The client unsubscribed (or its connection closed). */
  return(): Promise<IteratorResult<LiveChange>> {
    this.ending = null;
    this.queue.length = 0;
    this.finish();
    if (this.waiter) {
      this.waiter({ value: undefined, done: true });
      this.waiter = this.failer = null;
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private error(end: LiveEnd): GraphQLError {
    return new GraphQLError(end.message, { extensions: { code: end.code } });
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    for (const d of this.drainers.splice(0)) d();
    for (const l of this.listeners.splice(0)) l();
  }
}
