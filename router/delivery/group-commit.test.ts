// The group commit of one event-loop turn (queue-bullmq.ts): one lead the queue cannot store (a
// value too deep to serialise) is refused alone, as a 4xx; the other leads of the turn are stored.
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { LeadrouteError } from '../errors.ts';
import { HTTP_STATUS } from '../http/errors.ts';
import { deleteKeysUnder, TEST_REDIS_URL } from '../testing/redis-keys.ts';
import { createBullmqDeliveryQueue } from './queue-bullmq.ts';
import { sampleJob } from './queue-contract.ts';
import type { DeliveryJob } from './types.ts';

function deep(levels: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}

describe('bullmq group commit', () => {
  it('a lead that cannot be serialised fails alone (4xx); the leads of the same turn are stored', async () => {
    const prefix = `test:${randomUUID()}`;
    const queue = createBullmqDeliveryQueue({ redisUrl: TEST_REDIS_URL, prefix });
    const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const inspect = new Queue('deliveries', { connection, prefix });
    try {
      const a = [sampleJob()];
      const hostile = [sampleJob({ lead: { extras: deep(20_000) } })];
      const c = [sampleJob(), sampleJob()];
      const results = await Promise.allSettled([queue.enqueue(a), queue.enqueue(hostile), queue.enqueue(c)]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      const err = (results[1] as PromiseRejectedResult).reason as LeadrouteError;
      expect(err).toBeInstanceOf(LeadrouteError);
      expect(HTTP_STATUS[err.code]).toBeLessThan(500);
      const stored = (await inspect.getWaiting()).flatMap((j) => (j.data as { deliveries: DeliveryJob[] }).deliveries.map((d) => d.deliveryId));
      expect(stored.sort()).toEqual([...a, ...c].map((j) => j.deliveryId).sort());
    } finally {
      await inspect.close();
      await connection.quit();
      await queue.close();
      const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
      await deleteKeysUnder(redis, `${prefix}:`);
      await redis.quit();
    }
  });
});
