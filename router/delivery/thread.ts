// The delivery thread, main side. With Redis, the router delivers from a worker thread
// (thread-entry.ts) so that intake and delivery each get an event loop and a CPU core: on one
// loop, a busy intake starves the BullMQ worker and the backlog grows while leads are taken.
// The thread is restarted (after 1 s) if it dies; its jobs in flight are then resumed by BullMQ's
// stalled-job check, like those of a router that died.

import type { MessagePort, Worker } from 'node:worker_threads';
import { pino, type Logger } from 'pino';
import { startTsWorker } from '../threads.ts';

/** What the thread is started with (workerData). */
export interface ThreadInit {
  /** The router's environment; the thread reads it with readRouterEnv like the main thread. */
  vars: Record<string, string | undefined>;
  logLevel: string;
  /** BullMQ worker concurrency (default: the queue's). */
  concurrency?: number;
  /** A port to the router's config loader thread; without it the thread loads the profiles itself. */
  configPort?: MessagePort;
}

export type ToThread = { type: 'reload'; hash: string } | { type: 'metrics'; id: number } | { type: 'stop' };
export type ToMain = { type: 'log'; line: string } | { type: 'metrics'; id: number; text: string } | { type: 'stopped' };

export interface DeliveryThreadOptions {
  vars: NodeJS.ProcessEnv;
  /** The thread's log lines go to this logger's destination (and at its level). */
  logger: Logger;
  concurrency?: number;
  /** Wait before starting a thread again after it died (default 1000 ms). */
  restartDelayMs?: number;
  /** A port to the config loader thread for each thread started (ThreadedConfigLoader.connect). */
  configPort?: () => MessagePort | null;
}

export interface DeliveryThread {
  /** The main thread now serves the config `hash`: the thread reloads the profiles. */
  reload(hash: string): void;
  /** The thread's delivery metrics in Prometheus text; '' when it does not answer within `timeoutMs`. */
  metrics(timeoutMs?: number): Promise<string>;
  /** False while the thread is down (between a crash and its restart). */
  running(): boolean;
  /** Let the deliveries in flight finish, close the thread's connections, end it (terminated after `timeoutMs`). */
  close(timeoutMs?: number): Promise<void>;
}

export function startDeliveryThread(opts: DeliveryThreadOptions): DeliveryThread {
  const log = opts.logger;
  // Lines from the thread are whole JSON log lines already: they go to the destination as they are.
  const destination = (log as unknown as Record<symbol, { write(s: string): void } | undefined>)[pino.symbols.streamSym];
  const writeLine = destination ? (line: string) => destination.write(line) : (line: string) => process.stdout.write(line);
  const vars: Record<string, string | undefined> = { ...opts.vars };
  const init: ThreadInit = {
    vars,
    logLevel: log.level,
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
  };

  let worker: Worker | null = null;
  let up = false;
  let closing = false;
  let restartTimer: NodeJS.Timeout | null = null;
  let lastHash: string | null = null;
  let nextId = 0;
  const pendingMetrics = new Map<number, (text: string) => void>();
  let stopped: (() => void) | null = null;

  function spawn() {
    const configPort = opts.configPort?.() ?? undefined;
    const w = startTsWorker(
      new URL('./thread-entry.ts', import.meta.url),
      { ...init, ...(configPort ? { configPort } : {}) },
      { stdout: false, stderr: false, transferList: configPort ? [configPort] : [] },
    );
    worker = w;
    up = true;
    w.on('message', (m: ToMain) => {
      if (m.type === 'log') writeLine(m.line);
      else if (m.type === 'metrics') {
        pendingMetrics.get(m.id)?.(m.text);
        pendingMetrics.delete(m.id);
      } else if (m.type === 'stopped') stopped?.();
    });
    w.on('error', (err) => log.error({ err }, 'delivery thread failed'));
    w.on('exit', (code) => {
      if (worker === w) worker = null;
      up = false;
      for (const resolve of pendingMetrics.values()) resolve('');
      pendingMetrics.clear();
      stopped?.();
      if (closing) return;
      log.error({ code }, 'delivery thread exited: starting it again');
      restartTimer = setTimeout(() => {
        restartTimer = null;
        if (closing) return;
        spawn();
        if (lastHash) worker?.postMessage({ type: 'reload', hash: lastHash } satisfies ToThread);
      }, opts.restartDelayMs ?? 1000);
    });
  }

  spawn();

  return {
    reload(hash) {
      lastHash = hash;
      worker?.postMessage({ type: 'reload', hash } satisfies ToThread);
    },

    metrics(timeoutMs = 1000) {
      const w = worker;
      if (!w) return Promise.resolve('');
      const id = ++nextId;
      return new Promise<string>((resolve) => {
        const timer = setTimeout(() => {
          pendingMetrics.delete(id);
          resolve('');
        }, timeoutMs);
        pendingMetrics.set(id, (text) => {
          clearTimeout(timer);
          resolve(text);
        });
        w.postMessage({ type: 'metrics', id } satisfies ToThread);
      });
    },

    running: () => up,

    async close(timeoutMs = 15_000) {
      closing = true;
      if (restartTimer) clearTimeout(restartTimer);
      const w = worker;
      if (!w) return;
      const done = new Promise<void>((resolve) => {
        stopped = resolve;
      });
      w.postMessage({ type: 'stop' } satisfies ToThread);
      const timer = setTimeout(() => void w.terminate(), timeoutMs);
      await done;
      clearTimeout(timer);
      await w.terminate();
    },
  };
}
