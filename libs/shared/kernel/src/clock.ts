// Time as an injected dependency: deciders and repositories never call Date.now(), so a
// test fixes the instant and a replay reproduces the same decisions.

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that stands still until told to move; for tests and deterministic replays. */
export class FixedClock implements Clock {
  private epochMs: number;
  constructor(at: Date | string | number = '2025-01-01T00:00:00.000Z') {
    this.epochMs = new Date(at).getTime();
    if (Number.isNaN(this.epochMs)) throw new Error(`FixedClock: invalid instant ${String(at)}`);
  }
  now(): Date {
    return new Date(this.epochMs);
  }
  set(at: Date | string | number): void {
    const ms = new Date(at).getTime();
    if (Number.isNaN(ms)) throw new Error(`FixedClock: invalid instant ${String(at)}`);
    this.epochMs = ms;
  }
  advance(ms: number): Date {
    this.epochMs += ms;
    return this.now();
  }
}

export const fixedClock = (at?: Date | string | number): FixedClock => new FixedClock(at);
