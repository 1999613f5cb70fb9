// The in-process token bucket of reads without a key: the burst, then one token per 1/rps,
// Retry-After until the next token, buckets apart per subject, and a refusal takes nothing.
import { LocalRateLimiter } from './rate-limiter';

describe('LocalRateLimiter', () => {
  it('lets a burst through, then refills at rps; a refusal takes nothing', () => {
    let now = 0;
    const limiter = new LocalRateLimiter(() => now);
    const take = () => limiter.take('ip:1', 2, 3);
    expect([take(), take(), take()].map((d) => d.allowed)).toEqual([true, true, true]);
    expect(take()).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(take().allowed).toBe(false);
    now = 499; // 0.998 of a token back
    expect(take().allowed).toBe(false);
    now = 500;
    expect(take()).toEqual({ allowed: true, retryAfterSeconds: 0 });
    expect(take().allowed).toBe(false);
    // Another subject has its own bucket.
    expect(limiter.take('ip:2', 2, 3).allowed).toBe(true);
    // Never more than the burst, however long it waited.
    now = 60_000;
    expect([take(), take(), take(), take()].map((d) => d.allowed)).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  it('says how long until a token is back at a slow rate', () => {
    const limiter = new LocalRateLimiter(() => 0);
    expect(limiter.take('ip:1', 0.1, 1).allowed).toBe(true);
    expect(limiter.take('ip:1', 0.1, 1)).toEqual({ allowed: false, retryAfterSeconds: 10 });
  });
});
