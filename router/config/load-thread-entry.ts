// The config loader thread (started by load-thread.ts): reads, parses and checks the profiles
// (loadConfig) off the main thread and posts the result as JSON (load-wire.ts).
// main -> thread: { id, dir }   thread -> main: { id, json } | { id, error }

import { parentPort } from 'node:worker_threads';
import { loadConfig } from './load.ts';
import { loadResultToJson } from './load-wire.ts';

export type ToLoader = { id: number; dir: string };
export type FromLoader = { id: number; json: string } | { id: number; error: string };

const port = parentPort!;
port.on('message', ({ id, dir }: ToLoader) => void (async () => {
  let reply: FromLoader;
  try {
    reply = { id, json: loadResultToJson(await loadConfig(dir)) };
  } catch (err) {
    reply = { id, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
})());
