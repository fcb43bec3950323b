// Each bench run works under its own Redis key prefix and deletes its keys afterwards
// (never FLUSHDB: the Redis may be shared).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

export const benchRedisUrl = () => process.env.REDIS_URL_BENCH ?? process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379';

export const newPrefix = (what: string) => `bench:${what}:${randomUUID().slice(0, 8)}:`;

/** Whether Redis answers PING within a second. */
export async function redisReachable(url: string): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/** Delete every key under `prefix`; returns how many there were. */
export async function deletePrefix(url: string, prefix: string): Promise<number> {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  r.on('error', () => {});
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) deleted += await r.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
  return deleted;
}
