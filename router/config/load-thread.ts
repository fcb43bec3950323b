// A ConfigLoader whose work runs in a worker thread (load-thread-entry.ts), for the router's
// reloads: the cached loader there reads, parses and checks the files; this side only takes in
// the document values that changed (take-in.ts) and builds the Config, so a rewrite of every file
// costs the request thread a fraction of a full load, and no long stretch.
// The Config has no `docs` or `routingTests`: the router does not use them (the authoring tools
// load with loadConfig). If the thread fails, it is started again with the next load; if it cannot
// start, loads run on this thread (createConfigLoader): the result is the same either way.
// connect() gives another thread (the delivery thread) a port to the same loader (load-port.ts).

import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import { startTsWorker } from '../threads.ts';
import { createConfigLoader, type ConfigLoader, type ConfigLoaderOptions, type LoadOptions } from './load.ts';
import type { FromLoader, LoaderEvent, LoadRequest, ToLoader } from './load-thread-entry.ts';
import { createValueStore, oneAtATime, type ValueStore } from './take-in.ts';
import type { LoadResult } from './types.ts';
import { watchTree, type ChangeBurst, type TreeWatch, type TreeWatcher, type WatchOptions } from './watch.ts';

export interface ThreadedConfigLoader extends ConfigLoader {
  /** The loader thread while one runs (null before the first load, after close, or when loading in process). */
  worker(): Worker | null;
  /**
   * A port through which another thread asks this loader thread for loads (load-port.ts); null
   * when loads run in process. The port closes if the loader thread ends.
   */
  connect(): MessagePort | null;
  /**
   * Watches a directory in the loader thread (watchTree there), so that file events and the
   * debounce cost this thread nothing. If the thread ends, a new one watches and the first burst
   * says changes may have been missed; when loads run in process, so does the watcher.
   */
  watch: TreeWatch;
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
  let values: ValueStore = createValueStore();
  /** The directory watched, while watched; `ready` until the thread says it is watching. */
  let watching: { dir: string; onBurst: (b: ChangeBurst) => void; opts: WatchOptions; ready?: () => void; missed?: string } | null = null;
  /** The watcher on this thread, once loads run here. */
  let local: TreeWatcher | null = null;

  /** The watch has started (here or in the thread): watch() may return. */
  function started(watch: NonNullable<typeof watching>): void {
    watch.ready?.();
    watch.ready = undefined;
  }

  function onEvent(e: LoaderEvent): void {
    const watch = watching;
    if (!watch) return;
    if (e.type === 'burst') return watch.onBurst(e.burst);
    if (e.type === 'watch-error') return watch.opts.onError(new Error(e.message));
    if (e.error) {
      watch.opts.onError(new Error(e.error));
      void watchHere(watch.missed);
    } else if (watch.missed) {
      watch.onBurst({ events: 0, paths: [], changed: null, missed: watch.missed });
    }
    watch.missed = undefined;
    started(watch);
  }

  /** Watch on this thread from now on. */
  async function watchHere(missed?: string): Promise<void> {
    const watch = watching;
    if (!watch || local) return;
    local = await watchTree(watch.dir, watch.onBurst, watch.opts);
    if (missed) watch.onBurst({ events: 0, paths: [], changed: null, missed });
    started(watch);
  }

  const postWatch = (w: Worker, watch: NonNullable<typeof watching>) =>
    w.postMessage({ type: 'watch', dir: watch.dir, debounceMs: watch.opts.debounceMs } satisfies ToLoader);

  function thread(): Worker {
    if (worker) return worker;
    const w = startTsWorker(new URL('./load-thread-entry.ts', import.meta.url), { options: loaderOptions }, { stdout: false, stderr: false });
    w.on('message', (reply: FromLoader | LoaderEvent) => {
      if ('type' in reply) return onEvent(reply);
      pending.get(reply.id)?.(reply);
      pending.delete(reply.id);
      if (pending.size === 0) w.unref();
    });
    const failed = (why: string) => {
      if (worker !== w) return;
      worker = null;
      onThreadError?.(why);
      const loading = pending.size > 0;
      for (const [id, settle] of pending) settle({ id, error: why });
      pending.clear();
      if (!watching || closed || local) return;
      // A watch that had not started, or whose new thread had not started it yet, moves to this
      // thread; a running one to a new thread now, or to the one the load in flight starts.
      if (watching.ready || watching.missed !== undefined) return void watchHere(why);
      watching.missed = why;
      if (!loading) thread();
    };
    w.on('error', (err) => failed(`the loader thread failed: ${err.message}`));
    w.on('exit', (code) => failed(`the loader thread exited (${code})`));
    // Idle, the thread does not keep the process alive (a load in flight does, like any pending work).
    w.unref();
    // A new thread numbers its values from scratch, and watches what the one before it watched.
    values = createValueStore();
    if (watching && !local) postWatch(w, watching);
    worker = w;
    return w;
  }

  async function viaThread(dir: string, request: Omit<LoadRequest, 'type' | 'id' | 'dir'>): Promise<LoadResult> {
    const id = ++nextId;
    const reply = await new Promise<FromLoader>((resolve) => {
      pending.set(id, resolve);
      const w = thread();
      w.ref();
      w.postMessage({ type: 'load', id, dir, ...request } satisfies ToLoader);
    });
    if ('error' in reply) throw new Error(reply.error);
    return values.take(reply);
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
      if (watching && !local) watching.missed ??= (err as Error).message;
      try {
        return await viaThread(dir, { cwd: request.cwd });
      } catch (again) {
        onThreadError?.(`${(again as Error).message}; loading on the main thread from now on`);
        await close();
        inProcess = createConfigLoader(loaderOptions);
        void watchHere((again as Error).message);
        return inProcess.load(dir, { cwd: request.cwd });
      }
    }
  }

  const loadInTurn = oneAtATime(load);
  return {
    load: (dir, loadOpts = {}) => loadInTurn(dir, loadOpts),
    worker: () => worker,
    connect() {
      if (closed || inProcess) return null;
      const { port1, port2 } = new MessageChannel();
      thread().postMessage({ type: 'connect', port: port1 } satisfies ToLoader, [port1]);
      return port2;
    },
    async watch(dir, onBurst, watchOpts) {
      if (watching) throw new Error('the loader thread watches one directory at a time');
      watching = { dir, onBurst, opts: watchOpts };
      const ready = new Promise<void>((resolve) => (watching!.ready = () => resolve()));
      if (closed || inProcess) {
        await watchHere();
      } else {
        // A new thread is told by thread() itself. Like a load in flight, the watch starting keeps
        // the process alive until it has.
        if (worker) postWatch(worker, watching);
        const w = thread();
        w.ref();
        await ready;
        if (pending.size === 0) w.unref();
      }
      return {
        close: async () => {
          watching = null;
          const here = local;
          local = null;
          if (here) await here.close();
          else worker?.postMessage({ type: 'unwatch' } satisfies ToLoader);
        },
      };
    },
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
