import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createMemoryIdempotencyStore, createRedisIdempotencyStore, idempotencyScope,
  type IdempotencyOptions, type IdempotencyStore,
} from './idempotency.ts';

const REDIS_URL = process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379';
const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
const prefixes: string[] = [];

afterAll(async () => {
  for (const p of prefixes) {
    const keys = await redis.keys(`${p}*`);
    if (keys.length) await redis.del(...keys);
  }
  redis.disconnect();
});

const fast: IdempotencyOptions = { waitMs: 300, pollMs: 10, pendingTtlMs: 5000 };

const makers: [string, (o: IdempotencyOptions) => IdempotencyStore][] = [
  ['memory', (o) => createMemoryIdempotencyStore(o)],
  ['redis', (o) => {
    const prefix = `test:${randomUUID()}:`;
    prefixes.push(prefix);
    return createRedisIdempotencyStore(redis, { ...o, prefix });
  }],
];

describe.each(makers)('IdempotencyStore (%s)', (_name, make) => {
  it('claims a new key, then returns the first answer', async () => {
    const s = make(fast);
    const first = await s.begin('src', 'k1');
    expect(first.state).toBe('claimed');
    if (first.state !== 'claimed') return;
    await s.complete('src', 'k1', first.token, { status: 202, body: { leadId: 'L1' } });
    expect(await s.begin('src', 'k1')).toEqual({ state: 'done', response: { status: 202, body: { leadId: 'L1' } } });
    await s.close();
  });

  it('scopes keys by source', async () => {
    const s = make(fast);
    expect((await s.begin('a', 'same')).state).toBe('claimed');
    expect((await s.begin('b', 'same')).state).toBe('claimed');
    await s.close();
  });

  it('a duplicate of a request in flight waits for its answer', async () => {
    const s = make({ ...fast, waitMs: 2000 });
    const first = await s.begin('src', 'k2');
    if (first.state !== 'claimed') throw new Error('expected claim');
    const dup = s.begin('src', 'k2');
    setTimeout(() => void s.complete('src', 'k2', first.token, { status: 202, body: { leadId: 'L2' } }), 50);
    expect(await dup).toEqual({ state: 'done', response: { status: 202, body: { leadId: 'L2' } } });
    await s.close();
  });

  it('a duplicate gets in-progress when the first never answers in time', async () => {
    const s = make(fast);
    expect((await s.begin('src', 'k3')).state).toBe('claimed');
    expect(await s.begin('src', 'k3')).toEqual({ state: 'in-progress' });
    await s.close();
  });

  it('an abandoned claim lets a retry (also one already waiting) proceed', async () => {
    const s = make({ ...fast, waitMs: 500 });
    const first = await s.begin('src', 'k4');
    if (first.state !== 'claimed') throw new Error('expected claim');
    const waiting = s.begin('src', 'k4');
    setTimeout(() => void s.abandon('src', 'k4', first.token), 50);
    const second = await waiting;
    expect(second.state).toBe('claimed');
    // The stale owner cannot overwrite the new claim's answer or drop it.
    await s.abandon('src', 'k4', first.token);
    expect((await s.begin('src', 'k4')).state).toBe('in-progress');
    await s.close();
  });

  it('a claim whose owner died expires, and answers expire after the TTL', async () => {
    const s = make({ ...fast, pendingTtlMs: 50, ttlMs: 50 });
    expect((await s.begin('src', 'k5')).state).toBe('claimed');
    await new Promise((r) => setTimeout(r, 80));
    const again = await s.begin('src', 'k5');
    expect(again.state).toBe('claimed');
    if (again.state !== 'claimed') return;
    await s.complete('src', 'k5', again.token, { status: 202, body: {} });
    await new Promise((r) => setTimeout(r, 80));
    expect((await s.begin('src', 'k5')).state).toBe('claimed');
    await s.close();
  });
});

describe('idempotencyScope', () => {
  it('is a hash, never the key', () => {
    const scope = idempotencyScope('super-secret-key');
    expect(scope).not.toContain('secret');
    expect(scope).toHaveLength(32);
    expect(idempotencyScope(undefined)).toBe('anonymous');
  });
});

describe('redis idempotency store when Redis is down', () => {
  it('throws UNAVAILABLE', async () => {
    const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    const s = createRedisIdempotencyStore(dead, { prefix: 'x:' });
    await expect(s.begin('a', 'b')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    dead.disconnect();
  });
});
