// Reloads read, parse and check the profiles in a worker thread (load-thread-entry.ts), so that
// a reload blocks requests only while the result is parsed from JSON, frozen and compiled
// (for 1,000 profiles ~150 ms instead of ~600 ms). The thread is started by a reload and ends
// when reloads stop (its heap is ~120 MB after 1,000 profiles); starting it adds ~0.4 s to the
// first reload of a burst. Anything the thread cannot do (it died, the config held a value JSON
// would change) is done on the calling thread instead, with loadConfig: the result is the same
// either way, only where the time is spent differs.

import type { Worker } from 'node:worker_threads';
import { startTsWorker } from '../threads.ts';
import { deepFreeze } from './freeze.ts';
import { loadConfig } from './load.ts';
import type { FromLoader, ToLoader } from './load-thread-entry.ts';
import { loadResultFromJson } from './load-wire.ts';
import type { LoadResult } from './types.ts';

export interface ConfigLoaderThread {
  load(dir: string): Promise<LoadResult>;
  /** Whether the thread is up now (it is between a load and `idleMs` after the last one). */
  running(): boolean;
  /** Ends the thread; loads after this run on the calling thread. */
  close(): Promise<void>;
}

export interface ConfigLoaderThreadOptions {
  /**
   * The thread ends after this long without a load (default 30 s), and starts again with the next
   * one: reloads come in bursts (a deploy writes many files), and between them the thread's heap
   * (~120 MB after loading 1,000 profiles) is given back.
   */
  idleMs?: number;
  /** Told when a load falls back to the calling thread, and why. */
  onFallback?(reason: string): void;
}

export function startConfigLoaderThread(opts: ConfigLoaderThreadOptions = {}): ConfigLoaderThread {
  let worker: Worker | null = null;
  let closed = false;
  let nextId = 0;
  const pending = new Map<number, (reply: FromLoader) => void>();

  // Started by a load when there is none (first use, idle, died); idle, it does not keep the process alive.
  function thread(): Worker {
    if (worker) return worker;
    const w = startTsWorker(new URL('./load-thread-entry.ts', import.meta.url), {}, { stdout: false, stderr: false });
    w.unref();
    w.on('message', (reply: FromLoader) => {
      pending.get(reply.id)?.(reply);
      pending.delete(reply.id);
    });
    const failAll = (why: string) => {
      if (worker === w) worker = null;
      for (const [id, settle] of pending) settle({ id, error: why });
      pending.clear();
    };
    w.on('error', (err) => failAll(`the loader thread failed: ${err.message}`));
    w.on('exit', (code) => failAll(`the loader thread exited (${code})`));
    worker = w;
    return w;
  }

  const idleMs = opts.idleMs ?? 30_000;
  let idleTimer: NodeJS.Timeout | null = null;
  const endWhenIdle = () => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      idleTimer = null;
      if (pending.size > 0 || !worker) return;
      const w = worker;
      worker = null;
      void w.terminate();
    }, idleMs);
    idleTimer.unref();
  };

  const fallback = (dir: string, reason: string) => {
    opts.onFallback?.(reason);
    return loadConfig(dir);
  };

  return {
    async load(dir) {
      if (closed) return loadConfig(dir);
      const id = ++nextId;
      const w = thread();
      const reply = await new Promise<FromLoader>((resolve) => {
        pending.set(id, resolve);
        w.ref(); // a load in flight keeps the process alive, like any other pending work
        w.postMessage({ id, dir } satisfies ToLoader);
      });
      if (pending.size === 0) {
        worker?.unref();
        endWhenIdle();
      }
      if ('error' in reply) return fallback(dir, reply.error);
      const result = loadResultFromJson(reply.json);
      if (result.ok) deepFreeze(result.config);
      return result;
    },

    running: () => worker !== null,

    async close() {
      closed = true;
      if (idleTimer) clearTimeout(idleTimer);
      const w = worker;
      worker = null;
      await w?.terminate();
    },
  };
}
