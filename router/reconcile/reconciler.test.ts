import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryCapStore } from '../caps/memory.ts';
import { createRedisCapStore } from '../caps/redis.ts';
import type { CapCounter, CapStore } from '../caps/types.ts';
import { createMemoryLeadStore } from '../leads/memory-store.ts';
import { createRedisLeadStore } from '../leads/redis-store.ts';
import { sampleRecord } from '../leads/store-contract.ts';
import type { LeadStore } from '../leads/store.ts';
import { createRedisClient, waitForRedis } from '../redis.ts';
import { deleteKeysUnder, TEST_REDIS_URL, testPrefix } from '../testing/redis-keys.ts';
import { createReconciler, createRedisTickLock, type Reconciler } from './reconciler.ts';

const WINDOW_MS = 1000;
const LEASE_MS = 100;

let redis: Redis;
beforeAll(async () => {
  redis = createRedisClient(TEST_REDIS_URL, { name: 'reconciler-test' });
  await waitForRedis(redis, 5000);
});
afterAll(async () => {
  await redis.quit();
});

interface Backend {
  prefix: string;
  leads: LeadStore;
  caps: CapStore;
  now(): number;
  advance(ms: number): Promise<void>;
  cleanup(): Promise<void>;
}

function memoryBackend(): Backend {
  let t = Date.UTC(2026, 2, 10, 12);
  const now = () => t;
  return {
    prefix: 'm:', now,
    leads: createMemoryLeadStore({ commitWindowMs: WINDOW_MS, now }),
    caps: createMemoryCapStore({ now }),
    async advance(ms) { t += ms; },
    async cleanup() {},
  };
}

function redisBackend(client = redis, prefix = testPrefix()): Backend {
  return {
    prefix, now: Date.now,
    leads: createRedisLeadStore(client, { prefix, commitWindowMs: WINDOW_MS }),
    caps: createRedisCapStore(client, { prefix }),
    advance: (ms) => new Promise((r) => setTimeout(r, ms)),
    cleanup: () => deleteKeysUnder(redis, prefix),
  };
}

const counter = (b: Backend, limit = 100): CapCounter => ({
  key: `${b.prefix}cap:{acme}:partner:day`, limit, expireAt: b.now() + 3_600_000, label: 'partner acme day',
});

/** A lead routed to acme with reservation `id`, saved as intake saves it. */
async function lead(b: Backend, id: string, how: 'uncommitted' | 'committed' | 'route-missing', leaseMs = LEASE_MS) {
  const rec = sampleRecord();
  const r = await b.caps.reserve(id, [counter(b)], { owner: rec.leadId, leaseMs });
  expect(r.ok).toBe(true);
  rec.routes = how === 'route-missing' ? [] : [{ profile: 'east', partner: 'acme', deliveryId: id, status: 'queued' }];
  await b.leads.save(rec, { uncommitted: {} });
  if (how !== 'uncommitted') expect(await b.leads.commit(rec.leadId)).toBe(true);
  return rec.leadId;
}

const used = async (b: Backend) => (await b.caps.peek([counter(b).key]))[0];

for (const kind of ['memory', 'redis'] as const) {
  describe(`reconciler (${kind} stores)`, () => {
    let b: Backend;
    let rec: Reconciler;
    afterEach(async () => {
      await rec?.stop();
      await b.cleanup();
    });
    const make = () => {
      b = kind === 'memory' ? memoryBackend() : redisBackend();
      rec = createReconciler({ leads: b.leads, caps: b.caps, partners: () => ['acme', 'globex'] });
      return b;
    };

    it('refuses a lead left uncommitted past its deadline and gives its caps back; a committed lead is kept', async () => {
      make();
      const open = await lead(b, 'r1', 'uncommitted', 60_000);
      const done = await lead(b, 'r2', 'committed', 60_000);
      expect(await rec.tick()).toMatchObject({ ran: true, leadsRefused: 0, released: 0 });
      await b.advance(WINDOW_MS + 100);
      expect(await rec.tick()).toMatchObject({ leadsRefused: 1, released: 1 });
      expect(await used(b)).toBe(1);
      expect(await b.leads.get(open)).toBeNull();
      expect(await b.leads.get(done)).not.toBeNull();
      expect(await b.leads.openLeads(10)).toEqual([]);
      // Settled: nothing more to do.
      expect(await rec.tick()).toMatchObject({ leadsRefused: 0, released: 0 });
    });

    it('a lease that ran out: given back unless its delivery is live; left alone while its lead may still commit', async () => {
      make();
      await b.caps.reserve('r1', [counter(b)], { owner: 'no-such-lead', leaseMs: LEASE_MS }); // its router died before saving
      await lead(b, 'r2', 'committed'); // live: kept
      await lead(b, 'r3', 'route-missing'); // committed, but this reservation is no route of it
      const undecided = await lead(b, 'r4', 'uncommitted');
      expect(await used(b)).toBe(4);
      await b.advance(LEASE_MS + 50);
      expect(await rec.tick()).toMatchObject({ leadsRefused: 0, released: 2, confirmed: 1 });
      expect(await used(b)).toBe(2);
      expect(await b.caps.expiredLeases('acme', 10)).toEqual([{ id: 'r4', owner: undecided }]);
      await b.advance(WINDOW_MS);
      expect(await rec.tick()).toMatchObject({ leadsRefused: 1, released: 1 });
      expect(await used(b)).toBe(1);
      expect(await b.caps.expiredLeases('acme', 10)).toEqual([]);
    });

    it('ticks by itself once started, and stops', async () => {
      make();
      const everyMs = 40;
      rec = createReconciler({ leads: b.leads, caps: b.caps, partners: () => ['acme'], everyMs });
      await lead(b, 'r1', 'uncommitted', 60_000);
      await b.advance(WINDOW_MS + 100);
      rec.start();
      for (let i = 0; i < 100 && (await used(b)) > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await used(b)).toBe(0);
      await rec.stop();
    });
  });
}

describe('reconcilers of several routers on one Redis', () => {
  const clients: Redis[] = [];
  const prefixes: string[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    for (const p of prefixes.splice(0)) await deleteKeysUnder(redis, p);
  });
  const router = async (prefix: string) => {
    const client = createRedisClient(TEST_REDIS_URL);
    clients.push(client);
    await waitForRedis(client, 5000);
    return redisBackend(client, prefix);
  };

  it('settle every lead once, whichever runs first', async () => {
    const prefix = testPrefix();
    prefixes.push(prefix);
    const [a, c] = [await router(prefix), await router(prefix)];
    for (let i = 0; i < 5; i++) await lead(a, `keep${i}`, 'committed', 60_000);
    for (let i = 0; i < 20; i++) await lead(i % 2 ? a : c, `open${i}`, 'uncommitted', 60_000);
    await a.advance(WINDOW_MS + 100);
    const ra = createReconciler({ leads: a.leads, caps: a.caps, partners: () => ['acme'] });
    const rc = createReconciler({ leads: c.leads, caps: c.caps, partners: () => ['acme'] });
    const [x, y] = await Promise.all([ra.tick(), rc.tick()]);
    expect(x.released + y.released).toBe(20);
    expect(await used(a)).toBe(5);
  });

  it('with a tick lock, one router ticks at a time', async () => {
    const prefix = testPrefix();
    prefixes.push(prefix);
    const [a, c] = [await router(prefix), await router(prefix)];
    const lockKey = `${prefix}reconcile:lock`;
    const ra = createReconciler({ leads: a.leads, caps: a.caps, partners: () => [], lock: createRedisTickLock(clients[0], lockKey), everyMs: 500 });
    const rc = createReconciler({ leads: c.leads, caps: c.caps, partners: () => [], lock: createRedisTickLock(clients[1], lockKey), everyMs: 500 });
    const ran = (await Promise.all([ra.tick(), rc.tick(), ra.tick(), rc.tick()])).filter((r) => r.ran);
    expect(ran).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 450));
    expect((await rc.tick()).ran).toBe(true);
  });
});
