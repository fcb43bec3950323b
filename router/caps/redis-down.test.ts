// "When Redis fails": a throwaway redis-server (never the shared one) is killed and restarted
// under a live client. Reserve must fail fast, never hang or queue, and recover on its own.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient, waitForRedis } from '../redis.ts';
import { startThrowawayRedis, type ThrowawayRedis } from '../testing/throwaway-redis.ts';
import { createRedisCapStore } from './redis.ts';
import type { CapCounter, CapStore } from './types.ts';

const DEADLINE = Symbol('deadline');

/** The promise's outcome, or DEADLINE when it has not settled within `ms`. */
async function settleWithin<T>(p: Promise<T>, ms: number): Promise<{ ok: true; value: T } | { ok: false; error: unknown } | typeof DEADLINE> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof DEADLINE>((resolve) => (timer = setTimeout(() => resolve(DEADLINE), ms)));
  try {
    return await Promise.race([p.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error })), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Retry `fn` until it resolves (the client reconnects by itself), for at most `ms`. */
async function eventually<T>(fn: () => Promise<T>, ms: number): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('Redis cap store when Redis fails', () => {
  let server: ThrowawayRedis;
  let client: Redis;
  let store: CapStore;
  const counter: CapCounter = { key: 'down:cap:{acme}:partner:day:x', limit: 1000, expireAt: Date.now() + 3_600_000, label: 'partner acme day' };

  beforeAll(async () => {
    server = await startThrowawayRedis();
    expect(server.port).not.toBe(6379);
    client = createRedisClient(server.url, { name: 'leadroute-redis-down-test' });
    await waitForRedis(client, 5000);
    store = createRedisCapStore(client, { prefix: 'down:' });
  });
  afterAll(async () => {
    client?.disconnect();
    await server?.close();
  });

  it('reserves while Redis is up', async () => {
    expect(await store.reserve('r1', [counter])).toMatchObject({ ok: true });
  });

  it('a killed Redis makes reserve and ping reject within 2 s', async () => {
    await server.stop();
    const reserve = await settleWithin(store.reserve('r2', [counter]), 2000);
    expect(reserve).not.toBe(DEADLINE);
    expect(reserve).toMatchObject({ ok: false });
    const ping = await settleWithin(store.ping(), 2000);
    expect(ping).toMatchObject({ ok: false });
  });

  it('a restarted Redis is used again by the same client, with no help', async () => {
    await server.start();
    // The new server is empty, and the script cache with it: reserve must reload its script.
    expect(await eventually(() => store.reserve('r3', [counter]), 10_000)).toMatchObject({ ok: true });
    // 1, not 2: the refused r2 did not wait in a queue to run once Redis was back.
    expect(await store.peek([counter.key])).toEqual([1]);
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('a Redis that stops answering (connection open) makes reserve reject within 2 s', async () => {
    server.pause();
    try {
      const reserve = await settleWithin(store.reserve('r4', [counter]), 2000);
      expect(reserve).not.toBe(DEADLINE);
      expect(reserve).toMatchObject({ ok: false });
    } finally {
      server.resume();
    }
    expect(await eventually(() => store.reserve('r5', [counter]), 10_000)).toMatchObject({ ok: true });
  });

  it('a client created while Redis is down fails fast, then connects by itself', async () => {
    await server.stop();
    const late = createRedisClient(server.url);
    try {
      const lateStore = createRedisCapStore(late, { prefix: 'down:' });
      expect(await settleWithin(lateStore.ping(), 2000)).toMatchObject({ ok: false });
      await expect(waitForRedis(late, 300)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      await server.start();
      await waitForRedis(late, 10_000);
      expect(await lateStore.reserve('r6', [counter])).toMatchObject({ ok: true });
    } finally {
      late.disconnect();
    }
  });
});
