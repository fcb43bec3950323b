// Waiting for a Redis Cluster replica to have a write (WAIT): used by the delivery queue's enqueue
// (router/delivery/queue-bullmq.ts) and the lead store's commit (router/leads/redis-store.ts).
import calculateSlot from 'cluster-key-slot';
import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from './redis.ts';

/**
 * How long a write waits for a replica, from the command timeout of its client: within it, so a
 * replica that does not answer is a 503, not a hung request.
 */
export const replicaWaitMsFor = (commandTimeoutMs: number): number => Math.max(50, Math.floor(commandTimeoutMs / 2));

/**
 * On a Redis Cluster, wait until a replica of the master holding `key` has what this client just
 * wrote there (WAIT): replication is asynchronous, and a master killed right after acknowledging
 * a write would otherwise take it along (the promoted replica never had it). Throws when the slot
 * has replicas and none acknowledged in time, or when the master's connection fails meanwhile.
 * One Redis: nothing to wait for. `what` names the write in the error.
 */
export async function waitForReplica(client: RedisClient, key: string, timeoutMs: number, what = 'the write'): Promise<void> {
  if (!(client instanceof Cluster)) return;
  // Computed here (CRC16, as ioredis routes): a lead's key is new each time, so asking CLUSTER
  // KEYSLOT would cost a round trip per lead, and remembering the answers would grow without end.
  const slot = calculateSlot(key);
  const [master, ...replicas] = client.slots[slot] ?? [];
  if (master === undefined) return;
  const node = client.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === master);
  if (!node) throw new Error(`no connection to ${master}, the master of slot ${slot}`);
  if (replicas.length === 0 && !(await hasReplicas(client, node))) return;
  const acked = await node.wait(1, timeoutMs);
  if (acked < 1) throw new Error(`no replica of ${master} acknowledged ${what} within ${timeoutMs} ms`);
}

/**
 * Whether a master the slot map shows without replicas has some after all. The map comes from
 * CLUSTER SLOTS, which leaves out a replica the node asked had not heard from yet (for a few
 * seconds after the cluster started or the replica joined), and ioredis refreshes it only after
 * a redirection or a lost node: a router started then would never wait. ROLE asks the master
 * itself (one more round trip, only while the map lacks its replicas), and the map is refreshed
 * (at most once a second).
 */
async function hasReplicas(client: Cluster, node: Redis): Promise<boolean> {
  const [role, , connected] = (await node.call('ROLE')) as [string, unknown, unknown[] | undefined];
  if (role !== 'master' || !connected?.length) return false;
  const now = Date.now();
  if (now - (refreshedAt.get(client) ?? 0) >= 1000) {
    refreshedAt.set(client, now);
    client.refreshSlotsCache(() => undefined);
  }
  return true;
}
// When hasReplicas last had the slot map refreshed: at most once a second.
const refreshedAt = new WeakMap<Cluster, number>();
