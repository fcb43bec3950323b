// Wiring: the environment picks the parts (embedded memory stores, or Redis + BullMQ), and the
// runtime starts and stops them in order. main.ts runs it; tests and the bench start a full
// router in-process through the same function.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createMemoryCapStore } from './caps/memory.ts';
import { createRedisCapStore } from './caps/redis.ts';
import type { CapStore } from './caps/types.ts';
import { TRUSTED_STAMP_AGE_MS } from './config/file-stamp.ts';
import { createThreadedConfigLoader, type ThreadedConfigLoader } from './config/load-thread.ts';
import type { Problem } from './config/types.ts';
import { createConfigReloader, type ConfigReloader, type ReloadOutcome } from './config/watch.ts';
import { fieldKeyMissing } from './delivery/sealed.ts';
import { deadLetterAdminOn } from './delivery/dead-letters.ts';
import { startDeliveryThread, type DeliveryThread } from './delivery/thread.ts';
import { createDeliverySide } from './delivery/wiring.ts';
import { readRouterEnv, type RouterEnv } from './env.ts';
import { createApp } from './http/app.ts';
import { consoleSources } from './console/deps.ts';
import { createMemoryBidStore, createRedisBidStore } from './auction/bid-store.ts';
import { createAuctionMetrics } from './auction/metrics.ts';
import { createPingClient } from './auction/ping-client.ts';
import { createAuctionRunner } from './auction/run-auction.ts';
import { createMemoryIdempotencyStore, createRedisIdempotencyStore, type IdempotencyStore } from './leads/idempotency.ts';
import { createMemoryLeadStore } from './leads/memory-store.ts';
import { createMemoryDuplicateStore, createRedisDuplicateStore, type DuplicateStore } from './dedupe/duplicate-store.ts';
import { createRedisLeadStore } from './leads/redis-store.ts';
import type { LeadStore } from './leads/store.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import { createMetrics, type RouterMetrics } from './observability/metrics.ts';
import { createIdFactory } from './ids.ts';
import { createRedisFromEnv, redisTargetOf, waitForRedis, type RedisClient } from './redis.ts';
import { replicaWaitMsFor } from './redis-replica.ts';
import { createReconciler, createRedisTickLock, type Reconciler } from './reconcile/reconciler.ts';
import { compileSnapshot, compileSnapshotInSlices, type Snapshot } from './routing/snapshot.ts';

/** How long a starting router waits for Redis before it listens anyway. */
const STARTUP_REDIS_WAIT_MS = 5_000;

/** The profiles could not be loaded at startup: the router must not start. */
export class StartupError extends Error {
  override name = 'StartupError';
  constructor(message: string, readonly problems: readonly Problem[] = []) {
    super(message);
  }
}

export interface RouterRuntime {
  env: RouterEnv;
  app: ReturnType<typeof createApp>;
  logger: Logger;
  metrics: RouterMetrics;
  /** Load the profiles (StartupError when invalid), start the watcher, the worker, and listen. */
  start(): Promise<{ port: number; url: string }>;
  /** Graceful: stop accepting, finish requests in flight, then close the worker, queue and Redis. */
  stop(): Promise<void>;
  /** SIGHUP. */
  reload(): Promise<ReloadOutcome<Snapshot>>;
  snapshot(): Snapshot | undefined;
}

export interface RuntimeOptions {
  logger?: Logger;
  /** Grace period for requests in flight on stop (default 10 s). */
  shutdownGraceMs?: number;
  /** Hot reload debounce (default 100 ms). */
  debounceMs?: number;
  /**
   * With Redis: deliver from a worker thread (default true), so that intake and delivery each get
   * a core (router/delivery/thread.ts). False runs the worker on the main thread.
   */
  deliveryThread?: boolean;
}

export function createRouterRuntime(vars: NodeJS.ProcessEnv, opts: RuntimeOptions = {}): RouterRuntime {
  const env = readRouterEnv(vars);
  const logger = opts.logger ?? createLogger({ level: env.logLevel });
  const metrics = createMetrics({ defaultMetrics: true });
  const newId = createIdFactory();
  const prefix = env.redisPrefix;

  let redis: RedisClient | undefined;
  let caps: CapStore;
  let leads: LeadStore;
  let idempotency: IdempotencyStore;
  let duplicates: DuplicateStore;
  let reconciler: Reconciler | undefined;

  let reloader: ConfigReloader<Snapshot> | undefined;
  let loader: ThreadedConfigLoader | undefined;
  const current = () => reloader?.current();

  if (redisTargetOf(env)) {
    let down = false;
    redis = createRedisFromEnv(env, {
      name: 'leadroute-router',
      onError: (err) => {
        if (!down) logger.error({ err: err.message }, 'redis unavailable: leads are refused with 503 until it is back');
        down = true;
      },
    })!;
    redis.on('ready', () => {
      if (down) logger.info('redis reachable again');
      down = false;
    });
    caps = createRedisCapStore(redis, { prefix });
    leads = createRedisLeadStore(redis, {
      prefix, retentionMs: env.leadRetentionDays * 86_400_000,
      // The same wait as the delivery queue's enqueue (its connection has this command timeout too).
      replicaWaitMs: replicaWaitMsFor(env.redisCommandTimeoutMs),
    });
    idempotency = createRedisIdempotencyStore(redis, { prefix });
    duplicates = createRedisDuplicateStore(redis, { prefix });
    // Settles leads and cap reservations a lost reply or a dead router left half done. Embedded
    // mode needs none: nothing there outlives its process or loses a reply.
    reconciler = createReconciler({
      leads, caps, logger, partners: () => current()?.config.partners.keys() ?? [],
      lock: createRedisTickLock(redis, `${prefix}reconcile:lock`),
    });
  } else {
    caps = createMemoryCapStore();
    leads = createMemoryLeadStore({ retentionMs: env.leadRetentionDays * 86_400_000 });
    idempotency = createMemoryIdempotencyStore();
    duplicates = createMemoryDuplicateStore();
  }

  // With Redis the worker runs in the delivery thread (started with the profiles, in start()),
  // which builds its own delivery side the same way (delivery/wiring.ts).
  const threaded = Boolean(redis) && opts.deliveryThread !== false;
  let thread: DeliveryThread | undefined;
  const delivery = createDeliverySide({
    role: threaded ? 'intake' : 'all', env, vars, current, caps, leads, logger, registry: metrics.registry, newId,
  });
  const { queue } = delivery;
  let stopping = false;
  // ping-post: pings go out from the intake (the auction is part of answering the source).
  const pingClient = createPingClient({ env: vars });
  const auctionMetrics = createAuctionMetrics(metrics.registry);
  const auction = {
    runner: createAuctionRunner({ client: pingClient, metrics: auctionMetrics }),
    bids: redis ? createRedisBidStore(redis, { prefix }) : createMemoryBidStore(),
    metrics: auctionMetrics,
    pingTtlMs: env.pingTtlMs,
  };

  const app = createApp({
    getSnapshot: current,
    reloadStatus: () => reloader?.status() ?? { at: null, successful: false, error: null },
    profilesDir: env.profilesDir,
    caps, leads, queue, duplicates,
    deadLetters: deadLetterAdminOn({ queue, leads, caps, getSnapshot: current, capPrefix: prefix, newId }),
    idempotency, logger, metrics,
    apiKeys: env.apiKeys,
    adminKey: env.adminKey,
    metricsKey: env.metricsKey,
    bodyLimit: env.bodyLimit,
    now: () => new Date(),
    newId,
    capPrefix: prefix,
    console: consoleSources({ leads, queue, redis }),
    auction,
    async readiness() {
      const reasons: string[] = [];
      if (stopping) reasons.push('shutting down');
      if (redis) {
        try {
          await redis.ping();
        } catch (err) {
          reasons.push(`redis not answering: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      if (thread && !thread.running()) reasons.push('the delivery thread is restarting');
      return reasons;
    },
    ...(threaded ? { extraMetrics: () => thread?.metrics() ?? Promise.resolve('') } : {}),
  });

  let server: Server | undefined;
  let started = false;

  /** Duplicate checks on Redis without DEDUPE_KEY: why the config cannot be served, else null. */
  function dedupeKeyMissing(snapshot: Snapshot): string | null {
    if (!redis || !snapshot.usesDedupe || vars.DEDUPE_KEY?.trim()) return null;
    return 'DEDUPE_KEY is not set: the profiles use duplicate checks (dedupe, duplicates), which on Redis need one key shared by every router';
  }

  async function start() {
    if (started) throw new Error('the router runtime was started already');
    started = true;
    // A config is not served on Redis without the keys it needs: FIELD_ENCRYPTION_KEY to seal its
    // encrypted fields, DEDUPE_KEY so that every router hashes consumers alike (a reload that
    // needs a missing key is refused like an invalid one).
    const checked = (snapshot: Snapshot) => {
      const missing = fieldKeyMissing(snapshot, env) ?? dedupeKeyMissing(snapshot);
      if (missing) throw new StartupError(missing);
      return snapshot;
    };
    const compile = async (config: Parameters<typeof compileSnapshot>[0]) =>
      checked(await compileSnapshotInSlices(config, { env: vars, previous: reloader?.current() }));
    // Files are loaded in a thread of their own, and reloads reuse the work of unchanged files and
    // the compiled profiles they did not touch: a reload takes the request thread little time.
    const configLoader = (loader = createThreadedConfigLoader({ onThreadError: (why) => logger.warn({ why }, 'config loader thread failed') }));
    const loaded = await configLoader.load(env.profilesDir);
    if (!loaded.ok) {
      throw new StartupError(`the profiles in ${env.profilesDir} are invalid`, loaded.problems);
    }
    for (const p of loaded.problems) logger.warn({ problem: p }, `${p.file}:${p.line}:${p.col} ${p.code} ${p.message}`);
    const initial = checked(compileSnapshot(loaded.config, { env: vars }));
    if (initial.missingEnv.length) {
      logger.warn({ missing: initial.missingEnv }, 'deliveries reference environment variables that are not set');
    }
    metrics.recordReload(true, initial.hash, initial.loadedAt);

    reloader = createConfigReloader<Snapshot>({
      dir: env.profilesDir,
      load: (dir, changed) => configLoader.load(dir, { changed: changed?.files, listChanged: changed?.listChanged }),
      compile,
      initial,
      // The loader thread watches too: file events and the debounce cost the request thread nothing.
      watch: configLoader.watch,
      debounceMs: opts.debounceMs,
      settleMs: TRUSTED_STAMP_AGE_MS + 500,
      logger,
      onSwap: (next) => {
        metrics.recordReload(true, next.hash, next.loadedAt);
        thread?.reload(next.hash);
      },
      onError: () => metrics.recordReload(false),
    });
    await reloader.start();
    reconciler?.start();

    if (threaded) {
      thread = startDeliveryThread({ vars, logger, configPort: () => loader?.connect() ?? null });
    } else {
      delivery.start();
    }

    if (env.apiKeys.length === 0) {
      logger.warn('LEAD_API_KEYS is not set: no authentication, only loopback clients are accepted');
    }
    // Give Redis a moment to connect before taking leads, so a fresh router does not answer its
    // first leads with 503. A Redis that stays down does not stop the start: leads get 503 and
    // /readyz says why until it answers.
    if (redis) {
      await waitForRedis(redis, STARTUP_REDIS_WAIT_MS).catch((err: unknown) =>
        logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'redis not answering at startup: leads get 503 until it does'));
    }

    const listening = await new Promise<AddressInfo>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, port: env.port, hostname: env.host }, (info) => resolve(info));
      server = s as Server;
      server.once('error', reject);
    });
    const host = listening.family === 'IPv6' ? `[${listening.address}]` : listening.address;
    const url = `http://${host === '[::]' || host === '0.0.0.0' ? '127.0.0.1' : host}:${listening.port}`;
    logger.info({ port: listening.port, address: listening.address, profilesDir: env.profilesDir, redis: Boolean(redis), version: initial.hash }, 'listening');
    return { port: listening.port, url };
  }

  async function closeServer(graceMs: number) {
    const s = server;
    if (!s || !s.listening) return;
    await new Promise<void>((resolve) => {
      // close() stops accepting and resolves once every connection has ended; idle keep-alive
      // connections are closed as they go idle, and whatever is left after the grace period is cut.
      const sweep = setInterval(() => s.closeIdleConnections(), 100);
      const cut = setTimeout(() => s.closeAllConnections(), graceMs);
      s.close(() => {
        clearInterval(sweep);
        clearTimeout(cut);
        resolve();
      });
      s.closeIdleConnections();
    });
  }

  let stopped: Promise<void> | undefined;
  function stop() {
    stopped ??= (async () => {
      stopping = true;
      await closeServer(opts.shutdownGraceMs ?? 10_000);
      await reloader?.close();
      await reconciler?.stop();
      await thread?.close().catch((err) => logger.warn({ err }, 'closing the delivery thread failed'));
      // After the delivery thread, which takes its profiles from the loader thread.
      await loader?.close();
      await delivery.close();
      await pingClient.close().catch(() => undefined);
      await Promise.allSettled([caps.close(), leads.close(), idempotency.close(), auction.bids.close()]);
      if (redis) await redis.quit().catch(() => redis.disconnect());
      logger.info('stopped');
    })();
    return stopped;
  }

  return {
    env, app, logger, metrics,
    start,
    stop,
    reload: () => {
      if (!reloader) return Promise.resolve({ ok: false as const, problems: [] });
      return reloader.reload();
    },
    snapshot: current,
  };
}
