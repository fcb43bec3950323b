// A batch BullMQ fails outright and that cannot be split into jobs of their own: nothing stays
// pending and invisible. Here Redis refuses the batch's claim (a claim key of the wrong type), so
// the batch fails every run and then its split fails the same way.
import { randomUUID } from 'node:crypto';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { capCounters } from '../caps/windows.ts';
import { createRedisCapStore } from '../caps/redis.ts';
import { createRedisLeadStore } from '../leads/redis-store.ts';
import { createDeadLetterAdmin } from './dead-letters.ts';
import { createBullmqDeliveryQueue } from './queue-bullmq.ts';
import { createTestHttpChannel } from './testing/http-channel.ts';
import { startPartnerServer } from './testing/partner-server.ts';
import { waitFor } from './testing/wait.ts';
import type { DeliveryJob } from './types.ts';
import { createDeliveryHandler } from './worker.ts';
import { deleteKeysUnder, TEST_REDIS_URL } from '../testing/redis-keys.ts';

describe('a delivery batch BullMQ failed outright', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('while no router was there to split it: a router splits it as it starts, and the delivery is sent', async () => {
    const prefix = `test:${randomUUID()}`;
    const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const partner = await startPartnerServer(() => ({ status: 200 }));
    cleanups.push(async () => {
      await partner.close();
      await deleteKeysUnder(redis, `${prefix}:`);
      await redis.quit();
    });
    const leads = createRedisLeadStore(redis, { prefix: `${prefix}:` });
    const job: DeliveryJob = {
      deliveryId: randomUUID(), leadId: randomUUID(), entity: 'mortgage', profile: 'main', partner: 'acme',
      priority: 1, test: false, receivedAt: new Date().toISOString(), lead: { email: 'a@example.com' }, tried: [],
    };
    await leads.save({
      leadId: job.leadId, entity: 'mortgage', receivedAt: job.receivedAt, test: false, status: 'routed', state: 'pending',
      routes: [{ profile: 'main', partner: 'acme', deliveryId: job.deliveryId, status: 'queued' }], attempts: [], trace: [],
    });
    // A batch failed by a router that then died: in the failed set, never split.
    const raw = new Queue('deliveries', { connection: redis, prefix });
    await raw.add('batch:1', { deliveries: [job] }, { attempts: 1 });
    const workerConnection = redis.duplicate();
    const failing = new Worker('deliveries', async () => {
      throw new UnrecoverableError('stalled too often');
    }, { connection: workerConnection, prefix });
    await waitFor('the failed batch', async () => (await raw.getFailedCount()) === 1);
    await failing.close();
    await workerConnection.quit();
    await raw.close();

    const queue = createBullmqDeliveryQueue({ redisUrl: TEST_REDIS_URL, prefix });
    cleanups.push(() => queue.close());
    queue.start(createDeliveryHandler({
      channel: createTestHttpChannel(), leads, caps: createRedisCapStore(redis, { prefix: `${prefix}:` }), queue,
      resolveDelivery: (j) => ({ delivery: { webhook: { url: `${partner.url}/${j.partner}` } }, attempts: 3 }),
      waterfall: async () => null,
    }));
    await waitFor('the lead delivered', async () => (await leads.get(job.leadId))?.state === 'delivered');
    expect(partner.requests.map((r) => r.webhookId)).toEqual([job.deliveryId]);
    await waitFor('no dead letters', async () => (await queue.deadLetterCount()) === 0);
  });

  it('that cannot be split: each delivery is a dead letter, recorded on its lead, listed, and retryable one by one', async () => {
    const prefix = `test:${randomUUID()}`;
    const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    const partner = await startPartnerServer(() => ({ status: 200 }));
    cleanups.push(async () => {
      await partner.close();
      await deleteKeysUnder(redis, `${prefix}:`);
      await redis.quit();
    });
    const leads = createRedisLeadStore(redis, { prefix: `${prefix}:` });
    const caps = createRedisCapStore(redis, { prefix: `${prefix}:` });
    const queue = createBullmqDeliveryQueue({ redisUrl: TEST_REDIS_URL, prefix, backoff: { scheduleMs: [1], jitter: 0 } });
    cleanups.push(() => queue.close());

    const jobs: DeliveryJob[] = ['acme', 'northwind'].map((p) => ({
      deliveryId: randomUUID(), leadId: randomUUID(), entity: 'mortgage', profile: `only-${p}`, partner: p,
      priority: 1, test: false, receivedAt: new Date().toISOString(), lead: { email: 'a@example.com' }, tried: [],
    }));
    for (const j of jobs) {
      await leads.save({
        leadId: j.leadId, entity: 'mortgage', receivedAt: j.receivedAt, test: false, status: 'routed', state: 'pending',
        routes: [{ profile: j.profile, partner: j.partner, deliveryId: j.deliveryId, status: 'queued' }], attempts: [], trace: [],
      });
    }
    // Redis answers the claim of the second delivery with an error (WRONGTYPE), on every run.
    await redis.hset(`${prefix}:deliveries:claim:${jobs[1].deliveryId}`, 'not', 'a claim');

    const handler = createDeliveryHandler({
      channel: createTestHttpChannel(), leads, caps, queue,
      resolveDelivery: (j) => ({ delivery: { webhook: { url: `${partner.url}/${j.partner}` } }, attempts: 3 }),
      waterfall: async () => null,
    });
    queue.start(handler);
    await queue.enqueue(jobs);

    for (const j of jobs) {
      const rec = await waitFor(`lead ${j.partner} settled`, async () => {
        const r = await leads.get(j.leadId);
        return r?.state === 'dead-lettered' ? r : null;
      });
      expect(rec.routes.map((r) => r.status)).toEqual(['dead-lettered']);
    }
    const listed = await queue.listFailed();
    expect(listed.map((d) => d.deliveryId).sort()).toEqual(jobs.map((j) => j.deliveryId).sort());
    for (const d of listed) expect(d.reason).toMatch(/batch failed and could not be handed on/);
    expect(await queue.deadLetter(jobs[0].deliveryId)).toEqual(jobs[0]);
    expect(partner.requests).toEqual([]);

    // An admin re-sends each: out of the failed batch into a job of its own, its cap reserved.
    const counters = (p: string) => capCounters({ prefix: `${prefix}:`, partner: p, scope: 'partner', caps: { day: 5 }, timezone: 'UTC', now: new Date() });
    const admin = createDeadLetterAdmin({
      queue, leads, caps,
      async reserve(job) {
        const reservationId = randomUUID();
        const r = await caps.reserve(reservationId, counters(job.partner));
        return r.ok ? { ok: true, reservationId } : r;
      },
    });
    expect((await admin.listFailed()).every((d) => d.retryable)).toBe(true);
    for (const j of jobs) {
      expect(await admin.retry(j.deliveryId)).toBe(true);
      await waitFor(`lead ${j.partner} delivered`, async () => (await leads.get(j.leadId))?.state === 'delivered');
    }
    expect(partner.requests.map((r) => r.webhookId).sort()).toEqual(jobs.map((j) => j.deliveryId).sort());
    expect(await queue.listFailed()).toEqual([]);
    expect(await queue.deadLetterCount()).toBe(0);
    expect(await queue.retry(jobs[0].deliveryId)).toBe(false);
  });
});
