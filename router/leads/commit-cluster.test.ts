// A lead's commit on a Redis Cluster whose replica does not have it (a test cluster of its own):
// the commit waits for a replica, and when none acknowledged, intake asks abort, on the master or
// on the replica promoted after the master died, so a commit lost with its master is never a 202.
import { Redis, type Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClusterClient, waitForRedis } from '../redis.ts';
import { waitForReplica } from '../redis-replica.ts';
import { startTestRedisCluster, type TestRedisCluster } from '../testing/redis-cluster.ts';
import { testPrefix } from '../testing/redis-keys.ts';
import { commitOrRefuse } from './commit.ts';
import { createRedisLeadStore } from './redis-store.ts';
import { sampleRecord } from './store-contract.ts';

let cluster: TestRedisCluster;
let redis: Cluster;
const admins: Redis[] = [];

beforeAll(async () => {
  cluster = await startTestRedisCluster();
  redis = createRedisClusterClient(cluster.seeds, { name: 'leadroute-commit-cluster-test' });
  await waitForRedis(redis, 10_000);
}, 60_000);
afterAll(async () => {
  redis?.disconnect();
  for (const a of admins) a.disconnect();
  await cluster?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const REPLICA_WAIT_MS = 1000;

/** A plain connection to one node, for admin commands. */
function node(port: number): Redis {
  const a = new Redis({ host: '127.0.0.1', port, lazyConnect: false, maxRetriesPerRequest: 1 });
  a.on('error', () => undefined);
  void a.readonly().catch(() => undefined); // reads on a replica
  admins.push(a);
  return a;
}

async function until(what: string, ok: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const connectedReplicas = async (master: Redis) => Number(/connected_slaves:(\d+)/.exec(await master.info('replication'))?.[1]);
const replicaPortOf = async (master: Redis) => Number(/slave0:ip=[^,]+,port=(\d+)/.exec(await master.info('replication'))?.[1]);

/**
 * Cut the replica off its master so that it gets nothing written from now on: it reconnects, but
 * authenticates as a user the master does not have, so its handshake fails every time.
 */
async function cutOff(master: Redis, replica: Redis): Promise<void> {
  await replica.config('SET', 'masteruser', 'leadroute-nobody');
  await replica.config('SET', 'masterauth', 'nothing');
  await replica.client('KILL', 'TYPE', 'master');
  await until('the replica to be gone', async () => (await connectedReplicas(master)) === 0);
}

async function reconnect(master: Redis, replica: Redis): Promise<void> {
  await replica.config('SET', 'masteruser', '');
  await replica.config('SET', 'masterauth', '');
  await until('the replica to be back in sync', async () => /slave0:.*state=online/.test(await master.info('replication')));
}

/** A lead saved uncommitted, its save on the replica too; the master of its key and that replica. */
async function savedLead(store: ReturnType<typeof createRedisLeadStore>, prefix: string) {
  const record = sampleRecord();
  await store.save(record, { uncommitted: {} });
  const key = `${prefix}lead:{${record.leadId}}`;
  // The slot map must list the replica: once it is cut off, its master's ROLE (what waitForReplica
  // asks when the map shows no replica) would not show it, and the commit would not wait.
  const slot = Number(await redis.cluster('KEYSLOT', key));
  await until('the client to know the replica', async () => {
    if ((redis.slots[slot]?.length ?? 0) > 1) return true;
    await new Promise<void>((resolve) => redis.refreshSlotsCache(() => resolve()));
    return false;
  });
  await waitForReplica(redis, key, 5000);
  const masterPort = await cluster.masterOf(key);
  const master = node(masterPort);
  const replica = node(await replicaPortOf(master));
  return { leadId: record.leadId, key, masterPort, master, replica };
}

describe('commit on a redis cluster', () => {
  it('a commit no replica acknowledged fails, and abort on the live master says committed: 202', async () => {
    const prefix = testPrefix();
    const store = createRedisLeadStore(redis, { prefix, replicaWaitMs: REPLICA_WAIT_MS });
    const lead = await savedLead(store, prefix);
    await cutOff(lead.master, lead.replica);
    try {
      await expect(store.commit(lead.leadId)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect(await lead.master.hget(lead.key, 'c')).toBeNull(); // the commit landed on the master
      expect(await commitOrRefuse(store, lead.leadId)).toBe(true);
    } finally {
      await reconnect(lead.master, lead.replica);
    }
    // With the replica back, a commit is acknowledged.
    expect(await store.commit(lead.leadId)).toBe(true);
  });

  it('a commit lost with its master (the replica never had it) is not a 202: the promoted replica refuses the lead', async () => {
    const prefix = testPrefix();
    const store = createRedisLeadStore(redis, { prefix, replicaWaitMs: REPLICA_WAIT_MS });
    const lead = await savedLead(store, prefix);
    await cutOff(lead.master, lead.replica);
    expect(await lead.replica.hget(lead.key, 'c')).toBe('o');

    const committing = commitOrRefuse(store, lead.leadId);
    // Kill the master once it has the commit, while the commit waits for a replica.
    await until('the commit on the master', async () => (await lead.master.hget(lead.key, 'c')) === null, 2000);
    const killedAt = Date.now();
    await cluster.kill(lead.masterPort);
    const committed = await committing;
    // The old code answered true (a 202) at once: the lead would never be delivered.
    expect(committed).toBe(false);
    expect(Date.now() - killedAt).toBeLessThan(6000);

    await cluster.waitHealthy();
    expect(await cluster.masterOf(lead.key)).not.toBe(lead.masterPort);
    // Refused on the promoted replica: a delivery of the lead is dropped.
    expect(await store.startDelivery(lead.leadId, { profile: 'p', partner: 'acme', deliveryId: 'd-1', status: 'queued' }))
      .toEqual({ record: false, uncommitted: 'aborted' });
    expect(await store.get(lead.leadId)).toBeNull();
  }, 30_000);
});
