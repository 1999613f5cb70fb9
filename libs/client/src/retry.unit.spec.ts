import { DEFAULT_RETRY, parseRetryAfter, retryDelay } from './retry';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-12-01T00:00:00Z');

  it('reads delta-seconds and HTTP-dates, in ms from now', () => {
    expect(parseRetryAfter('1', now)).toBe(1_000);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfter('Tue, 01 Dec 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Mon, 30 Nov 2026 00:00:00 GMT', now)).toBe(0); // past: now
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('retryDelay', () => {
  const policy = { retries: 3, baseDelayMs: 100, maxDelayMs: 5_000 };

  it('honours Retry-After up to the cap, and refuses to wait longer', () => {
    expect(retryDelay(policy, 0, 1_000)).toBe(1_000);
    expect(retryDelay(policy, 2, 5_000)).toBe(5_000);
    expect(retryDelay(policy, 0, 5_001)).toBeUndefined();
  });

  it('backs off exponentially with full jitter without Retry-After', () => {
    expect([0, 1, 2].map((a) => retryDelay(policy, a, undefined, () => 0.999))).toEqual([
      99, 199, 399,
    ]);
    expect(retryDelay(policy, 2, undefined, () => 0)).toBe(0);
    const capped = { ...policy, retries: 20 };
    expect(retryDelay(capped, 15, undefined, () => 0.5)).toBe(2_500);
  });

  it('stops after the policy’s retries', () => {
    expect(retryDelay(policy, 3, undefined)).toBeUndefined();
    expect(retryDelay(policy, 3, 10)).toBeUndefined();
    expect(retryDelay({ ...DEFAULT_RETRY, retries: 0 }, 0, 10)).toBeUndefined();
  });
});
