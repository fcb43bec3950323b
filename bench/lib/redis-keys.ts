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

/**
 * Delete every key under `prefix`, and under the router's delivery-queue prefix derived from it
 * (`{prefix without its trailing ':'}`, BullMQ's keys); returns how many there were.
 */
export async function deletePrefix(url: string, prefix: string): Promise<number> {
  const queuePrefix = `{${prefix.replace(/:$/, '')}}`;
  return (await deleteMatching(url, prefix)) + (await deleteMatching(url, queuePrefix));
}

async function deleteMatching(url: string, prefix: string): Promise<number> {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  r.on('error', () => {});
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) deleted += await r.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
  return deleted;
}

/** One section of INFO, read over a connection of its own. */
export async function redisInfo(url: string, section: string): Promise<string> {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  r.on('error', () => {});
  try {
    return await r.info(section);
  } finally {
    r.disconnect();
  }
}

/** Calls per command since the server started (INFO commandstats), e.g. { evalsha: 12, get: 3 }. */
export async function commandCalls(url: string): Promise<Record<string, number>> {
  const info = await redisInfo(url, 'commandstats');
  const out: Record<string, number> = {};
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out[m[1]] = Number(m[2]);
  return out;
}

/** Commands run between two INFO commandstats readings (the INFO calls themselves left out). */
export function callsBetween(before: Record<string, number>, after: Record<string, number>): { total: number; scripts: number; byCommand: Record<string, number> } {
  const byCommand: Record<string, number> = {};
  let total = 0, scripts = 0;
  for (const [cmd, n] of Object.entries(after)) {
    const d = n - (before[cmd] ?? 0) - (cmd === 'info' ? 1 : 0);
    if (d <= 0) continue;
    byCommand[cmd] = d;
    total += d;
    if (/^(eval|evalsha|eval_ro|evalsha_ro|fcall|fcall_ro)$/.test(cmd)) scripts += d;
  }
  return { total, scripts, byCommand };
}
