import { Redis } from 'ioredis';
import { afterAll, describe } from 'vitest';
import { deleteKeysUnder, TEST_REDIS_URL, testPrefix } from '../testing/redis-keys.ts';
import { createMemoryBidStore, createRedisBidStore } from './bid-store.ts';
import { bidStoreContract } from './bid-store-contract.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('memory bid store', () => {
  bidStoreContract(async () => {
    const store = createMemoryBidStore();
    return { store, done: () => store.close() };
  }, { sleep });
});

describe('Redis bid store', () => {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const prefixes: string[] = [];
  afterAll(async () => {
    for (const p of prefixes) await deleteKeysUnder(redis, p);
    await redis.quit();
  });
  bidStoreContract(async () => {
    const prefix = testPrefix();
    prefixes.push(prefix);
    const store = createRedisBidStore(redis, { prefix });
    return { store, done: () => store.close() };
  }, { sleep });
});
