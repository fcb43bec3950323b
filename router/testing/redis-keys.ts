// Tests share one Redis: each uses its own key prefix and deletes its keys afterwards.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { queuePrefixFor } from '../delivery/resolve.ts';

export const TEST_REDIS_URL = process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379';

/** `test:<uuid>:` */
export function testPrefix(): string {
  return `test:${randomUUID()}:`;
}

/** Every key under `prefix` (SCAN, never KEYS). */
export async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found;
}

/** Delete every key under `prefix`; never FLUSHDB a shared Redis. */
export async function deleteKeysUnder(redis: Redis, prefix: string): Promise<void> {
  const keys = await keysUnder(redis, prefix);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
}

/**
 * Delete every key a router left under its REDIS_PREFIX, and its delivery queue's (BullMQ keys
 * live under `{prefix}`, one hash tag), on a client of its own.
 */
export async function deleteRouterKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    await deleteKeysUnder(redis, prefix);
    await deleteKeysUnder(redis, queuePrefixFor(prefix));
  } finally {
    redis.disconnect();
  }
}
