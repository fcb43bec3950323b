import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_SCHEDULE_MS, retryDelayMs } from './backoff.ts';

describe('retryDelayMs', () => {
  it('follows the default schedule and repeats its last step', () => {
    const exact = (n: number) => retryDelayMs(n, { jitter: 0 });
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(exact)).toEqual([...DEFAULT_RETRY_SCHEDULE_MS]);
    expect(exact(20)).toBe(3_600_000);
  });

  it('jitters downwards only, by at most the jitter fraction', () => {
    expect(retryDelayMs(2, {}, undefined, () => 0)).toBe(4_000);
    expect(retryDelayMs(2, {}, undefined, () => 0.999999)).toBe(3_200);
    expect(retryDelayMs(2, { jitter: 0.5 }, undefined, () => 0.5)).toBe(3_000);
  });

  it('honours Retry-After, bounded by the longest step', () => {
    expect(retryDelayMs(1, {}, 120_000)).toBe(120_000);
    expect(retryDelayMs(1, {}, 0)).toBe(0);
    expect(retryDelayMs(1, {}, 86_400_000)).toBe(3_600_000);
    expect(retryDelayMs(1, { scheduleMs: [10, 20] }, 500)).toBe(20);
  });

  it('takes a custom schedule', () => {
    expect(retryDelayMs(1, { scheduleMs: [10, 20], jitter: 0 })).toBe(10);
    expect(retryDelayMs(5, { scheduleMs: [10, 20], jitter: 0 })).toBe(20);
  });
});
