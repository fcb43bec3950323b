// A /metrics scrape costs Redis the same whatever the backlog: the queue gauges use O(1) counts.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { deleteKeysUnder, TEST_REDIS_URL } from '../testing/redis-keys.ts';
import { createDeliveryMetrics } from './metrics.ts';
import { createBullmqDeliveryQueue } from './queue-bullmq.ts';
import { sampleJob } from './queue-contract.ts';

/** Redis commands touching `prefix` while `run` runs (MONITOR shows the commands scripts run too). */
async function commandsDuring(prefix: string, run: () => Promise<unknown>): Promise<string[]> {
  const client = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  const monitor = await client.monitor();
  const seen: string[] = [];
  monitor.on('monitor', (_time: string, args: string[]) => {
    // EVAL and EVALSHA are one script call (the first call of a script loads it).
    if (args.some((a) => a.includes(prefix))) seen.push(args[0].toUpperCase().replace('EVALSHA', 'EVAL'));
  });
  try {
    await run();
    // MONITOR lines arrive after the replies: wait for a marker sent last.
    const marker = `${prefix}:marker`;
    await client.quit().catch(() => undefined);
    const probe = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    await probe.exists(marker);
    await probe.quit();
    for (let i = 0; i < 100 && !seen.includes('EXISTS'); i++) await new Promise((r) => setTimeout(r, 10));
    return seen.filter((c) => c !== 'EXISTS');
  } finally {
    monitor.disconnect();
  }
}

describe('delivery metrics', () => {
  it('a scrape does the same Redis work with 3 or 300 jobs waiting', async () => {
    const prefix = `test:${randomUUID()}`;
    const queue = createBullmqDeliveryQueue({ redisUrl: TEST_REDIS_URL, prefix });
    const registry = new Registry();
    createDeliveryMetrics(registry, { queue, attempts: false });
    try {
      const scrape = async () => {
        let text = '';
        const commands = await commandsDuring(prefix, async () => { text = await registry.metrics(); });
        return { commands, depth: Number(/^delivery_queue_depth (\d+)$/m.exec(text)?.[1]) };
      };
      // One lead per turn: one job each.
      for (let i = 0; i < 3; i++) await queue.enqueue([sampleJob()]);
      const small = await scrape();
      for (let i = 0; i < 297; i++) await queue.enqueue([sampleJob()]);
      const large = await scrape();
      expect(small.depth).toBe(3);
      expect(large.depth).toBe(300);
      expect(large.commands.length).toBeGreaterThan(0);
      expect(large.commands).toEqual(small.commands);
    } finally {
      await queue.close();
      const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
      await deleteKeysUnder(redis, `${prefix}:`);
      await redis.quit();
    }
  });
});
