// The config loader thread (started by load-thread.ts): the cached loader (load.ts) runs here, so
// reading, parsing and checking the profiles never takes the request thread's time.
//   main -> thread: a load request          thread -> main: its result, or an error
// A valid result carries each document value the main thread does not have yet, serialised
// (v8.serialize, exact for every value YAML gives), and names the others by the number it gave
// them when it sent them.

import { parentPort, workerData } from 'node:worker_threads';
import { serialize } from 'node:v8';
import { createConfigLoader, type ConfigLoaderOptions } from './load.ts';
import type { Problem, SourceDoc } from './types.ts';

export interface ToLoader {
  id: number;
  dir: string;
  cwd: string;
  /** LoadOptions.changed, as a list. */
  changed?: string[];
  listChanged?: boolean;
}

/** A document of the result: its kind and the number of its value. */
export type WireDoc = [kind: Exclude<SourceDoc['kind'], 'RoutingTest'>, value: number];

export type FromLoader =
  | { id: number; ok: false; problems: readonly Problem[] }
  | { id: number; ok: true; problems: readonly Problem[]; hash: string; dir: string; docs: WireDoc[]; values: [number, Uint8Array][] }
  | { id: number; error: string };

const port = parentPort!;
const loader = createConfigLoader((workerData as { options: ConfigLoaderOptions }).options);
/** The values the main thread holds (those of the last valid result), by object. */
let sent = new Map<unknown, number>();
let lastNumber = 0;

async function answer(m: ToLoader): Promise<FromLoader> {
  const result = await loader.load(m.dir, { cwd: m.cwd, changed: m.changed && new Set(m.changed), listChanged: m.listChanged });
  if (!result.ok) return { id: m.id, ok: false, problems: result.problems };
  const next = new Map<unknown, number>();
  const docs: WireDoc[] = [];
  const values: [number, Uint8Array][] = [];
  // The router does not run routing tests: they stay here.
  for (const doc of result.config.docs) {
    if (doc.kind === 'RoutingTest') continue;
    let n = sent.get(doc.value) ?? next.get(doc.value);
    if (n === undefined) {
      n = ++lastNumber;
      values.push([n, serialize(doc.value)]);
    }
    next.set(doc.value, n);
    docs.push([doc.kind, n]);
  }
  sent = next;
  return { id: m.id, ok: true, problems: result.problems, hash: result.config.hash, dir: result.config.dir, docs, values };
}

// One load at a time, in the order asked: each starts from what the previous one left.
let queue = Promise.resolve();
port.on('message', (m: ToLoader) => {
  queue = queue.then(async () => {
    let reply: FromLoader;
    try {
      reply = await answer(m);
    } catch (err) {
      reply = { id: m.id, error: err instanceof Error ? err.message : String(err) };
    }
    port.postMessage(reply);
  });
});
