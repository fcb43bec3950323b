// A /metrics scrape costs Redis the same whatever the backlog: the queue gauges use O(1) counts.
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startThrowawayRedis, type ThrowawayRedis } from '../testing/throwaway-redis.ts';
import { createDeliveryMetrics } from './metrics.ts';
import { createBullmqDeliveryQueue } from './queue-bullmq.ts';
import { sampleJob } from './queue-contract.ts';

// A Redis of its own: its command counters see this test's commands only.
let server: ThrowawayRedis;
beforeAll(async () => { server = await startThrowawayRedis(); });
afterAll(() => server?.close());

/** Calls per command (commands run by scripts included), from INFO commandstats. */
async function commandCalls(redis: Redis): Promise<Map<string, number>> {
  const text = await redis.info('commandstats');
  const calls = new Map<string, number>();
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(m[1], Number(m[2]));
  return calls;
}

/** The commands Redis ran while `run` ran (INFO itself left out). */
async function commandsDuring(redis: Redis, run: () => Promise<unknown>): Promise<Record<string, number>> {
  const before = await commandCalls(redis);
  await run();
  const after = await commandCalls(redis);
  const delta: Record<string, number> = {};
  for (const [cmd, n] of after) {
    // evalsha and eval are one script call (the first call of a script loads it).
    const name = cmd === 'evalsha' ? 'eval' : cmd;
    const d = n - (before.get(cmd) ?? 0);
    if (d > 0 && name !== 'info') delta[name] = (delta[name] ?? 0) + d;
  }
  return delta;
}

describe('delivery metrics', () => {
  it('a scrape does the same Redis work with 3 or 300 jobs waiting', async () => {
    const queue = createBullmqDeliveryQueue({ redisUrl: server.url, prefix: 'metrics-test' });
    const stats = new Redis(server.url, { maxRetriesPerRequest: 1 });
    const registry = new Registry();
    createDeliveryMetrics(registry, { queue, attempts: false });
    try {
      const scrape = async () => {
        let text = '';
        const commands = await commandsDuring(stats, async () => { text = await registry.metrics(); });
        return { commands, depth: Number(/^delivery_queue_depth (\d+)$/m.exec(text)?.[1]) };
      };
      // One lead per turn: one job each.
      for (let i = 0; i < 3; i++) await queue.enqueue([sampleJob()]);
      await scrape(); // scripts loaded
      const small = await scrape();
      for (let i = 0; i < 297; i++) await queue.enqueue([sampleJob()]);
      const large = await scrape();
      expect(small.depth).toBe(3);
      expect(large.depth).toBe(300);
      expect(Object.keys(large.commands).length).toBeGreaterThan(0);
      expect(large.commands).toEqual(small.commands);
    } finally {
      await stats.quit();
      await queue.close();
    }
  });
});
