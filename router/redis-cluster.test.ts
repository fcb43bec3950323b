// The Redis stores and the delivery queue on a real Redis Cluster (3 masters, 3 replicas, started
// by this file): the same contracts as on one Redis, and keys spread over the masters.
import { randomUUID } from 'node:crypto';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capStoreContract } from './caps/contract.ts';
import { createRedisCapStore } from './caps/redis.ts';
import { capCounters } from './caps/windows.ts';
import { createBullmqDeliveryQueue } from './delivery/queue-bullmq.ts';
import { queueContract } from './delivery/queue-contract.ts';
import { readRouterEnv } from './env.ts';
import { createRedisIdempotencyStore } from './leads/idempotency.ts';
import { createRedisLeadStore } from './leads/redis-store.ts';
import { CONTRACT_COMMIT_WINDOW_MS, leadStoreContract, sampleRecord } from './leads/store-contract.ts';
import { createRedisClusterClient, createRedisFromEnv, waitForRedis } from './redis.ts';
import { startTestRedisCluster, type TestRedisCluster } from './testing/redis-cluster.ts';
import { testPrefix } from './testing/redis-keys.ts';

let cluster: TestRedisCluster;
let redis: Cluster;

beforeAll(async () => {
  cluster = await startTestRedisCluster();
  redis = createRedisClusterClient(cluster.seeds, { name: 'leadroute-cluster-test' });
  await waitForRedis(redis, 10_000);
}, 60_000);
afterAll(async () => {
  await redis?.quit().catch(() => redis.disconnect());
  await cluster?.close();
});

// The cluster is this file's own and is killed afterwards: a unique prefix per test is enough.
const noCleanup = async () => {};

capStoreContract('redis cluster', async () => {
  const prefix = testPrefix();
  return { store: createRedisCapStore(redis, { prefix }), prefix, cleanup: noCleanup };
});

leadStoreContract('redis cluster', async () => {
  const prefix = testPrefix();
  return {
    store: createRedisLeadStore(redis, { prefix, retentionMs: 60_000, commitWindowMs: CONTRACT_COMMIT_WINDOW_MS }),
    async expire(leadId) {
      const key = `${prefix}lead:{${leadId}}`;
      await redis.pexpire(key, 1);
      while ((await redis.exists(key)) > 0) await new Promise((r) => setTimeout(r, 2));
    },
    cleanup: noCleanup,
  };
});

// On a cluster every key of a BullMQ queue must share one slot: the prefix is one hash tag.
queueContract('bullmq on redis cluster', async (opts) => ({
  queue: createBullmqDeliveryQueue({ ...opts, redis: cluster.seeds, prefix: `{test-${randomUUID()}}` }),
  cleanup: noCleanup,
}));

describe('redis cluster', () => {
  it('REDIS_CLUSTER_NODES picks a cluster client', async () => {
    const env = readRouterEnv({ REDIS_CLUSTER_NODES: cluster.nodesEnv });
    expect(env.redisClusterNodes).toEqual(cluster.seeds);
    expect(env.redisUrl).toBeUndefined();
    const client = createRedisFromEnv(env)!;
    try {
      expect(client.isCluster).toBe(true);
      await waitForRedis(client, 10_000);
    } finally {
      client.disconnect();
    }
  });

  it('commands for many slots sent in one event-loop turn (pipelined per node) all succeed', async () => {
    const prefix = testPrefix();
    const caps = createRedisCapStore(redis, { prefix });
    const leads = createRedisLeadStore(redis, { prefix });
    const idem = createRedisIdempotencyStore(redis, { prefix });
    const calls = Array.from({ length: 60 }, (_, i) => {
      const counters = capCounters({ prefix, partner: `p${i}`, scope: 'partner', caps: { day: 5 }, timezone: 'UTC', now: new Date() });
      return [caps.reserve(`r${i}`, counters), leads.save(sampleRecord()), idem.begin('scope', `k${i}`), caps.nextTurn(`turn-${i}`)];
    });
    const rejected = (settled: PromiseSettledResult<unknown>[]) =>
      settled.filter((x) => x.status === 'rejected').map((x) => String((x).reason?.cause ?? x));
    const settled = await Promise.allSettled(calls.flat());
    expect(rejected(settled)).toEqual([]);
    // EVAL with its key after the key count: completing the claims, all in one turn too.
    const claims = settled.filter((_, i) => i % 4 === 2).map((x) => (x as PromiseFulfilledResult<{ token: string }>).value.token);
    expect(rejected(await Promise.allSettled(claims.map((token, i) => idem.complete('scope', `k${i}`, token, { status: 202, body: { i } }))))).toEqual([]);
    expect(await idem.begin('scope', 'k7')).toEqual({ state: 'done', response: { status: 202, body: { i: 7 } } });
  });

  it('spreads caps, lead records and idempotency keys over every master', async () => {
    const prefix = testPrefix();
    const caps = createRedisCapStore(redis, { prefix });
    const leads = createRedisLeadStore(redis, { prefix });
    const idem = createRedisIdempotencyStore(redis, { prefix });
    const partners = Array.from({ length: 12 }, (_, i) => `partner-${i}`);
    const leadIds: string[] = [];
    for (const partner of partners) {
      const counters = capCounters({ prefix, partner, scope: 'partner', caps: { day: 5, month: 50 }, timezone: 'UTC', now: new Date() });
      expect(await caps.reserve(randomUUID(), counters)).toEqual({ ok: true });
      const rec = sampleRecord();
      await leads.save(rec);
      leadIds.push(rec.leadId);
      expect((await idem.begin('scope', partner)).state).toBe('claimed');
    }
    const where = async (keys: string[]) => new Set(await Promise.all(keys.map((k) => cluster.masterOf(k))));
    expect((await where(partners.map((p) => `${prefix}cap:{${p}}:x`))).size).toBe(3);
    expect((await where(leadIds.map((id) => `${prefix}lead:{${id}}`))).size).toBe(3);
    // Every master holds some of these keys.
    const perMaster = await Promise.all(redis.nodes('master').map(async (node) => (await node.scan('0', 'MATCH', `${prefix}*`, 'COUNT', 10_000))[1].length));
    expect(perMaster.every((n) => n > 0)).toBe(true);
  });
});
