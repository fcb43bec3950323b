// The embedded DeliveryQueue (no REDIS_URL): jobs live in this process, retries are timers on the
// same backoff schedule as BullMQ, dead letters are kept in memory. It is as durable as the
// process: a crash loses queued jobs, which is why production runs with Redis (queue-bullmq.ts).

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
  timer?: NodeJS.Timeout;
  reason?: string;
  failedAt?: number;
}

export interface MemoryQueueOptions extends QueueOptions {
  logger?: Pick<Logger, 'error'>;
}

export function createMemoryDeliveryQueue(opts: MemoryQueueOptions = {}): DurableDeliveryQueue {
  const concurrency = Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY);
  const keepCompleted = Math.max(0, opts.keepCompleted ?? DEFAULT_KEEP_COMPLETED);
  const keepFailedMs = opts.keepFailedMs ?? DEFAULT_KEEP_FAILED_MS;

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
    waiting.push(e);
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
      if (!e) return;
      run(handler, e);
    }
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
      await h.onDeadLetter?.(structuredClone(job), reason);
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
        outcome = await h(structuredClone(e.job), attempt, e.maxAttempts);
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
        const e: Entry = { job: structuredClone(job), maxAttempts: attemptsOf(opts, job), attemptsMade: 0, state: 'waiting' };
        entries.set(job.deliveryId, e);
        push(e);
      }
      pump();
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

    async retry(deliveryId) {
      const e = failed.get(deliveryId);
      if (!e || closed) return false;
      failed.delete(deliveryId);
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
      for (const e of entries.values()) {
        if (e.timer) clearTimeout(e.timer);
        e.timer = undefined;
      }
      await Promise.allSettled([...running]);
    },
  };
}
