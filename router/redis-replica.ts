// Waiting for a Redis Cluster replica to have a write (WAIT): used by the delivery queue's enqueue
// (router/delivery/queue-bullmq.ts) and the lead store's commit (router/leads/redis-store.ts).
import { Cluster } from 'ioredis';
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
  const slot = await slotOf(client, key);
  const [master, ...replicas] = client.slots[slot] ?? [];
  if (master === undefined || replicas.length === 0) return;
  const node = client.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === master);
  if (!node) throw new Error(`no connection to ${master}, the master of slot ${slot}`);
  const acked = await node.wait(1, timeoutMs);
  if (acked < 1) throw new Error(`no replica of ${master} acknowledged ${what} within ${timeoutMs} ms`);
}

// A key's slot never changes: asked once (CLUSTER KEYSLOT), then remembered.
const slots = new WeakMap<Cluster, Map<string, number>>();
async function slotOf(client: Cluster, key: string): Promise<number> {
  let known = slots.get(client);
  if (!known) slots.set(client, (known = new Map<string, number>()));
  let slot = known.get(key);
  if (slot === undefined) known.set(key, (slot = Number(await client.cluster('KEYSLOT', key))));
  return slot;
}
