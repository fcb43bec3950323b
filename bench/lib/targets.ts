// The HTTP targets, each started in its own process: the bare Hono baseline, the naive durable
// pipeline, and the router itself (`router/main.ts`, embedded or with Redis).
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { firstMessage, freePort, spawnTs, waitForHttp } from './child.ts';
import type { Child } from './child.ts';
import { deletePrefix } from './redis-keys.ts';

export interface RunningTarget {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  child: Child;
  /** From spawning the process to its first answer (the router loads its profiles first). */
  startMs: number;
  /** Stop the process, then delete its Redis keys. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Extra node flags for the target process (`--cpu-prof` …). */
  nodeArgs?: string[];
}

export async function startBareHono(opts: StartOptions = {}): Promise<RunningTarget> {
  const t0 = performance.now();
  const child = spawnTs('bench/targets/bare-hono.ts', [], { ipc: true, nodeArgs: opts.nodeArgs });
  const { port } = await firstMessage<{ port: number }>(child);
  return { url: `http://127.0.0.1:${port}`, child, startMs: performance.now() - t0, stop: () => child.stop() };
}

export async function startNaivePipeline(redisUrl: string, prefix: string, sinkUrl: string, opts: StartOptions = {}): Promise<RunningTarget> {
  const t0 = performance.now();
  const child = spawnTs('bench/targets/naive-pipeline.ts', [], {
    ipc: true,
    nodeArgs: opts.nodeArgs,
    env: { REDIS_URL: redisUrl, BENCH_PREFIX: prefix, SINK_URL: sinkUrl },
  });
  const { port } = await firstMessage<{ port: number }>(child);
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    startMs: performance.now() - t0,
    async stop() {
      await child.stop();
      await deletePrefix(redisUrl, prefix);
    },
  };
}

export interface RouterTargetOptions extends StartOptions {
  /** For log file names (BENCH_LOGS). */
  name: string;
  profilesDir: string;
  /** Unset: embedded mode (in-memory caps and queue). */
  redisUrl?: string;
  redisPrefix?: string;
  scratchDir: string;
}

/** Node flags of `npm start` (package.json): the bench measures the router as it ships. */
const ROUTER_NODE_ARGS = ['--max-semi-space-size=32'];

/** The router as it ships: `tsx router/main.ts`, configured by environment only. */
export async function startRouter(opts: RouterTargetOptions): Promise<RunningTarget> {
  const t0 = performance.now();
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['REDIS_URL', 'REDIS_PREFIX', 'LEAD_API_KEYS', 'ADMIN_API_KEY', 'SMTP_URL', 'FIELD_ENCRYPTION_KEY', 'FIELD_ENCRYPTION_KEY_PREVIOUS']) delete env[k];
  Object.assign(env, {
    PORT: String(port),
    HOST: '127.0.0.1',
    PROFILES_DIR: opts.profilesDir,
    OUTBOX_DIR: path.join(opts.scratchDir, 'outbox'),
    // The router's own default (info); BENCH_LOG_LEVEL to compare.
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    NODE_ENV: 'production',
    // With Redis, encrypted fields are sealed as in production (the tree has some: a key is required).
    ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl, REDIS_PREFIX: opts.redisPrefix, FIELD_ENCRYPTION_KEY: randomBytes(32).toString('base64') } : {}),
  });
  const child = spawnTs('router/main.ts', [], { env, nodeArgs: [...ROUTER_NODE_ARGS, ...(opts.nodeArgs ?? [])], replaceEnv: true, name: opts.name });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/readyz`, child);
  } catch (err) {
    await child.stop();
    throw err;
  }
  return {
    url,
    child,
    startMs: performance.now() - t0,
    async stop() {
      await child.stop(10_000);
      if (opts.redisUrl && opts.redisPrefix) await deletePrefix(opts.redisUrl, opts.redisPrefix);
    },
  };
}

interface SinkCount {
  count: number;
  /** Distinct `webhook-id`s among the deliveries that had one. */
  distinct: number;
  withoutId: number;
}

export interface Sink {
  /** Where partners' webhooks post. */
  url: string;
  pid: number | undefined;
  /** Deliveries received so far, and distinct webhook-ids among them. */
  count(): Promise<SinkCount>;
  stop(): Promise<void>;
}

export async function startSink(): Promise<Sink> {
  const child = spawnTs('bench/lib/sink.ts', [], { ipc: true });
  const { port } = await firstMessage<{ port: number }>(child);
  const base = `http://127.0.0.1:${port}`;
  return {
    url: `${base}/leads`,
    pid: child.proc.pid,
    async count() {
      const res = await fetch(`${base}/count`);
      return (await res.json()) as SinkCount;
    },
    stop: () => child.stop(),
  };
}
