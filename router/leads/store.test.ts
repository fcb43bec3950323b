import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLeadStore } from './memory-store.ts';
import { createRedisLeadStore } from './redis-store.ts';
import { CONTRACT_COMMIT_WINDOW_MS, leadStoreContract, recentLeadsContract, sampleAttempt, sampleRecord } from './store-contract.ts';
import { leadStateOf } from './state.ts';
import type { LeadRecord } from './types.ts';

const REDIS_URL = process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379';
const RETENTION = 60_000;

let redis: Redis;
beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  await redis.quit();
});

async function deleteKeys(prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
}

leadStoreContract('memory', async () => {
  let t = Date.UTC(2025, 2, 1);
  const store = createMemoryLeadStore({ retentionMs: RETENTION, commitWindowMs: CONTRACT_COMMIT_WINDOW_MS, now: () => t });
  return {
    store,
    now: () => t,
    async advance(ms) {
      t += ms;
    },
    async expire() {
      t += RETENTION + 1;
    },
    async cleanup() {},
  };
});

leadStoreContract('redis', async () => {
  const prefix = `test:${randomUUID()}:`;
  const store = createRedisLeadStore(redis, { prefix, retentionMs: RETENTION, commitWindowMs: CONTRACT_COMMIT_WINDOW_MS });
  return {
    store,
    async expire(leadId) {
      const keys = await redis.keys(`${prefix}lead:{${leadId}}*`);
      for (const k of keys) await redis.pexpire(k, 1);
      while ((await redis.exists(...keys)) > 0) await new Promise((r) => setTimeout(r, 2));
    },
    cleanup: () => deleteKeys(prefix),
  };
});

recentLeadsContract('memory', async () => {
  let t = Date.UTC(2025, 2, 1);
  const store = createMemoryLeadStore({ retentionMs: RETENTION, now: () => t });
  return { store, async expire() { t += RETENTION + 1; }, async cleanup() {} };
});

recentLeadsContract('redis', async () => {
  const prefix = `test:${randomUUID()}:`;
  const store = createRedisLeadStore(redis, { prefix, retentionMs: RETENTION });
  return {
    store,
    async expire(leadId) {
      await redis.del(`${prefix}lead:{${leadId}}`);
    },
    cleanup: () => deleteKeys(prefix),
  };
});

describe('memory LeadStore retention', () => {
  it('starts the retention period again on every write, and drops expired records in a sweep', async () => {
    let t = 0;
    const store = createMemoryLeadStore({ retentionMs: 100_000, now: () => t });
    const a = sampleRecord();
    const b = sampleRecord();
    await store.save(a);
    await store.save(b);
    t = 60_000;
    await store.addAttempt(a.leadId, sampleAttempt(a.routes[0].deliveryId, 1));
    t = 120_000; // b is past its retention, a was written at 60 s
    expect(await store.get(a.leadId)).not.toBeNull();
    expect(await store.get(b.leadId)).toBeNull();
    t = 160_001;
    expect(await store.setState(a.leadId, 'delivered')).toBe(false);
  });
});

describe('redis LeadStore keys', () => {
  const prefix = `test:${randomUUID()}:`;
  afterAll(() => deleteKeys(prefix));

  it('keeps one lead as one hash under its hash tag, with the retention TTL, refreshed by each write', async () => {
    const store = createRedisLeadStore(redis, { prefix, retentionMs: RETENTION });
    const rec = sampleRecord();
    await store.save(rec);
    await store.addAttempt(rec.leadId, sampleAttempt(rec.routes[0].deliveryId, 1));
    const key = `${prefix}lead:{${rec.leadId}}`;
    // (The recent-leads index and minute counts live apart, under `leads:{recent}`.)
    expect(await redis.keys(`${prefix}lead:*`)).toEqual([key]);
    expect(await redis.type(key)).toBe('hash');
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(RETENTION);
    for (const write of [
      () => store.setRouteStatus(rec.leadId, rec.routes[0].deliveryId, 'delivering'),
      () => store.startDelivery(rec.leadId, rec.routes[1]),
      () => store.update(rec.leadId, { state: 'delivered' }),
      () => store.addRoute(rec.leadId, { ...rec.routes[0], deliveryId: 'wf' }),
    ]) {
      await redis.pexpire(key, 5_000);
      await write();
      expect(await redis.pttl(key)).toBeGreaterThan(5_000);
    }
  });

  it('runs one command per write and one per read (no read before a write)', async () => {
    const store = createRedisLeadStore(redis, { prefix, retentionMs: RETENTION });
    const steps = async (rec: LeadRecord) => {
      await store.save(rec);
      await store.startDelivery(rec.leadId, rec.routes[0]);
      await store.update(rec.leadId, { attempt: sampleAttempt(rec.routes[0].deliveryId, 1), route: { deliveryId: rec.routes[0].deliveryId, status: 'delivered' }, state: 'delivered' });
      return store.get(rec.leadId);
    };
    await steps(sampleRecord()); // loads the scripts
    const sent: string[] = [];
    const spy = redis.sendCommand.bind(redis);
    redis.sendCommand = ((cmd: { name: string; args: unknown[] }) => {
      // The recent-leads index is written apart, in batches (recent-redis.ts): not part of a write.
      if (!(cmd.name === 'evalsha' && String(cmd.args[2]).endsWith('leads:{recent}'))) sent.push(cmd.name);
      return spy(cmd as never);
    });
    let got: LeadRecord | null;
    try {
      got = await steps(sampleRecord());
    } finally {
      redis.sendCommand = spy;
    }
    expect(sent).toEqual(['evalsha', 'evalsha', 'evalsha', 'hgetall']);
    expect(got).toMatchObject({ state: 'delivered', attempts: [{ attempt: 1 }] });
  });

  it('defaults to 30 days of retention', async () => {
    const store = createRedisLeadStore(redis, { prefix });
    const rec = sampleRecord();
    await store.save(rec);
    const ttl = await redis.pttl(`${prefix}lead:{${rec.leadId}}`);
    expect(ttl).toBeGreaterThan(29 * 86_400_000);
    expect(ttl).toBeLessThanOrEqual(30 * 86_400_000);
  });

  it('answers null for an id that would break the hash tag', async () => {
    const store = createRedisLeadStore(redis, { prefix });
    expect(await store.get('a}{b')).toBeNull();
    expect(await store.setState('a}{b', 'delivered')).toBe(false);
  });

  it('turns a Redis failure into UNAVAILABLE', async () => {
    const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const store = createRedisLeadStore(dead, { prefix });
    await expect(store.get('x')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(store.save(sampleRecord())).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(store.setState('x', 'delivered')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    dead.disconnect();
  });
});

describe('leadStateOf', () => {
  const r = (...statuses: Parameters<typeof leadStateOf>[0][number]['status'][]) => statuses.map((status) => ({ status }));
  it('is delivered as soon as one route is, whatever the others', () => {
    expect(leadStateOf(r('rejected', 'delivered', 'queued'))).toBe('delivered');
    expect(leadStateOf(r('test-delivered'))).toBe('delivered');
    // A lead returned by its buyer was still delivered.
    expect(leadStateOf(r('returned', 'rejected'))).toBe('delivered');
  });
  it('is pending while a route is queued or delivering', () => {
    expect(leadStateOf(r('rejected', 'delivering'))).toBe('pending');
    expect(leadStateOf(r('failed', 'queued'))).toBe('pending');
  });
  it('is dead-lettered when every route ended and one gave up, rejected when all were rejected', () => {
    expect(leadStateOf(r('rejected', 'failed'))).toBe('dead-lettered');
    expect(leadStateOf(r('dead-lettered'))).toBe('dead-lettered');
    expect(leadStateOf(r('rejected', 'rejected'))).toBe('rejected');
  });
  it('has no say over a lead without routes', () => {
    expect(leadStateOf([])).toBeNull();
  });
});
