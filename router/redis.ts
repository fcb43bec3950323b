// The one way the router connects to Redis. Configured for "when Redis fails": a command
// either answers or fails fast (no offline queue, a command timeout), so a lead is refused with
// 503 rather than accepted and left uncounted; the client reconnects forever on its own.
import type { Socket } from 'node:net';
import { Cluster, Redis, type ClusterOptions, type Command } from 'ioredis';
import type { RedisNode, RouterEnv } from './env.ts';
import { LeadrouteError } from './errors.ts';

/** One Redis, or a Redis Cluster: the stores take either (every script's keys share one slot). */
export type RedisClient = Redis | Cluster;

/** Where Redis is: a `redis://` URL, or the seed nodes of a Redis Cluster. */
export type RedisTarget = string | readonly RedisNode[];

/** REDIS_CLUSTER_NODES, else REDIS_URL; undefined: no Redis (embedded stores). */
export function redisTargetOf(env: Pick<RouterEnv, 'redisUrl' | 'redisClusterNodes'>): RedisTarget | undefined {
  return env.redisClusterNodes ?? env.redisUrl;
}

export interface RedisClientOptions {
  /** A command that gets no answer fails after this long (default 1000 ms). */
  commandTimeoutMs?: number;
  /** CLIENT SETNAME, shown by `CLIENT LIST`. */
  name?: string;
  /** Connection errors (refused, reset, timeouts). Default: ignored; the client keeps reconnecting. */
  onError?: (err: Error) => void;
}

/** Longest wait between reconnection attempts. */
const MAX_RECONNECT_DELAY_MS = 1000;

/** Reconnect forever: 50 ms, 100 ms, … capped at 1 s. */
export const reconnectDelay = (times: number) => Math.min(50 * 2 ** Math.min(times - 1, 10), MAX_RECONNECT_DELAY_MS);

/** The client for the router's environment (REDIS_CLUSTER_NODES or REDIS_URL); undefined without Redis. */
export function createRedisFromEnv(
  env: Pick<RouterEnv, 'redisUrl' | 'redisClusterNodes' | 'redisCommandTimeoutMs'>,
  opts: Omit<RedisClientOptions, 'commandTimeoutMs'> = {},
): RedisClient | undefined {
  const target = redisTargetOf(env);
  if (target === undefined) return undefined;
  const o = { ...opts, commandTimeoutMs: env.redisCommandTimeoutMs };
  return typeof target === 'string' ? createRedisClient(target, o) : createRedisClusterClient(target, o);
}

/**
 * A Redis Cluster client with the same "answer or fail fast" behaviour as createRedisClient. A
 * command Redis answered with MOVED, ASK, TRYAGAIN or CLUSTERDOWN was not run and is sent again
 * (to the new master after a failover); one whose connection closed may have run, so it fails
 * (the lead gets a 503 and its source retries) instead of being sent twice.
 */
export function createRedisClusterClient(nodes: readonly RedisNode[], opts: RedisClientOptions = {}): Cluster {
  const commandTimeout = opts.commandTimeoutMs ?? 1000;
  const options: ClusterOptions = {
    // Commands wait (up to the command timeout) for a node connection that is still opening;
    // failFastUnlessReady refuses them at once while the cluster itself is not reachable.
    enableOfflineQueue: true,
    enableAutoPipelining: true,
    autoPipeliningIgnoredCommands: [],
    clusterRetryStrategy: reconnectDelay,
    retryDelayOnFailover: 0,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    slotsRefreshTimeout: Math.max(1000, commandTimeout),
    redisOptions: {
      commandTimeout,
      maxRetriesPerRequest: 1,
      autoResendUnfulfilledCommands: false,
      connectTimeout: Math.max(2000, commandTimeout * 2),
      ...(opts.name ? { connectionName: opts.name } : {}),
    },
  };
  const client = failFastUnlessReady(connectEagerly(new Cluster(nodes.map((n) => ({ ...n })), options)));
  // Auto-pipelining groups a command by the node of its first argument. A script defined without
  // a fixed number of keys takes the key count first, so it would be grouped by the slot of "3"
  // and fail its whole pipeline: such scripts are sent on their own.
  const define = client.defineCommand.bind(client);
  client.defineCommand = (name, definition) => {
    if (definition.numberOfKeys === undefined) client.options.autoPipeliningIgnoredCommands!.push(name);
    define(name, definition);
  };
  client.on('error', (err: Error) => opts.onError?.(err));
  reportFailovers(client, opts.onError);
  return client;
}

/**
 * A master that dies does not end the cluster client's connection, so by itself the client would
 * never report it, nor say 'ready' again. A node's error goes to `onError` (with its address), and
 * once the slot map no longer has a failed node serving slots (its replica took over), the client
 * emits 'ready' again: its owner logs "unavailable" and "reachable again" as with one Redis.
 */
function reportFailovers(client: Cluster, onError: ((err: Error) => void) | undefined): void {
  const failed = new Set<string>();
  client.on('node error', (err: Error, key: string) => {
    failed.add(key);
    onError?.(new Error(`redis node ${key}: ${err.message}`));
  });
  client.on('refresh', () => {
    if (failed.size === 0) return;
    const serving = new Set(client.slots.map((nodes) => nodes?.[0]));
    for (const key of failed) if (!serving.has(key)) failed.delete(key);
    if (failed.size === 0 && client.status === 'ready') client.emit('ready');
  });
}

/**
 * Refuse a command at once while the cluster client is not ready (connecting, or every node lost),
 * as `enableOfflineQueue: false` would, without refusing commands to a node whose connection is
 * still opening: those wait in that node's queue, under the command timeout. (ioredis's own
 * switch does both: with it off, a command to a node still connecting fails, e.g. BullMQ's first
 * INFO, which leaves its queue unusable; with it on, commands wait forever for a lost cluster.)
 */
export function failFastUnlessReady(client: Cluster): Cluster {
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command: Command, stream?: unknown, node?: unknown) => {
    // CLUSTER commands are how the client connects (slots, ready check).
    if (client.status !== 'ready' && command.name !== 'cluster') {
      command.reject(new Error(`redis cluster not reachable (${client.status})`));
      return command.promise;
    }
    return send(command, stream as never, node);
  };
  return client;
}

/**
 * Connect to every node as soon as the cluster client learns of it. Without an offline queue a
 * command to a node whose connection is still opening fails, and ioredis opens a node's connection
 * only at its first command: the commands right behind it, and those that follow a failover to a
 * replica nobody had talked to, would fail for nothing.
 */
export function connectEagerly(client: Cluster): Cluster {
  const open = (node: Redis) => {
    if (node.status === 'wait') node.connect().catch(() => undefined);
  };
  client.on('+node', open);
  for (const node of client.nodes('all')) open(node);
  return client;
}

export function createRedisClient(url: string, opts: RedisClientOptions = {}): Redis {
  const commandTimeout = opts.commandTimeoutMs ?? 1000;
  const client = new Redis(url, {
    lazyConnect: false,
    // Fail fast while disconnected instead of queueing commands until Redis is back.
    enableOfflineQueue: false,
    commandTimeout,
    maxRetriesPerRequest: 1,
    // A command cut off by a dropped connection has already failed for its caller (timeout):
    // resending it after reconnecting would count a reservation nobody holds.
    autoResendUnfulfilledCommands: false,
    connectTimeout: Math.max(2000, commandTimeout * 2),
    retryStrategy: reconnectDelay,
    // Commands issued in one event-loop turn (caps, lead records, idempotency, from every request
    // in flight) go out in one write and come back in one read. Safe here: nothing on this client
    // blocks or uses MULTI across turns (BullMQ has its own connections, without it).
    enableAutoPipelining: true,
    ...(opts.name ? { connectionName: opts.name } : {}),
  });
  // Without a listener an 'error' event would crash the process.
  client.on('error', (err: Error) => opts.onError?.(err));
  return client;
}

/**
 * Whether commands can be sent now. A cluster client is 'ready' once it knows the slots, but
 * without an offline queue a command to a master whose connection is still opening fails: ready
 * means every master's connection is open too.
 */
export function isReady(client: RedisClient): boolean {
  if (client.status !== 'ready') return false;
  return !(client instanceof Cluster) || client.nodes('master').every((node) => node.status === 'ready');
}

/** Resolve once `client` answers PING; reject with UNAVAILABLE after `timeoutMs`. */
export async function waitForRedis(client: RedisClient, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    if (client.status === 'end') throw new LeadrouteError('UNAVAILABLE', 'redis client is closed');
    if (isReady(client)) {
      try {
        await client.ping();
        return;
      } catch (err) {
        last = err;
      }
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      const why = last instanceof Error ? `: ${last.message}` : ` (status ${client.status})`;
      throw new LeadrouteError('UNAVAILABLE', `redis not reachable within ${timeoutMs} ms${why}`, undefined, { cause: last });
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.min(left, 100));
      function done() {
        clearTimeout(timer);
        client.off('ready', done);
        resolve();
      }
      client.once('ready', done);
    });
  }
}

/**
 * Send what `client` writes during one event-loop turn in one socket write (the socket is corked
 * at the first write and uncorked on setImmediate): for a connection that cannot auto-pipeline,
 * like BullMQ's worker connection, whose every job completion is its own command. Commands keep
 * their order and their replies are read as before; a write only waits for the end of the turn.
 */
export function coalesceWrites<C extends RedisClient>(client: C): C {
  // A cluster client: each node connection, as the cluster opens it.
  if (client instanceof Cluster) {
    client.on('+node', (node: Redis) => coalesceWrites(node));
    return client;
  }
  const patched = new WeakSet<Socket>();
  const patch = () => {
    const stream = (client as unknown as { stream?: Socket }).stream;
    if (!stream || patched.has(stream) || typeof stream.cork !== 'function') return;
    patched.add(stream);
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with apply(this)
    const write = stream.write;
    let corked = false;
    const flush = () => {
      corked = false;
      stream.uncork();
    };
    stream.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
      if (!corked && !stream.destroyed) {
        corked = true;
        stream.cork();
        setImmediate(flush);
      }
      return write.apply(this, args);
    } as Socket['write'];
  };
  client.on('connect', patch);
  return client;
}
