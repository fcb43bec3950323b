// A ConfigLoader whose work runs in a worker thread (load-thread-entry.ts), for the router's
// reloads: the cached loader there reads, parses and checks the files; this side only takes in
// the document values that changed and builds the Config. Taken in in slices (v8.deserialize
// and freeze, value by value), a rewrite of every file costs the request thread a fraction of a
// full load, and no long stretch.
//
// A value crosses once: afterwards the thread names it by number, and this side keeps it, so an
// unchanged profile is the same object from load to load (what lets the compile reuse its work).
// The Config has no `docs` or `routingTests`: the router does not use them (the authoring tools
// load with loadConfig). If the thread fails, it is started again with the next load; if it cannot
// start, loads run on this thread (createConfigLoader): the result is the same either way.

import { deserialize } from 'node:v8';
import type { Worker } from 'node:worker_threads';
import { startTsWorker } from '../threads.ts';
import { deepFreeze } from './freeze.ts';
import { createConfigLoader, type ConfigLoader, type ConfigLoaderOptions, type LoadOptions } from './load.ts';
import type { FromLoader, ToLoader } from './load-thread-entry.ts';
import type { Config, Entity, LoadResult, Partner, Profile } from './types.ts';

/** Longest stretch of taking in values between two yields to the event loop. */
const SLICE_MS = 8;

export interface ThreadedConfigLoader extends ConfigLoader {
  /** The loader thread while one runs (null before the first load, after close, or when loading in process). */
  worker(): Worker | null;
  /** Ends the thread; loads after this run on the calling thread. */
  close(): Promise<void>;
}

export interface ThreadedLoaderOptions extends ConfigLoaderOptions {
  /** Told when the thread failed, and why. */
  onThreadError?: (reason: string) => void;
}

export function createThreadedConfigLoader(opts: ThreadedLoaderOptions = {}): ThreadedConfigLoader {
  const { onThreadError, ...loaderOptions } = opts;
  let worker: Worker | null = null;
  let inProcess: ConfigLoader | null = null;
  let closed = false;
  let nextId = 0;
  const pending = new Map<number, (reply: FromLoader) => void>();
  /** The values of the thread's last valid result, by number. */
  let values = new Map<number, unknown>();

  function thread(): Worker {
    if (worker) return worker;
    const w = startTsWorker(new URL('./load-thread-entry.ts', import.meta.url), { options: loaderOptions }, { stdout: false, stderr: false });
    w.on('message', (reply: FromLoader) => {
      pending.get(reply.id)?.(reply);
      pending.delete(reply.id);
      if (pending.size === 0) w.unref();
    });
    const failed = (why: string) => {
      if (worker !== w) return;
      worker = null;
      onThreadError?.(why);
      for (const [id, settle] of pending) settle({ id, error: why });
      pending.clear();
    };
    w.on('error', (err) => failed(`the loader thread failed: ${err.message}`));
    w.on('exit', (code) => failed(`the loader thread exited (${code})`));
    // Idle, the thread does not keep the process alive (a load in flight does, like any pending work).
    w.unref();
    // A new thread numbers its values from scratch.
    values = new Map();
    worker = w;
    return w;
  }

  async function viaThread(dir: string, request: Omit<ToLoader, 'id' | 'dir'>): Promise<LoadResult> {
    const id = ++nextId;
    const reply = await new Promise<FromLoader>((resolve) => {
      pending.set(id, resolve);
      const w = thread();
      w.ref();
      w.postMessage({ id, dir, ...request } satisfies ToLoader);
    });
    if ('error' in reply) throw new Error(reply.error);
    if (!reply.ok) return { ok: false, problems: reply.problems };

    let sliceStart = performance.now();
    for (const [n, bytes] of reply.values) {
      values.set(n, deepFreeze(deserialize(bytes)));
      if (performance.now() - sliceStart >= SLICE_MS) {
        await new Promise((r) => setImmediate(r));
        sliceStart = performance.now();
      }
    }
    const entities = new Map<string, Entity>();
    const partners = new Map<string, Partner>();
    const profiles: Profile[] = [];
    const kept = new Map<number, unknown>();
    for (const [kind, n] of reply.docs) {
      const value = values.get(n);
      if (value === undefined) throw new Error(`the loader thread named a value it never sent (${n})`);
      kept.set(n, value);
      if (kind === 'Entity') entities.set((value as Entity).id, value as Entity);
      else if (kind === 'Partner') partners.set((value as Partner).id, value as Partner);
      else profiles.push(value as Profile);
    }
    values = kept;
    const config: Config = deepFreeze({ entities, partners, profiles, routingTests: [], docs: [], hash: reply.hash, dir: reply.dir });
    return { ok: true, config, problems: reply.problems };
  }

  async function load(dir: string, loadOpts: LoadOptions): Promise<LoadResult> {
    if (closed || inProcess) return (inProcess ??= createConfigLoader(loaderOptions)).load(dir, loadOpts);
    const request = { cwd: loadOpts.cwd ?? process.cwd(), changed: loadOpts.changed && [...loadOpts.changed], listChanged: loadOpts.listChanged };
    try {
      return await viaThread(dir, request);
    } catch (err) {
      // Once more with a new thread (and no hints: it knows nothing yet); then on this thread for good.
      onThreadError?.((err as Error).message);
      await close();
      try {
        return await viaThread(dir, { cwd: request.cwd });
      } catch (again) {
        onThreadError?.(`${(again as Error).message}; loading on the main thread from now on`);
        await close();
        inProcess = createConfigLoader(loaderOptions);
        return inProcess.load(dir, { cwd: request.cwd });
      }
    }
  }

  // One load at a time: each takes in values the previous one left.
  let last: Promise<unknown> = Promise.resolve();
  return {
    load(dir, loadOpts = {}) {
      const next = last.then(() => load(dir, loadOpts));
      last = next.catch(() => undefined);
      return next;
    },
    worker: () => worker,
    close: async () => {
      closed = true;
      await close();
    },
  };

  async function close() {
    const w = worker;
    worker = null;
    await w?.terminate();
  }
}
