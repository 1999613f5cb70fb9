// The catch-up subscription loop every polling adapter shares: read a batch after the
// checkpoint, deliver it, and when a read comes back short the subscription is live and
// sleeps until woken (a notification) or a poll interval passes. Catch-up and live are the
// same loop over the same checkpoint, so there is no gap between the two phases.
import type { RecordedEvent } from './event';

/** Wakes sleepers when something may have changed; a ticket taken before a read closes the race. */
export class ChangeNotifier {
  private version = 0;
  private readonly waiters = new Set<() => void>();

  /** Take before reading; pass to wait() so a change during the read is not missed. */
  ticket(): number {
    return this.version;
  }

  notify(): void {
    this.version++;
    for (const wake of [...this.waiters]) wake();
  }

  wait(ticket: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.version !== ticket || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}

export interface PollingSource {
  /** Up to `limit` events after `after`, in global order, that are safe to deliver. */
  read(after: bigint, limit: number): Promise<RecordedEvent[]>;
  readonly changes: ChangeNotifier;
}

export interface CatchUpOptions {
  readonly after?: bigint;
  readonly batchSize?: number;
  readonly pollIntervalMs?: number;
  readonly signal?: AbortSignal;
  readonly onCaughtUp?: (position: bigint) => void;
}

export async function* catchUpSubscription(
  source: PollingSource,
  { after = 0n, batchSize = 1000, pollIntervalMs = 1000, signal, onCaughtUp }: CatchUpOptions = {},
): AsyncGenerator<RecordedEvent, void, undefined> {
  let checkpoint = after;
  let live = false;
  while (!signal?.aborted) {
    const ticket = source.changes.ticket();
    const batch = await source.read(checkpoint, batchSize);
    for (const event of batch) {
      if (signal?.aborted) return;
      if (event.position <= checkpoint) continue; // never twice, whatever a source returns
      yield event;
      checkpoint = event.position;
    }
    if (batch.length >= batchSize) {
      live = false;
      continue;
    }
    if (!live) {
      live = true;
      onCaughtUp?.(checkpoint);
    }
    await source.changes.wait(ticket, pollIntervalMs, signal);
  }
}
