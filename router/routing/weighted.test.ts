import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { weightedOrder, weightedSequence } from './weighted.ts';

describe('weighted turns', () => {
  it('spreads picks smoothly: 3:1 is a a b a, not a a a b', () => {
    expect(weightedSequence([3, 1])).toEqual([0, 0, 1, 0]);
    expect(weightedSequence([5, 1, 1])).toEqual([0, 0, 1, 0, 2, 0, 0]);
  });

  it('equal weights are plain round-robin', () => {
    const group = ['a', 'b', 'c'];
    expect([0, 1, 2, 3].map((t) => weightedOrder(group, [1, 1, 1], t)[0])).toEqual(['a', 'b', 'c', 'a']);
    expect(weightedOrder(group, [2, 2, 2], 1)).toEqual(['b', 'c', 'a']);
  });

  it('the pick comes first, every other member follows once (the fallbacks when caps are full)', () => {
    expect(weightedOrder(['a', 'b', 'c'], [5, 1, 1], 2)).toEqual(['b', 'a', 'c']);
    expect(weightedOrder(['a', 'b', 'c'], [5, 1, 1], 0)).toEqual(['a', 'b', 'c']);
  });

  it('property: over N turns from the start, each member gets N·w/Σw give or take one', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 2, maxLength: 6 }), fc.integer({ min: 1, max: 2000 }), (weights, n) => {
      const total = weights.reduce((a, b) => a + b, 0);
      const counts = weights.map(() => 0);
      const members = weights.map((_, i) => i);
      for (let t = 0; t < n; t++) counts[weightedOrder(members, weights, t)[0]]++;
      weights.forEach((w, i) => expect(Math.abs(counts[i] - (n * w) / total)).toBeLessThanOrEqual(1));
    }), { numRuns: 300 });
  });
});
