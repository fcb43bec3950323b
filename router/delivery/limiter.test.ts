import { describe, expect, it } from 'vitest';
import { createLimiter } from './limiter.ts';

describe('limiter', () => {
  it('runs at most n at once, the others in the order they came, and survives a failure', async () => {
    const limit = createLimiter(2);
    let running = 0, most = 0;
    const started: number[] = [];
    const task = (i: number) => limit(async () => {
      started.push(i);
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      if (i === 1) throw new Error('boom');
      return i;
    });
    const results = await Promise.allSettled([0, 1, 2, 3, 4, 5].map(task));
    expect(most).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    // The failed call gave its slot back: two more run at once again.
    await Promise.all([task(6), task(7)]);
    expect(most).toBe(2);
  });
});
