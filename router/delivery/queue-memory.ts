// The embedded DeliveryQueue (no REDIS_URL): jobs live in this process, retries are timers on the
// same backoff schedule as BullMQ, dead letters are kept in memory. It is as durable as the
// process: a crash loses queued jobs, which is why production runs with Redis (queue-bullmq.ts).
//
// Back-pressure: intake and delivery share one event loop, and a busy intake can take new leads
// faster than the worker sends them. `admit()` (asked by the HTTP app before it routes a lead)
// answers at once while the oldest job waiting to start has waited less than `maxQueueDelayMs`
// (250 ms); beyond, it waits until the backlog is back under that, up to `admitWaitMs` (2 s),
// then answers false (the lead is refused with 503, nothing reserved or recorded). So the backlog
// stays about `maxQueueDelayMs` of deliveries, and a lead source is slowed down rather than
// accepted into an ever-growing queue. Jobs waiting for a retry (delayed) do not count.
//
// Jobs are taken over as they are (the caller does not change them afterwards, the lead fields
// included); the handler gets its own copy of the job's top level on every run.

import type { Logger } from 'pino';
import { LeadrouteError } from '../errors.ts';
import { retryDelayMs } from './backoff.ts';
import {
  DEFAULT_CONCURRENCY, DEFAULT_KEEP_COMPLETED, DEFAULT_KEEP_FAILED_MS, attemptsOf, errorMessage, failedDelivery,
  type DeliveryHandler, type DurableDeliveryQueue, type FailedDelivery, type JobOutcome, type QueueOptions,
} from './queue.ts';
import type { DeliveryJob } from './types.ts';

type EntryState = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed';

interface Entry {
  job: DeliveryJob;
  maxAttempts: number;
  attemptsMade: number;
  state: EntryState;
  /** When it was last put in the waiting line (ms, performance.now()). */
  readyAt: number;
  timer?: NodeJS.Timeout;
  reason?: string;
  failedAt?: number;
}

export interface MemoryQueueOptions extends QueueOptions {
  logger?: Pick<Logger, 'error'>;
  /** Back-pressure: admit() waits while the oldest waiting job has waited longer (default 250 ms). */
  maxQueueDelayMs?: number;
  /** Back-pressure: how long admit() waits for room before answering false (default 2000 ms). */
  admitWaitMs?: number;
}

const DEFAULT_MAX_QUEUE_DELAY_MS = 250;
const DEFAULT_ADMIT_WAIT_MS = 2000;

/** The handler's own copy: top-level fields and `tried` (the lead fields are shared, read-only). */
const handOut = (job: DeliveryJob): DeliveryJob => ({ ...job, tried: job.tried.slice() });

export function createMemoryDeliveryQueue(opts: MemoryQueueOptions = {}): DurableDeliveryQueue {
  const concurrency = Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY);
  const keepCompleted = Math.max(0, opts.keepCompleted ?? DEFAULT_KEEP_COMPLETED);
  const keepFailedMs = opts.keepFailedMs ?? DEFAULT_KEEP_FAILED_MS;
  const maxQueueDelayMs = opts.maxQueueDelayMs ?? DEFAULT_MAX_QUEUE_DELAY_MS;
  const admitWaitMs = opts.admitWaitMs ?? DEFAULT_ADMIT_WAIT_MS;

  const entries = new Map<string, Entry>();
  let waiting: Entry[] = [];
  let head = 0;
  const completed: string[] = [];
  const failed = new Map<string, Entry>(); // in the order they failed
  const running = new Set<Promise<void>>();
  let handler: DeliveryHandler | null = null;
  let closed = false;

  const push = (e: Entry) => {
    e.state = 'waiting';
    e.readyAt = performance.now();
    waiting.push(e);
  };

  // ---- back-pressure ---------------------------------------------------------------------------
  const admissions: { resolve(ok: boolean): void; timer: NodeJS.Timeout }[] = [];
  const backlogged = () => head < waiting.length && performance.now() - waiting[head].readyAt > maxQueueDelayMs;
  const admitWaiting = () => {
    if (admissions.length === 0 || (backlogged() && !closed)) return;
    for (const a of admissions.splice(0)) {
      clearTimeout(a.timer);
      a.resolve(!closed);
    }
  };
  const next = (): Entry | undefined => {
    if (head >= waiting.length) return undefined;
    const e = waiting[head++];
    if (head > 1024 && head * 2 > waiting.length) {
      waiting = waiting.slice(head);
      head = 0;
    }
    return e;
  };

  const pump = () => {
    while (handler && !closed && running.size < concurrency) {
      const e = next();
      if (!e) break;
      run(handler, e);
    }
    admitWaiting();
  };

  const complete = (e: Entry) => {
    e.state = 'completed';
    completed.push(e.job.deliveryId);
    while (completed.length > keepCompleted) entries.delete(completed.shift()!);
  };

  const fail = (e: Entry, reason: string) => {
    e.state = 'failed';
    e.reason = reason;
    e.failedAt = Date.now();
    failed.set(e.job.deliveryId, e);
    for (const [id, old] of failed) {
      if (old.failedAt! > e.failedAt - keepFailedMs) break;
      failed.delete(id);
      entries.delete(id);
    }
  };

  const schedule = (e: Entry, delayMs: number) => {
    e.state = 'delayed';
    e.timer = setTimeout(() => {
      e.timer = undefined;
      push(e);
      pump();
    }, delayMs);
  };

  const giveUp = async (h: DeliveryHandler, job: DeliveryJob, reason: string) => {
    try {
      await h.onDeadLetter?.(handOut(job), reason);
    } catch (err) {
      opts.logger?.error({ deliveryId: job.deliveryId, leadId: job.leadId, err: errorMessage(err) }, 'dead-letter hook failed');
    }
  };

  const run = (h: DeliveryHandler, e: Entry) => {
    e.state = 'active';
    const p = (async () => {
      const attempt = e.attemptsMade + 1;
      let outcome: JobOutcome | undefined;
      let thrown: unknown;
      try {
        outcome = await h(handOut(e.job), attempt, e.maxAttempts);
      } catch (err) {
        thrown = err;
      }
      e.attemptsMade = attempt;
      if (outcome?.kind === 'done') return complete(e);
      if (outcome?.kind === 'failed') return fail(e, outcome.reason);
      const why = outcome ? (outcome.reason ?? 'retry requested') : `handler error: ${errorMessage(thrown)}`;
      if (attempt >= e.maxAttempts) {
        const reason = `gave up after ${attempt} attempts: ${why}`;
        await giveUp(h, e.job, reason);
        return fail(e, reason);
      }
      if (closed) return; // shutting down: the embedded queue loses pending retries with the process
      schedule(e, retryDelayMs(attempt, opts.backoff, outcome?.kind === 'retry' ? outcome.afterMs : undefined));
    })().finally(() => {
      running.delete(p);
      pump();
    });
    running.add(p);
  };

  return {
    async enqueue(jobs) {
      if (closed) throw new LeadrouteError('UNAVAILABLE', 'the delivery queue is closed');
      for (const job of jobs) {
        if (entries.has(job.deliveryId)) continue; // a duplicate delivery is ignored
        const e: Entry = { job: handOut(job), maxAttempts: attemptsOf(opts, job), attemptsMade: 0, state: 'waiting', readyAt: 0 };
        entries.set(job.deliveryId, e);
        push(e);
      }
      pump();
    },

    admit() {
      if (closed) return false;
      if (!backlogged()) return true;
      return new Promise<boolean>((resolve) => {
        const entry = {
          resolve,
          timer: setTimeout(() => {
            admissions.splice(admissions.indexOf(entry), 1);
            resolve(false);
          }, admitWaitMs),
        };
        admissions.push(entry);
      });
    },

    start(h) {
      if (handler) throw new Error('the delivery queue is already started');
      handler = h;
      pump();
    },

    async listFailed(limit = 100): Promise<FailedDelivery[]> {
      return [...failed.values()].reverse().slice(0, Math.max(0, limit))
        .map((e) => failedDelivery(e.job, e.attemptsMade, e.reason ?? '', e.failedAt ?? 0));
    },

    async deadLetter(deliveryId) {
      const e = failed.get(deliveryId);
      return e ? handOut(e.job) : null;
    },

    async retry(deliveryId, job) {
      const e = failed.get(deliveryId);
      if (!e || closed) return false;
      failed.delete(deliveryId);
      if (job) e.job = handOut(job);
      e.attemptsMade = 0;
      e.reason = undefined;
      e.failedAt = undefined;
      push(e);
      pump();
      return true;
    },

    async depth() {
      let n = 0;
      for (const e of entries.values()) if (e.state !== 'completed' && e.state !== 'failed') n++;
      return n;
    },

    async deadLetterCount() {
      return failed.size;
    },

    async close() {
      closed = true;
      admitWaiting();
      for (const e of entries.values()) {
        if (e.timer) clearTimeout(e.timer);
        e.timer = undefined;
      }
      await Promise.allSettled([...running]);
    },
  };
}
