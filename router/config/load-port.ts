// A ConfigLoader for a thread other than the main one (the delivery thread): it asks the router's
// config loader thread for loads through a port (ThreadedConfigLoader.connect) and takes in only
// the values that changed, so the profiles are parsed and checked once for the whole router. If
// the port closes (the loader thread ended) or a load fails there, it loads by itself from then on
// (createConfigLoader): the result is the same either way.

import type { MessagePort } from 'node:worker_threads';
import { createConfigLoader, type ConfigLoader, type LoadOptions } from './load.ts';
import type { FromLoader, LoadRequest } from './load-thread-entry.ts';
import { createValueStore, oneAtATime } from './take-in.ts';
import type { LoadResult } from './types.ts';

export interface PortLoaderOptions {
  /** Told once, when this loader stops asking the loader thread and loads by itself. */
  onFallback?: (reason: string) => void;
}

export function createPortConfigLoader(port: MessagePort, opts: PortLoaderOptions = {}): ConfigLoader {
  const values = createValueStore();
  const pending = new Map<number, (reply: FromLoader) => void>();
  let own: ConfigLoader | null = null;
  let nextId = 0;

  const fallBack = (why: string): ConfigLoader => {
    if (own) return own;
    own = createConfigLoader();
    opts.onFallback?.(why);
    for (const [id, settle] of pending) settle({ id, error: why });
    pending.clear();
    port.close();
    return own;
  };
  port.on('message', (reply: FromLoader) => {
    pending.get(reply.id)?.(reply);
    pending.delete(reply.id);
    if (pending.size === 0) port.unref();
  });
  port.on('close', () => fallBack('the config loader thread is gone'));
  // Idle, the port does not keep the thread alive (a load in flight does).
  port.unref();

  async function load(dir: string, loadOpts: LoadOptions): Promise<LoadResult> {
    if (own) return own.load(dir, loadOpts);
    const id = ++nextId;
    const reply = await new Promise<FromLoader>((resolve) => {
      pending.set(id, resolve);
      port.ref();
      port.postMessage({ type: 'load', id, dir, cwd: loadOpts.cwd ?? process.cwd() } satisfies LoadRequest);
    });
    if ('error' in reply) return fallBack(reply.error).load(dir, loadOpts);
    return values.take(reply);
  }

  const loadInTurn = oneAtATime(load);
  return { load: (dir, loadOpts = {}) => loadInTurn(dir, loadOpts) };
}
