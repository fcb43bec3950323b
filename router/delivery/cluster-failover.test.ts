// The BullMQ delivery queue while its Redis Cluster master fails over (a cluster of this file's
// own: a master is killed). A job the worker is running when its master dies must be finished on
// the promoted replica, not left in the active list until its lock (30 s) runs out.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestRedisCluster, type TestRedisCluster } from '../testing/redis-cluster.ts';
import { createBullmqDeliveryQueue } from './queue-bullmq.ts';
import { sampleJob } from './queue-contract.ts';
import { waitFor } from './testing/wait.ts';

let cluster: TestRedisCluster;

beforeAll(async () => {
  // A node timeout of 2 s: the failover outlasts a command's first retries by a wide margin.
  cluster = await startTestRedisCluster({ nodeTimeoutMs: 2000 });
}, 60_000);
afterAll(async () => {
  await cluster?.close();
});

it('a batch whose hand-on fails while its master fails over is run again within seconds, not when its lock runs out', async () => {
  const prefix = `{test-${randomUUID()}}`;
  const queue = createBullmqDeliveryQueue({ redis: cluster.seeds, prefix, backoff: { scheduleMs: [100], jitter: 0 } });
  try {
    const victim = await cluster.masterOf(`${prefix}:deliveries:wait`);
    let killed!: () => void;
    const masterKilled = new Promise<void>((r) => (killed = r));
    const calls: number[] = [];
    queue.start(async () => {
      calls.push(Date.now());
      if (calls.length > 1) return { kind: 'done' };
      // The first attempt asks for another once the master is gone: the batch cannot hand it on
      // (the enqueue fails fast) and fails, during the failover.
      await masterKilled;
      return { kind: 'retry', afterMs: 0 };
    });
    await queue.enqueue([sampleJob()]);
    await waitFor('the first attempt', () => calls.length === 1);
    await cluster.kill(victim);
    const killedAt = Date.now();
    killed();
    await waitFor('the second attempt', () => calls.length === 2, 60_000);
    // The failover takes a few seconds (node timeout 2 s, then the election).
    expect(calls[1] - killedAt).toBeLessThan(15_000);
  } finally {
    await queue.close();
  }
}, 90_000);
