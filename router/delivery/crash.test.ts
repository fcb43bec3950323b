// A router killed (SIGKILL) while a partner holds its delivery open: another instance resumes
// the delivery after stall detection and the lead still ends delivered (or, for a delivery that
// keeps killing its routers, dead-lettered and recorded as such). A delivery's first attempt runs
// in a batch job; a resumed batch hands each delivery a job of its own, so a delivery that kills
// routers stalls its batch once and then its own job.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisCapStore } from '../caps/redis.ts';
import { createRedisLeadStore } from '../leads/redis-store.ts';
import type { LeadStore } from '../leads/store.ts';
import { createBullmqDeliveryQueue } from './queue-bullmq.ts';
import type { DurableDeliveryQueue } from './queue.ts';
import { createTestHttpChannel } from './testing/http-channel.ts';
import { startPartnerServer, type PartnerServer } from './testing/partner-server.ts';
import { waitFor } from './testing/wait.ts';
import type { DeliveryJob } from './types.ts';
import { createDeliveryHandler } from './worker.ts';

const REDIS_URL = process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379';
const FIXTURE = fileURLToPath(new URL('./testing/crash-worker.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function startRouter(env: Record<string, string>): { child: ChildProcess; stderr: () => string; exited: Promise<unknown> } {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => (err += String(d)));
  child.stdout.resume();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { child, stderr: () => err, exited };
}

describe('a router killed mid-delivery', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  });

  /** `holds`: the partner holds this many first requests open (their routers are killed meanwhile), then accepts. */
  async function setup(holds = 1) {
    const prefix = `test:${randomUUID()}`;
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    const partner: PartnerServer = await startPartnerServer((_r, nth) => (nth <= holds ? 'hold' : { status: 200 }));
    const leads = createRedisLeadStore(redis, { prefix: `${prefix}:` });
    cleanups.push(async () => {
      await partner.close();
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    });
    const job: DeliveryJob = {
      deliveryId: randomUUID(), leadId: randomUUID(), entity: 'mortgage', profile: 'residential-east', partner: 'acme',
      priority: 1, test: false, receivedAt: new Date().toISOString(), lead: { email: 'a@example.com' }, tried: [],
    };
    await leads.save({
      leadId: job.leadId, entity: 'mortgage', receivedAt: job.receivedAt, test: false, status: 'routed', state: 'pending',
      routes: [{ profile: job.profile, partner: 'acme', deliveryId: job.deliveryId, status: 'queued' }], attempts: [], trace: [],
    });
    return { prefix, redis, partner, leads, job };
  }

  /** The second router: started in this process once the first one is dead. */
  function secondRouter(prefix: string, maxStalledCount?: number): DurableDeliveryQueue {
    const queue = createBullmqDeliveryQueue({
      redisUrl: REDIS_URL, prefix, lockDurationMs: 1000, stalledIntervalMs: 250, maxStalledCount,
    });
    cleanups.push(() => queue.close());
    return queue;
  }

  function handlerFor(queue: DurableDeliveryQueue, prefix: string, redis: Redis, leads: LeadStore, partner: PartnerServer) {
    return createDeliveryHandler({
      channel: createTestHttpChannel(), leads, caps: createRedisCapStore(redis, { prefix: `${prefix}:` }), queue,
      resolveDelivery: (j) => ({ delivery: { webhook: { url: `${partner.url}/${j.partner}` } }, attempts: 3 }),
      waterfall: async () => null,
    });
  }

  /** Start a router process, let it send request number `nth` to the partner, kill it meanwhile. */
  async function killDuringRequest(prefix: string, partner: PartnerServer, nth: number, env: Record<string, string> = {}) {
    const router = startRouter({ REDIS_URL, QUEUE_PREFIX: prefix, PARTNER_URL: partner.url, LOCK_MS: '1000', STALLED_MS: '250', ...env });
    cleanups.push(async () => {
      if (router.child.exitCode === null) router.child.kill('SIGKILL');
      await router.exited;
    });
    const early = router.exited.then(() => {
      throw new Error(`the router process exited early: ${router.stderr()}`);
    });
    const nthRequest = partner.received(() => partner.requests.length >= nth);
    await Promise.race([nthRequest, early]);
    router.child.kill('SIGKILL');
    await router.exited;
  }

  async function killDuringDelivery(prefix: string, partner: PartnerServer, queue: DurableDeliveryQueue, job: DeliveryJob) {
    await queue.enqueue([job]);
    await killDuringRequest(prefix, partner, 1);
  }

  it('another instance resumes the delivery after stall detection and the lead ends delivered', async () => {
    const { prefix, redis, partner, leads, job } = await setup();
    const queue = secondRouter(prefix);
    await killDuringDelivery(prefix, partner, queue, job);

    const during = (await leads.get(job.leadId))!;
    expect(during.state).toBe('pending');
    expect(during.routes[0].status).toBe('delivering');

    queue.start(handlerFor(queue, prefix, redis, leads, partner));
    await waitFor('the lead delivered', async () => (await leads.get(job.leadId))?.state === 'delivered');
    const rec = (await leads.get(job.leadId))!;
    expect(rec.routes[0].status).toBe('delivered');
    expect(rec.attempts.map((a) => [a.attempt, a.outcome, a.statusCode])).toEqual([[1, 'accepted', 200]]);
    // The partner saw the delivery twice, with one webhook-id to deduplicate on.
    expect(partner.requests.map((r) => r.webhookId)).toEqual([job.deliveryId, job.deliveryId]);
    expect(await queue.deadLetterCount()).toBe(0);
    // The resumed batch sent nothing itself: it handed the delivery a job of its own.
    const inspect = new Queue('deliveries', { connection: redis, prefix });
    try {
      expect((await inspect.getJob(job.deliveryId))?.name).toBe('attempts');
    } finally {
      await inspect.close();
    }
  });

  it('a delivery that stalls more often than allowed is dead-lettered and its lead recorded as such', async () => {
    const { prefix, redis, partner, leads, job } = await setup(2);
    const queue = secondRouter(prefix, 0);
    // The first router dies in the batch; the second fails the batch (stalled more than its
    // maxStalledCount 0 allows), hands the delivery a job of its own, and dies in that one too.
    await killDuringDelivery(prefix, partner, queue, job);
    await killDuringRequest(prefix, partner, 2, { MAX_STALLED: '0' });

    queue.start(handlerFor(queue, prefix, redis, leads, partner));
    await waitFor('the lead settled', async () => (await leads.get(job.leadId))?.state === 'dead-lettered');
    const rec = (await leads.get(job.leadId))!;
    expect(rec.routes[0].status).toBe('dead-lettered');
    const [dead] = await queue.listFailed();
    expect(dead).toMatchObject({ deliveryId: job.deliveryId, reason: expect.stringContaining('stalled') });
    expect(partner.requests.map((r) => r.webhookId)).toEqual([job.deliveryId, job.deliveryId]);
  });
});
