import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRedisClient, waitForRedis } from '../redis.ts';
import { deleteKeysUnder, keysUnder, TEST_REDIS_URL, testPrefix } from '../testing/redis-keys.ts';
import { capStoreContract } from './contract.ts';
import { LIFETIME_RESERVATION_MS } from './keys.ts';
import { createRedisCapStore } from './redis.ts';
import type { CapCounter, CapStore } from './types.ts';
import { capCounters } from './windows.ts';

let redis: Redis;

beforeAll(async () => {
  redis = createRedisClient(TEST_REDIS_URL, { name: 'leadroute-caps-test' });
  await waitForRedis(redis, 5000);
});
afterAll(async () => {
  await redis.quit();
});

capStoreContract('redis', async () => {
  const prefix = testPrefix();
  return {
    store: createRedisCapStore(redis, { prefix }),
    prefix,
    cleanup: () => deleteKeysUnder(redis, prefix),
  };
});

describe('redis cap store', () => {
  let prefix: string;
  let store: CapStore;
  beforeEach(() => {
    prefix = testPrefix();
    store = createRedisCapStore(redis, { prefix });
  });
  afterEach(async () => {
    await store.close();
    await deleteKeysUnder(redis, prefix);
  });

  const counter = (window: string, limit: number, expireAt: number | null): CapCounter => ({
    key: `${prefix}cap:{acme}:partner:${window}`,
    limit,
    expireAt,
    label: `partner acme ${window}`,
  });

  it('every key of one reservation carries the partner hash tag', async () => {
    const cs = [
      ...capCounters({ prefix, partner: 'acme', scope: 'profile:residential-east', caps: { day: 5, month: 50 }, timezone: 'America/New_York', now: new Date() }),
      ...capCounters({ prefix, partner: 'acme', scope: 'partner', caps: { week: 9, lifetime: 99, custom: [{ every: '36h', max: 3 }] }, timezone: 'UTC', now: new Date() }),
    ];
    expect(await store.reserve('01J0000000000000000000000', cs, { owner: 'lead-1' })).toMatchObject({ ok: true });
    const keys = await keysUnder(redis, prefix);
    expect(keys).toHaveLength(cs.length + 2);
    for (const k of keys) expect(k.startsWith(`${prefix}cap:{acme}:`)).toBe(true);
    expect(keys).toContain(`${prefix}cap:{acme}:res:01J0000000000000000000000`);
    expect(keys).toContain(`${prefix}cap:{acme}:leases`);
  });

  it('counters expire at their window end, set once; lifetime counters never', async () => {
    const end = Date.now() + 3_600_000;
    const day = counter('day', 5, end);
    const life = counter('lifetime', 5, null);
    await store.reserve('r1', [day, life]);
    // A later call with another expiry (a clock a little off) does not move it.
    await store.reserve('r2', [{ ...day, expireAt: end + 60_000 }, life]);
    expect(await redis.pexpiretime(day.key)).toBe(end);
    expect(await redis.pttl(life.key)).toBe(-1);
    expect(await redis.get(day.key)).toBe('2');
  });

  it('a counter whose window ends in 1.2 s gets that TTL', async () => {
    const soon = counter('hour', 5, Date.now() + 1200);
    await store.reserve('r1', [soon]);
    const ttl = await redis.pttl(soon.key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1200);
  });

  it('a reservation lives as long as its longest window, or 400 days for lifetime caps', async () => {
    const end = Date.now() + 7_200_000;
    await store.reserve('r1', [counter('hour', 5, Date.now() + 3_600_000), counter('day', 5, end)]);
    expect(await redis.pexpiretime(`${prefix}cap:{acme}:res:r1`)).toBe(end);
    const before = Date.now();
    await store.reserve('r2', [counter('lifetime', 5, null)]);
    const at = await redis.pexpiretime(`${prefix}cap:{acme}:res:r2`);
    expect(at).toBeGreaterThanOrEqual(before + LIFETIME_RESERVATION_MS);
    expect(at).toBeLessThanOrEqual(Date.now() + LIFETIME_RESERVATION_MS);
  });

  it('release does not recreate a counter whose key expired', async () => {
    const hour = counter('hour', 5, Date.now() + 3_600_000);
    const day = counter('day', 5, Date.now() + 7_200_000);
    await store.reserve('r1', [hour, day]);
    await redis.del(hour.key); // as if its window had ended
    expect(await store.release('r1', 'acme')).toBe(true);
    expect(await redis.exists(hour.key)).toBe(0);
    expect(await redis.get(day.key)).toBe('0');
    expect(await redis.exists(`${prefix}cap:{acme}:res:r1`)).toBe(0);
  });

  it('round-robin turns are shared by every store on the same Redis', async () => {
    const other = createRedisClient(TEST_REDIS_URL);
    try {
      await waitForRedis(other, 5000);
      const second = createRedisCapStore(other, { prefix });
      expect(await store.nextTurn('mortgage:re:10')).toBe(0);
      expect(await second.nextTurn('mortgage:re:10')).toBe(1);
      expect(await store.nextTurn('mortgage:re:10')).toBe(2);
      const ttl = await redis.pttl(`${prefix}rr:{mortgage:re:10}`);
      expect(ttl).toBeGreaterThan(29 * 86_400_000);
      expect(ttl).toBeLessThanOrEqual(30 * 86_400_000);
    } finally {
      await other.quit();
    }
  });

  it('two stores on two connections reserve against one count', async () => {
    const other = createRedisClient(TEST_REDIS_URL);
    try {
      await waitForRedis(other, 5000);
      const second = createRedisCapStore(other, { prefix });
      const day = counter('day', 100, Date.now() + 3_600_000);
      const results = await Promise.all(Array.from({ length: 400 }, (_, i) => (i % 2 ? store : second).reserve(`r${i}`, [day])));
      expect(results.filter((r) => r.ok)).toHaveLength(100);
      expect(await redis.get(day.key)).toBe('100');
      // A reservation taken through one store is released through the other.
      const taken = results.findIndex((r) => r.ok);
      expect(await (taken % 2 ? second : store).release(`r${taken}`, 'acme')).toBe(true);
      expect(await redis.get(day.key)).toBe('99');
    } finally {
      await other.quit();
    }
  });

  it('close leaves the injected client open', async () => {
    await store.close();
    expect(await redis.ping()).toBe('PONG');
  });
});
