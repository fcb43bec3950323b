import { monotonicFactory } from 'ulid';
import { describe, expect, it } from 'vitest';
import { createIdFactory, pooledRandom } from './ids.ts';

describe('pooledRandom (ulid randomness)', () => {
  it('draws values in [0, 1) evenly over ulid\'s 32 characters, across pool refills', () => {
    const next = pooledRandom(64);
    const buckets = new Array<number>(32).fill(0);
    const n = 32_000;
    for (let i = 0; i < n; i++) {
      const v = next();
      expect(v >= 0 && v < 1).toBe(true);
      buckets[Math.floor(v * 32)]++;
    }
    for (const b of buckets) {
      expect(b).toBeGreaterThan(n / 32 * 0.8);
      expect(b).toBeLessThan(n / 32 * 1.2);
    }
  });

  it('makes unique, sortable ids through ulid', () => {
    const newId = createIdFactory();
    expect(monotonicFactory(pooledRandom())()).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    const ids = Array.from({ length: 5_000 }, () => newId());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});
