import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { createBullmqDeliveryQueue } from './queue-bullmq.ts';
import { queueContract, sampleJob } from './queue-contract.ts';
import { createMemoryDeliveryQueue } from './queue-memory.ts';
import { waitFor } from './testing/wait.ts';
import type { DeliveryJob } from './types.ts';

const REDIS_URL = process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379';

export async function deleteBullmqKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
  } finally {
    await redis.quit();
  }
}

queueContract('memory', async (opts) => ({ queue: createMemoryDeliveryQueue(opts), cleanup: async () => {} }));

queueContract('bullmq', async (opts) => {
  const prefix = `test:${randomUUID()}`;
  return { queue: createBullmqDeliveryQueue({ ...opts, redisUrl: REDIS_URL, prefix }), cleanup: () => deleteBullmqKeys(prefix) };
});

describe('bullmq delivery queue', () => {
  it('keeps jobs in Redis: a new router instance runs what an old one enqueued', async () => {
    const prefix = `test:${randomUUID()}`;
    const first = createBullmqDeliveryQueue({ redisUrl: REDIS_URL, prefix });
    const jobs = [sampleJob(), sampleJob()];
    await first.enqueue(jobs);
    await first.close();

    const second = createBullmqDeliveryQueue({ redisUrl: REDIS_URL, prefix });
    const seen: string[] = [];
    second.start(async (job) => {
      seen.push(job.deliveryId);
      return { kind: 'done' };
    });
    try {
      await waitFor('both jobs', () => seen.length === 2);
      expect(seen.sort()).toEqual(jobs.map((j) => j.deliveryId).sort());
    } finally {
      await second.close();
      await deleteBullmqKeys(prefix);
    }
  });

  it('groups the enqueues of one turn into batch jobs of at most maxBatch deliveries, never splitting a lead', async () => {
    const prefix = `test:${randomUUID()}`;
    const queue = createBullmqDeliveryQueue({ redisUrl: REDIS_URL, prefix, maxBatch: 5 });
    const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const inspect = new Queue('deliveries', { connection, prefix });
    try {
      const leads = Array.from({ length: 7 }, () => [sampleJob(), sampleJob()]);
      await Promise.all(leads.map((jobs) => queue.enqueue(jobs)));
      const batches = (await inspect.getWaiting()).map((j) => ({ name: j.name, ids: (j.data as { deliveries: DeliveryJob[] }).deliveries.map((d) => d.deliveryId) }));
      // 2 + 2 fit in 5, a third lead would not: four batches, the last with one lead.
      expect(batches.map((b) => b.ids.length).sort()).toEqual([2, 4, 4, 4]);
      for (const b of batches) expect(b.name).toBe(`batch:${b.ids.length}`);
      const leadOf = new Map(leads.flatMap((jobs, i) => jobs.map((j) => [j.deliveryId, i] as const)));
      for (const b of batches) {
        const inBatch = new Set(b.ids.map((id) => leadOf.get(id)));
        for (const lead of inBatch) expect(b.ids.filter((id) => leadOf.get(id) === lead)).toHaveLength(2);
      }
      expect(batches.flatMap((b) => b.ids).sort()).toEqual(leads.flat().map((j) => j.deliveryId).sort());
      expect(await queue.depth()).toBe(14);
    } finally {
      await inspect.close();
      await connection.quit();
      await queue.close();
      await deleteBullmqKeys(prefix);
    }
  });

  it('a delivery whose first attempt, in its batch, asks for another goes on as a job of its own, its attempts counted on', async () => {
    const prefix = `test:${randomUUID()}`;
    const queue = createBullmqDeliveryQueue({ redisUrl: REDIS_URL, prefix, backoff: { scheduleMs: [5], jitter: 0 } });
    try {
      const jobs = [sampleJob(), sampleJob()];
      await queue.enqueue(jobs);
      const calls: [string, number][] = [];
      let first = true;
      queue.start(async (job, attempt) => {
        calls.push([job.deliveryId, attempt]);
        // The first delivery asks for a retry; the other is delivered in its batch.
        if (job.deliveryId === jobs[0].deliveryId && first) {
          first = false;
          return { kind: 'retry', reason: 'HTTP 503' };
        }
        return { kind: 'done' };
      });
      await waitFor('three attempts', () => calls.length === 3);
      expect(calls).toEqual(expect.arrayContaining([[jobs[0].deliveryId, 1], [jobs[1].deliveryId, 1], [jobs[0].deliveryId, 2]]));
      await waitFor('an empty queue', async () => (await queue.depth()) === 0);
    } finally {
      await queue.close();
      await deleteBullmqKeys(prefix);
    }
  });

  it('refuses every grouped enqueue (UNAVAILABLE) when Redis does not answer', async () => {
    const queue = createBullmqDeliveryQueue({ redisUrl: 'redis://127.0.0.1:1', prefix: `test:${randomUUID()}`, commandTimeoutMs: 200 });
    try {
      const results = await Promise.allSettled([queue.enqueue([sampleJob()]), queue.enqueue([sampleJob(), sampleJob()])]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
      for (const r of results) expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'UNAVAILABLE' });
    } finally {
      await queue.close();
    }
  });

  it('refuses to enqueue (UNAVAILABLE) when Redis does not answer, instead of waiting', async () => {
    const queue = createBullmqDeliveryQueue({ redisUrl: 'redis://127.0.0.1:1', prefix: `test:${randomUUID()}`, commandTimeoutMs: 200 });
    try {
      await expect(queue.enqueue([sampleJob()])).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    } finally {
      await queue.close();
    }
  });
});

describe('memory delivery queue: back-pressure (admit)', () => {
  const gated = () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    return { gate, open };
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('admits at once while jobs start promptly', async () => {
    const queue = createMemoryDeliveryQueue({ maxQueueDelayMs: 20 });
    queue.start(async () => ({ kind: 'done' }));
    try {
      expect(queue.admit!()).toBe(true);
      await queue.enqueue([sampleJob(), sampleJob()]);
      expect(queue.admit!()).toBe(true);
    } finally {
      await queue.close();
    }
  });

  it('holds intake while the oldest waiting job waited too long, and lets it in once the backlog moves', async () => {
    const queue = createMemoryDeliveryQueue({ concurrency: 1, maxQueueDelayMs: 20, admitWaitMs: 10_000 });
    const { gate, open } = gated();
    const ran: string[] = [];
    queue.start(async (job) => {
      ran.push(job.deliveryId);
      if (ran.length === 1) await gate;
      return { kind: 'done' };
    });
    try {
      const [a, b] = [sampleJob(), sampleJob()];
      await queue.enqueue([a, b]);
      await sleep(40); // a runs (held), b has waited 40 ms > 20 ms
      const admitted = queue.admit!();
      expect(admitted).toBeInstanceOf(Promise);
      let answer: boolean | undefined;
      void (admitted as Promise<boolean>).then((v) => (answer = v));
      await sleep(20);
      expect(answer).toBeUndefined();
      open();
      expect(await admitted).toBe(true);
      await waitFor('b', () => ran.length === 2);
      expect(ran).toEqual([a.deliveryId, b.deliveryId]);
    } finally {
      open();
      await queue.close();
    }
  });

  it('answers false when the backlog does not move within admitWaitMs, and once closed', async () => {
    const queue = createMemoryDeliveryQueue({ concurrency: 1, maxQueueDelayMs: 10, admitWaitMs: 50 });
    const { gate, open } = gated();
    queue.start(async () => {
      await gate;
      return { kind: 'done' };
    });
    try {
      await queue.enqueue([sampleJob(), sampleJob()]);
      await sleep(30);
      expect(await queue.admit!()).toBe(false);
      const waiting = queue.admit!();
      open();
      await queue.close();
      expect(await waiting).toBe(false);
      expect(queue.admit!()).toBe(false);
    } finally {
      open();
    }
  });

  it('hands the handler its own copy of the job on every run', async () => {
    const queue = createMemoryDeliveryQueue({ attemptsFor: () => 2, backoff: { scheduleMs: [5], jitter: 0 } });
    const seen: DeliveryJob[] = [];
    queue.start(async (job) => {
      seen.push({ ...job, tried: [...job.tried] });
      job.tried.push('mutated');
      job.partner = 'mutated';
      return seen.length === 1 ? { kind: 'retry' } : { kind: 'done' };
    });
    try {
      const job = sampleJob();
      await queue.enqueue([job]);
      await waitFor('two runs', () => seen.length === 2);
      expect(seen[1].partner).toBe('acme');
      expect(seen[1].tried).toEqual([]);
      expect(job.tried).toEqual([]);
    } finally {
      await queue.close();
    }
  });
});
