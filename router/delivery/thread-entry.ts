// The delivery thread (started by thread.ts when the router runs on Redis): the BullMQ worker,
// the channels and the delivery handler run here, on their own event loop and CPU core, while the
// main thread takes leads. Everything it shares with the main thread is in Redis (lead records,
// caps, the queue) or on disk (the profiles), so the only messages are:
//   main -> thread: reload (the main thread swapped its config), metrics (a scrape), stop
//   thread -> main: log (a JSON log line for the main logger's destination), metrics (text), stopped
// It takes the profiles from the router's config loader thread through a port, the values that
// changed only, as the main thread does (load-port.ts), or loads them itself when it has no port
// or the loader thread is gone. It starts the worker only once it has a config, so that no job is
// ever judged against an empty one.

import { parentPort, workerData } from 'node:worker_threads';
import { Registry } from 'prom-client';
import { monotonicFactory } from 'ulid';
import { createRedisCapStore } from '../caps/redis.ts';
import { createConfigLoader } from '../config/load.ts';
import { createPortConfigLoader } from '../config/load-port.ts';
import { createConfigReloader, type ConfigReloader } from '../config/watch.ts';
import { readRouterEnv } from '../env.ts';
import { createRedisLeadStore } from '../leads/redis-store.ts';
import { createLogger } from '../observability/logger.ts';
import { createRedisFromEnv } from '../redis.ts';
import { compileSnapshot, type Snapshot } from '../routing/snapshot.ts';
import { pooledRandom } from '../ids.ts';
import { fieldKeyMissing } from './sealed.ts';
import type { ThreadInit, ToMain, ToThread } from './thread.ts';
import { createDeliverySide } from './wiring.ts';

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

let down = false;
const redis = createRedisFromEnv(env, {
  name: 'leadroute-delivery',
  onError: (err) => {
    if (!down) logger.warn({ err: err.message }, 'delivery thread: redis unavailable');
    down = true;
  },
})!; // the thread runs only with Redis
redis.on('ready', () => {
  down = false;
});
const caps = createRedisCapStore(redis, { prefix });
const leads = createRedisLeadStore(redis, { prefix, retentionMs: env.leadRetentionDays * 86_400_000 });
const newId = monotonicFactory(pooledRandom());

const loader = init.configPort
  ? createPortConfigLoader(init.configPort, { onFallback: (why) => logger.warn({ why }, 'delivery thread: loading the profiles itself') })
  : createConfigLoader();
const reloader: ConfigReloader<Snapshot> = createConfigReloader<Snapshot>({
  dir: env.profilesDir,
  load: (dir) => loader.load(dir),
  // The main thread refuses such a config; a thread that read a newer tree refuses it too.
  compile: (config): Snapshot => {
    const snapshot = compileSnapshot(config, { env: vars, previous: reloader.current() });
    const missing = fieldKeyMissing(snapshot, env);
    if (missing) throw new Error(missing);
    return snapshot;
  },
  // The main thread logs reloads; this one only says when it could not follow.
  logger: { info() {}, warn: (o, m) => logger.warn(o, m), error: (o) => logger.error(o, 'delivery thread: could not reload the profiles; delivering with the last good ones') },
});
const current = () => reloader.current();

const registry = new Registry();
const delivery = createDeliverySide({
  role: 'delivery', env, vars, current, caps, leads, logger, registry, newId,
  ...(init.concurrency ? { concurrency: init.concurrency } : {}),
});

let started = false;
/** Start the worker once a config is loaded (a job must never meet an empty one). */
async function load(): Promise<void> {
  const outcome = await reloader.reload();
  if (!outcome.ok || started || stopping) return;
  started = true;
  delivery.start();
}

let stopping = false;
async function stop(): Promise<void> {
  stopping = true;
  await reloader.close();
  // The worker finishes the deliveries in flight first.
  await delivery.close();
  await leads.close().catch(() => undefined); // writes the attempt counts still buffered
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
