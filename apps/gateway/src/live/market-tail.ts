// The process's one tail of the market log (LiveFeed's), offered to whatever else in the gateway
// follows the market in memory (the order-book cache, read/order-book-cache.ts), so no reader
// opens a subscription of its own. LiveFeed reports where the tail starts, every event it reads
// (in log order, before it moves its own position) and when it fails; a listener that held
// state derived from the log forgets it on a failure (the tail restarts after its position, so
// nothing is lost, but a listener cannot tell what it missed while it was down).
import { Injectable } from '@nestjs/common';
import type { RecordedEvent } from '@atelier/eventsourcing';

export interface MarketTailListener {
  /** One event of the market category, in log order, only events past `position`. */
  event(event: RecordedEvent): void;
  /** The tail failed (it restarts); state derived from it is no longer current. */
  reset(): void;
}

@Injectable()
export class MarketTail {
  private readonly listeners = new Set<MarketTailListener>();
  private at: bigint | null = null;

  /**
   * The global position the tail has handed out every market event up to (within the store's
   * safe bound), or null while it does not run.
   */
  get position(): bigint | null {
    return this.at;
  }

  listen(listener: MarketTailListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** LiveFeed: the tail runs from `position` (nothing at or below it can still commit). */
  started(position: bigint): void {
    this.at = position;
  }

  /** LiveFeed: the next event of the tail. */
  publish(event: RecordedEvent): void {
    for (const l of this.listeners) l.event(event);
    this.at = event.position;
  }

  /** LiveFeed: the tail failed or stopped; it is down until `started` again. */
  stopped(): void {
    this.at = null;
    for (const l of this.listeners) l.reset();
  }
}
