// Worker threads that run the router's TypeScript sources. tsx's loader does not follow the
// router into worker threads (Node 20), so a thread is booted by a few lines of CommonJS that
// register tsx, then import its entry module.

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

const BOOT = `
const { workerData } = require('node:worker_threads');
import(workerData.loader)
  .then((tsx) => { tsx.register(); return import(workerData.entry); })
  .catch((err) => { setImmediate(() => { throw err; }); });
`;

/** The URL of tsx's ESM API (its `import` build: the `require` one cannot register the ESM loader). */
function tsxLoader(): string {
  if (typeof import.meta.resolve === 'function') {
    try {
      return import.meta.resolve('tsx/esm/api');
    } catch {
      /* fall through: a runtime without import.meta.resolve support */
    }
  }
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
}

/**
 * A worker thread running the TypeScript module `entry`, with `data` as its workerData (plus the
 * two fields the boot code reads, `loader` and `entry`).
 */
export function startTsWorker(entry: URL, data: Record<string, unknown>, options: Omit<WorkerOptions, 'eval' | 'workerData'> = {}): Worker {
  return new Worker(BOOT, { ...options, eval: true, workerData: { ...data, loader: tsxLoader(), entry: entry.href } });
}
