// "202 means delivered or dead-lettered; 503 means never delivered", on a throwaway Redis frozen
// (DEBUG SLEEP) at the worst moments of intake: while the deliveries are being enqueued (the router
// stops waiting for the enqueue, whose jobs land in Redis once it wakes), and while the lead is
// being committed. A wrapper around the real queue times the freeze and the give-up, so the window
// is hit every run, not by luck.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisCapStore } from '../caps/redis.ts';
import type { CapStore } from '../caps/types.ts';
import { createBullmqDeliveryQueue } from '../delivery/queue-bullmq.ts';
import type { DurableDeliveryQueue } from '../delivery/queue.ts';
import { createTestHttpChannel } from '../delivery/testing/http-channel.ts';
import { startPartnerServer, type PartnerServer } from '../delivery/testing/partner-server.ts';
import { waitFor } from '../delivery/testing/wait.ts';
import type { DeliveryJob } from '../delivery/types.ts';
import { createDeliveryHandler } from '../delivery/worker.ts';
import { createRedisLeadStore } from '../leads/redis-store.ts';
import type { LeadStore } from '../leads/store.ts';
import { createRedisClient, waitForRedis } from '../redis.ts';
import { createReconciler } from '../reconcile/reconciler.ts';
import { startThrowawayRedis, type ThrowawayRedis } from '../testing/throwaway-redis.ts';
import { harness, postJson, validLead } from './test-fixtures.ts';

const COMMAND_TIMEOUT_MS = 250;
/** Longer than the command timeout: a command sent into the freeze times out at the router, then runs. */
const FREEZE_S = '0.8';

let server: ThrowawayRedis;
let redis: Redis;
let freezer: Redis;

beforeAll(async () => {
  server = await startThrowawayRedis();
  expect(server.port).not.toBe(6379);
  redis = createRedisClient(server.url, { commandTimeoutMs: COMMAND_TIMEOUT_MS, name: 'accept-lead-test' });
  freezer = createRedisClient(server.url, { commandTimeoutMs: 5000, name: 'accept-lead-freezer' });
  await Promise.all([waitForRedis(redis, 5000), waitForRedis(freezer, 5000)]);
});
afterAll(async () => {
  redis?.disconnect();
  freezer?.disconnect();
  await server?.close();
});

/** Freeze Redis for FREEZE_S; resolves once the DEBUG SLEEP has reached it (and blocks it). */
async function freeze(): Promise<{ over: Promise<unknown> }> {
  const over = freezer.call('DEBUG', 'SLEEP', FREEZE_S);
  await new Promise((r) => setTimeout(r, 30));
  return { over };
}

interface Setup {
  partner: PartnerServer;
  leads: LeadStore;
  caps: CapStore;
  queue: DurableDeliveryQueue;
  jobs: DeliveryJob[];
  post(): Promise<Response>;
  capUsed(): Promise<number>;
  close(): Promise<void>;
}

/** A router on the throwaway Redis; `around` wraps the queue's enqueue (where the freeze goes). */
interface SetupOptions {
  commitWindowMs?: number;
  leaseMs?: number;
  /** Wraps the cap store intake uses. */
  caps?: (inner: CapStore) => CapStore;
}

async function setup(around: (enqueue: () => Promise<void>) => Promise<void>, opts: SetupOptions = {}): Promise<Setup> {
  const prefix = `t:${randomUUID()}:`;
  const partner = await startPartnerServer(() => ({ status: 200 }));
  const leads = createRedisLeadStore(redis, { prefix, commitWindowMs: opts.commitWindowMs });
  const caps = createRedisCapStore(redis, { prefix, leaseMs: opts.leaseMs });
  const queue = createBullmqDeliveryQueue({ redisUrl: server.url, prefix: `{${prefix}q}`, commandTimeoutMs: COMMAND_TIMEOUT_MS });
  queue.start(createDeliveryHandler({
    channel: createTestHttpChannel(), leads, caps, queue,
    resolveDelivery: (job) => ({ delivery: { webhook: { url: `${partner.url}/${job.partner}` } }, attempts: 3 }),
    waterfall: async () => null,
  }));
  // BullMQ's first command on a connection checks the Redis version: get it done before any freeze.
  await queue.deadLetterCount();
  const jobs: DeliveryJob[] = [];
  const h = harness({
    caps: opts.caps?.(caps) ?? caps, leads, now: () => new Date(), capPrefix: prefix,
    queue: { enqueue: (js) => { jobs.push(...js); return around(() => queue.enqueue(js)); } },
  });
  return {
    partner, leads, caps, queue, jobs,
    post: async () => h.app.request(...postJson('/v1/leads/mortgage', validLead)),
    async capUsed() {
      const keys = await redis.keys(`${prefix}cap:{acme}:*day*`);
      const values = keys.length ? await redis.mget(...keys) : [];
      return values.reduce((n, v) => n + Number(v ?? 0), 0);
    },
    async close() {
      await queue.close();
      await partner.close();
    },
  };
}

/** Wait until the queue holds no delivery (every job that landed has run). */
const drained = (queue: DurableDeliveryQueue) => waitFor('the queue to drain', async () => (await queue.depth()) === 0, 10_000, 50);

describe('intake against a Redis that freezes', () => {
  const open: Setup[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });

  it('an enqueue that times out but lands later: 503, and the lead is never delivered nor left pending', async () => {
    let frozen: { over: Promise<unknown> } | undefined;
    const s = await setup(async (enqueue) => {
      frozen = await freeze();
      // The enqueue is on the wire when the router stops waiting for it.
      const sent = enqueue();
      sent.catch(() => undefined);
      await new Promise((r) => setTimeout(r, COMMAND_TIMEOUT_MS));
      throw new Error('Command timed out');
    });
    open.push(s);
    const res = await s.post();
    expect(res.status).toBe(503);
    await frozen?.over;
    const leadId = s.jobs[0].leadId;
    // The jobs did reach Redis after the freeze: let the worker run them.
    await drained(s.queue);
    await new Promise((r) => setTimeout(r, 300));
    expect(s.partner.requests).toEqual([]);
    // Nothing is left pending for ever, and the cap slot was given back.
    const rec = await s.leads.get(leadId);
    expect(rec?.state ?? 'gone').not.toBe('pending');
    expect(await s.capUsed()).toBe(0);
  });

  it('an enqueue that lands and then errors: 503, and the lead is never delivered', async () => {
    const s = await setup(async (enqueue) => {
      await enqueue();
      throw new Error('Command timed out');
    });
    open.push(s);
    const res = await s.post();
    expect(res.status).toBe(503);
    await drained(s.queue);
    await new Promise((r) => setTimeout(r, 300));
    expect(s.partner.requests).toEqual([]);
    expect(await s.capUsed()).toBe(0);
  });

  /** Intake whose commit is sent into a freeze: the commit runs when Redis wakes, or is refused there. */
  async function commitIntoFreeze(commitWindowMs: number) {
    let frozen: { over: Promise<unknown> } | undefined;
    const s = await setup(async (enqueue) => {
      await enqueue();
      frozen = await freeze();
    }, { commitWindowMs });
    open.push(s);
    const res = await s.post();
    await frozen?.over;
    await drained(s.queue);
    return { s, res };
  }

  it('a commit that times out but runs when Redis wakes, within its window: 202, delivered once', async () => {
    const { s, res } = await commitIntoFreeze(10_000);
    expect(res.status).toBe(202);
    const { leadId } = await res.json() as { leadId: string };
    await s.partner.received((r) => r.body.leadId === leadId);
    expect(s.partner.requests).toHaveLength(1);
    expect(await s.capUsed()).toBe(1);
  });

  it('a commit that reaches Redis after its window: 503, and the lead is never delivered', async () => {
    const { s, res } = await commitIntoFreeze(300);
    expect(res.status).toBe(503);
    await new Promise((r) => setTimeout(r, 300));
    expect(s.partner.requests).toEqual([]);
    expect(await s.capUsed()).toBe(0);
    expect(await s.leads.get(s.jobs[0].leadId)).toBeNull();
  });

  it('a reserve whose reply is lost: 503, and its cap slot is given back once the lease runs out', async () => {
    const leaseMs = 300;
    const s = await setup((enqueue) => enqueue(), {
      leaseMs,
      caps: (inner) => ({
        ...inner,
        async reserve(id, counters, o) {
          await inner.reserve(id, counters, o); // it lands in Redis…
          throw new Error('Command timed out'); // …but the router never hears so
        },
      }),
    });
    open.push(s);
    expect((await s.post()).status).toBe(503);
    expect(await s.capUsed()).toBe(1); // held by nobody
    const reconciler = createReconciler({ leads: s.leads, caps: s.caps, partners: () => ['acme', 'northwind'] });
    await new Promise((r) => setTimeout(r, leaseMs + 50));
    expect(await reconciler.tick()).toMatchObject({ released: 1 });
    expect(await s.capUsed()).toBe(0);
  });

  it('leads streaming through a freeze: every 202 delivered once, no 503 delivered, no cap slot leaked', async () => {
    const leaseMs = 400;
    const s = await setup((enqueue) => enqueue(), { leaseMs });
    open.push(s);
    const posts: Promise<Response>[] = [];
    let frozen: { over: Promise<unknown> } | undefined;
    for (let i = 0; i < 60; i++) {
      if (i === 15) frozen = await freeze();
      posts.push(s.post());
      await new Promise((r) => setTimeout(r, 15));
    }
    const answers = await Promise.all(posts);
    await frozen?.over;
    const accepted = new Map<string, string>(); // leadId → partner
    for (const res of answers) {
      expect([202, 503]).toContain(res.status);
      if (res.status === 202) {
        const body = await res.json() as { leadId: string; routes: { partner: string }[] };
        accepted.set(body.leadId, body.routes[0].partner);
      }
    }
    expect(accepted.size).toBeGreaterThan(0);
    expect(accepted.size).toBeLessThan(60); // the freeze cost some leads their 202
    await waitFor('every accepted lead delivered', () => s.partner.requests.length >= accepted.size, 15_000, 50);
    await drained(s.queue);
    await new Promise((r) => setTimeout(r, 300));
    const delivered = s.partner.requests.map((r) => String(r.body.leadId));
    expect([...delivered].sort()).toEqual([...accepted.keys()].sort());
    // Reservations whose reply was lost in the freeze come back once their lease runs out.
    await new Promise((r) => setTimeout(r, leaseMs + 100));
    await createReconciler({ leads: s.leads, caps: s.caps, partners: () => ['acme', 'northwind'] }).tick();
    expect(await s.capUsed()).toBe([...accepted.values()].filter((p) => p === 'acme').length);
  });

  it('unfrozen, a lead is answered 202 and delivered once', async () => {
    const s = await setup((enqueue) => enqueue());
    open.push(s);
    const res = await s.post();
    expect(res.status).toBe(202);
    const { leadId } = await res.json() as { leadId: string };
    await s.partner.received((r) => r.body.leadId === leadId);
    await drained(s.queue);
    expect(s.partner.requests).toHaveLength(1);
    expect((await s.leads.get(leadId))?.state).toBe('delivered');
  });
});
