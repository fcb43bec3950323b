// The config loader thread (started by load-thread.ts): the cached loader (load.ts) runs here, so
// reading, parsing and checking the profiles never takes the request thread's time; and so does
// the watcher of the profiles directory, when the main thread asks. It answers the main thread,
// and any other thread the main thread connects to it (the delivery thread, through a
// MessagePort): each asks for loads and gets their results.
// A valid result carries each document value the asking thread does not have yet, packed with the
// objects it already holds left out (value-wire.ts), and names the others by the number they were
// sent under (take-in.ts).

import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { createConfigLoader, type ConfigLoaderOptions } from './load.ts';
import type { Problem, SourceDoc } from './types.ts';
import { createValueSender, type Sent, type ValueSender, type WireDoc } from './value-wire.ts';
import { watchTree, type ChangeBurst, type TreeWatcher } from './watch.ts';

export interface LoadRequest {
  type: 'load';
  id: number;
  dir: string;
  cwd: string;
  /** LoadOptions.changed, as a list. */
  changed?: string[];
  listChanged?: boolean;
}

/**
 * From the main thread: a load; a port over which another thread will ask for loads; or to watch
 * the profiles directory (one at a time), or stop.
 */
export type ToLoader =
  | LoadRequest
  | { type: 'connect'; port: MessagePort }
  | { type: 'watch'; dir: string; debounceMs: number }
  | { type: 'unwatch' };

/** To the main thread, unasked: watching started, a burst of changes, a watcher error. */
export type LoaderEvent = { type: 'watching'; error?: string } | { type: 'burst'; burst: ChangeBurst } | { type: 'watch-error'; message: string };

/** A valid load: the documents, and the values to take in or let go of (value-wire.ts). */
export interface LoaderResult extends Sent {
  id: number;
  ok: true;
  problems: readonly Problem[];
  hash: string;
  dir: string;
}

export type FromLoader = LoaderResult | { id: number; ok: false; problems: readonly Problem[] } | { id: number; error: string };

/** A thread that asks for loads, and what it was sent. */
interface Asker {
  answer(reply: FromLoader): void;
  sender: ValueSender;
}

const port = parentPort!;
const loader = createConfigLoader((workerData as { options: ConfigLoaderOptions }).options);

async function load(asker: Asker, m: LoadRequest): Promise<FromLoader> {
  const result = await loader.load(m.dir, { cwd: m.cwd, changed: m.changed && new Set(m.changed), listChanged: m.listChanged });
  if (!result.ok) return { id: m.id, ok: false, problems: result.problems };
  // The router does not run routing tests: they stay here.
  const docs = result.config.docs.filter((d): d is SourceDoc & { kind: WireDoc[0] } => d.kind !== 'RoutingTest');
  return { id: m.id, ok: true, problems: result.problems, hash: result.config.hash, dir: result.config.dir, ...asker.sender.send(docs) };
}

// One load at a time, in the order asked: each starts from what the previous one left.
let queue = Promise.resolve();
function serve(asker: Asker, m: LoadRequest): void {
  queue = queue.then(async () => {
    let reply: FromLoader;
    try {
      reply = await load(asker, m);
    } catch (err) {
      reply = { id: m.id, error: err instanceof Error ? err.message : String(err) };
    }
    asker.answer(reply);
  });
}

// Watching here, the file events and the debounce cost the request thread nothing: it hears of a
// burst once it is over, and asks for the load at once.
let watching: Promise<TreeWatcher | null> = Promise.resolve(null);
const tell = (e: LoaderEvent) => port.postMessage(e);
function watchDir(dir: string | null, debounceMs = 0): void {
  watching = watching.then(async (previous) => {
    await previous?.close();
    if (dir === null) return null;
    try {
      const watcher = await watchTree(dir, (burst) => tell({ type: 'burst', burst }), {
        debounceMs,
        onError: (err) => tell({ type: 'watch-error', message: err.message }),
      });
      tell({ type: 'watching' });
      return watcher;
    } catch (err) {
      tell({ type: 'watching', error: err instanceof Error ? err.message : String(err) });
      return null;
    }
  });
}

const main: Asker = { answer: (reply) => port.postMessage(reply), sender: createValueSender() };
port.on('message', (m: ToLoader) => {
  if (m.type === 'load') return serve(main, m);
  if (m.type === 'watch') return watchDir(m.dir, m.debounceMs);
  if (m.type === 'unwatch') return watchDir(null);
  const other: Asker = { answer: (reply) => m.port.postMessage(reply), sender: createValueSender() };
  m.port.on('message', (request: LoadRequest) => serve(other, request));
  m.port.on('close', () => (other.sender = createValueSender()));
});
