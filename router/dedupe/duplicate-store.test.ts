import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { deleteKeysUnder, TEST_REDIS_URL, testPrefix } from '../testing/redis-keys.ts';
import { createMemoryDuplicateStore, createRedisDuplicateStore, type DuplicateStore } from './duplicate-store.ts';

function contract(name: string, make: () => { store: DuplicateStore; advance(ms: number): Promise<void> }) {
  describe(`DuplicateStore contract: ${name}`, () => {
    it('the first lead holds its hashes; a repeat on any one of them names the first lead', async () => {
      const { store } = make();
      expect(await store.claim('auto', ['e1', 'p1'], 'L1', 60_000)).toBeNull();
      expect(await store.claim('auto', ['e2', 'p1'], 'L2', 60_000)).toBe('L1');
      // Nothing of the refused claim was held.
      expect(await store.claim('auto', ['e2'], 'L3', 60_000)).toBeNull();
      // Entities are apart.
      expect(await store.claim('solar', ['e1'], 'L4', 60_000)).toBeNull();
    });

    it('release gives back only what the lead holds; the window ends by itself', async () => {
      const { store, advance } = make();
      await store.claim('auto', ['a'], 'L1', 300);
      await store.release('auto', ['a'], 'L9');
      expect(await store.claim('auto', ['a'], 'L2', 300)).toBe('L1');
      await store.release('auto', ['a'], 'L1');
      expect(await store.claim('auto', ['a'], 'L2', 300)).toBeNull();
      await advance(400);
      expect(await store.claim('auto', ['a'], 'L3', 300)).toBeNull();
    });

    it('of 50 copies claimed at once, exactly one passes', async () => {
      const { store } = make();
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.claim('auto', ['same'], `L${i}`, 60_000)));
      expect(results.filter((r) => r === null)).toHaveLength(1);
    });
  });
}

let clock = 0;
contract('memory', () => ({ store: createMemoryDuplicateStore({ now: () => clock }), advance: async (ms) => { clock += ms; } }));

const redis = new Redis(TEST_REDIS_URL);
const prefixes: string[] = [];
afterAll(async () => {
  for (const p of prefixes) await deleteKeysUnder(redis, p);
  await redis.quit();
});
contract('redis', () => {
  const prefix = testPrefix();
  prefixes.push(prefix);
  return { store: createRedisDuplicateStore(redis, { prefix }), advance: (ms) => new Promise((r) => setTimeout(r, ms)) };
});
