// The delivery thread (started by thread.ts when the router runs on Redis): the BullMQ worker,
// the channels and the delivery handler run here, on their own event loop and CPU core, while the
// main thread takes leads. Everything it shares with the main thread is in Redis (lead records,
// caps, the queue) or on disk (the profiles), so the only messages are:
//   main -> thread: reload (the main thread swapped its config), metrics (a scrape), stop
//   thread -> main: log (a JSON log line for the main logger's destination), metrics (text), stopped
// It loads the profiles itself (posting a compiled or parsed config across threads would block the
// main thread while it is copied), and starts the worker only once it has a config, so that no job
// is ever judged against an empty one.

import { parentPort, workerData } from 'node:worker_threads';
import { Registry } from 'prom-client';
import { monotonicFactory } from 'ulid';
import { createRedisCapStore } from '../caps/redis.ts';
import { loadConfig } from '../config/load.ts';
import { createConfigReloader } from '../config/watch.ts';
import { readRouterEnv } from '../env.ts';
import { createRedisLeadStore } from '../leads/redis-store.ts';
import { createLogger } from '../observability/logger.ts';
import { createRedisClient } from '../redis.ts';
import { nextRoute } from '../routing/route.ts';
import { compileSnapshot, type Snapshot } from '../routing/snapshot.ts';
import { pooledRandom } from '../ids.ts';
import { createDeliveryChannel } from './channels/index.ts';
import { createDeliveryMetrics } from './metrics.ts';
import { createBullmqDeliveryQueue } from './queue-bullmq.ts';
import { DEFAULT_ATTEMPTS } from './queue.ts';
import { queuePrefixFor, resolveDelivery } from './resolve.ts';
import type { ThreadInit, ToMain, ToThread } from './thread.ts';
import { createDeliveryHandler } from './worker.ts';

const port = parentPort!;
const init = workerData as ThreadInit;
const post = (m: ToMain) => port.postMessage(m);

const vars = init.vars;
const env = readRouterEnv(vars);
const logger = createLogger({
  level: init.logLevel,
  base: { service: 'leadroute', thread: 'delivery' },
  destination: { write: (line: string) => post({ type: 'log', line }) },
});
const prefix = env.redisPrefix;
const redisUrl = env.redisUrl!;

let down = false;
const redis = createRedisClient(redisUrl, {
  commandTimeoutMs: env.redisCommandTimeoutMs,
  name: 'leadroute-delivery',
  onError: (err) => {
    if (!down) logger.warn({ err: err.message }, 'delivery thread: redis unavailable');
    down = true;
  },
});
redis.on('ready', () => {
  down = false;
});
const caps = createRedisCapStore(redis, { prefix });
const leads = createRedisLeadStore(redis, { prefix, retentionMs: env.leadRetentionDays * 86_400_000 });
const newId = monotonicFactory(pooledRandom());

const reloader = createConfigReloader<Snapshot>({
  dir: env.profilesDir,
  load: (dir) => loadConfig(dir),
  compile: (config) => compileSnapshot(config, { env: vars }),
  // The main thread logs reloads; this one only says when it could not follow.
  logger: { info() {}, warn: (o, m) => logger.warn(o, m), error: (o) => logger.error(o, 'delivery thread: could not reload the profiles; delivering with the last good ones') },
});
const current = () => reloader.current();

const queue = createBullmqDeliveryQueue({
  attemptsFor: (job) => resolveDelivery(current(), job)?.attempts ?? DEFAULT_ATTEMPTS,
  redisUrl,
  prefix: queuePrefixFor(prefix),
  commandTimeoutMs: env.redisCommandTimeoutMs,
  ...(init.concurrency ? { concurrency: init.concurrency } : {}),
  logger,
});
const channel = createDeliveryChannel({ smtpUrl: env.smtpUrl, outboxDir: env.outboxDir, env: vars });
const registry = new Registry();
const metrics = createDeliveryMetrics(registry);

let started = false;
/** Start the worker once a config is loaded (a job must never meet an empty one). */
async function load(): Promise<void> {
  const outcome = await reloader.reload();
  if (!outcome.ok || started || stopping) return;
  started = true;
  queue.start(createDeliveryHandler({
    channel, leads, caps, queue, logger, metrics,
    resolveDelivery: (job) => resolveDelivery(current(), job),
    async waterfall(job) {
      const snap = current();
      if (!snap) return null;
      return nextRoute(snap, job, { caps, now: new Date(), capPrefix: prefix, newId });
    },
  }));
}

let stopping = false;
async function stop(): Promise<void> {
  stopping = true;
  await reloader.close();
  // The worker finishes the deliveries in flight first.
  await queue.close().catch((err) => logger.warn({ err }, 'delivery thread: closing the queue failed'));
  await channel.close().catch(() => undefined);
  await redis.quit().catch(() => redis.disconnect());
  post({ type: 'stopped' });
  port.close();
}

port.on('message', (m: ToThread) => {
  switch (m.type) {
    case 'reload':
      if (!stopping && current()?.hash !== m.hash) void load();
      break;
    case 'metrics':
      registry.metrics().then(
        (text) => post({ type: 'metrics', id: m.id, text }),
        () => post({ type: 'metrics', id: m.id, text: '' }),
      );
      break;
    case 'stop':
      if (!stopping) void stop();
      break;
  }
});

await load();
