// The Redis connections of the BullMQ delivery queue (queue-bullmq.ts), on one Redis or a Redis Cluster.
import { Cluster, Redis } from 'ioredis';
import { connectEagerly, failFastUnlessReady, reconnectDelay, type RedisClient, type RedisTarget } from '../redis.ts';

/**
 * How often a worker command is sent again while its slot has no master (each retry after
 * 100 ms, or at once after a MOVED): ioredis's default, 16, gives up within about a second, before
 * a replica is promoted (cluster-node-timeout plus the election). BullMQ does not take that error
 * for a lost connection: a job whose claim, hand-on or completion failed so would stay active
 * until its lock runs out (30 s, then the stalled check), its deliveries not sent meanwhile. 1000
 * retries outlast a failover and the lock: a command that still fails finds its job resumed.
 */
const WORKER_MAX_REDIRECTIONS = 1000;

/**
 * The two connections BullMQ needs, each with its own options:
 * - `queue` (enqueue, dead-letter admin, metrics): fails fast while Redis is down (no offline
 *   queue, a command timeout), so a lead is answered 503 instead of waiting;
 * - `worker`: BullMQ requires `maxRetriesPerRequest: null` (it blocks on Redis waiting for jobs and
 *   must survive reconnections); BullMQ duplicates it for its blocking commands.
 * Both reconnect forever (backing off to 1 s). On a Redis Cluster (seed nodes), the same options
 * apply to every node; the queue connection does not resend a command whose connection closed
 * (it may have run: the enqueue fails instead), the worker's waits out a failover like BullMQ expects.
 */
export function createBullmqConnection(
  target: RedisTarget,
  role: 'queue' | 'worker',
  opts: { commandTimeoutMs?: number; onError?: (err: Error) => void } = {},
): RedisClient {
  const retryStrategy = reconnectDelay;
  const connectionName = role === 'worker' ? 'leadroute-delivery-worker' : 'leadroute-delivery-queue';
  const commandTimeout = opts.commandTimeoutMs ?? 2000;
  const failFast = { maxRetriesPerRequest: 1, commandTimeout, connectTimeout: Math.max(2000, commandTimeout * 2) };
  let client: RedisClient;
  if (typeof target !== 'string') {
    client = role === 'worker'
      ? new Cluster(target.map((n) => ({ ...n })), {
        clusterRetryStrategy: retryStrategy, maxRedirections: WORKER_MAX_REDIRECTIONS, redisOptions: { maxRetriesPerRequest: null, connectionName },
      })
      : failFastUnlessReady(connectEagerly(new Cluster(target.map((n) => ({ ...n })), {
        enableOfflineQueue: true, clusterRetryStrategy: retryStrategy, retryDelayOnFailover: 0, slotsRefreshTimeout: Math.max(1000, commandTimeout),
        redisOptions: { ...failFast, connectionName },
      })));
  } else {
    client = role === 'worker'
      ? new Redis(target, { maxRetriesPerRequest: null, retryStrategy, connectionName })
      : new Redis(target, { ...failFast, enableOfflineQueue: false, retryStrategy, connectionName });
  }
  client.on('error', (err: Error) => opts.onError?.(err));
  return client;
}
