// The one way the router connects to Redis. Configured for "when Redis fails": a command
// either answers or fails fast (no offline queue, a command timeout), so a lead is refused with
// 503 rather than accepted and left uncounted; the client reconnects forever on its own.
import type { Socket } from 'node:net';
import { Redis } from 'ioredis';
import { LeadrouteError } from './errors.ts';

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
    // Reconnect forever: 50 ms, 100 ms, … capped at 1 s.
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times - 1, 10), MAX_RECONNECT_DELAY_MS),
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

/** Resolve once `client` answers PING; reject with UNAVAILABLE after `timeoutMs`. */
export async function waitForRedis(client: Redis, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    if (client.status === 'end') throw new LeadrouteError('UNAVAILABLE', 'redis client is closed');
    if (client.status === 'ready') {
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
export function coalesceWrites<C extends Redis>(client: C): C {
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
