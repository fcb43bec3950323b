// The production DeliveryQueue: BullMQ on Redis. What makes it durable:
// - a job's id is its deliveryId, so enqueueing the same delivery twice adds it once;
// - enqueue is a group commit: the jobs of every lead enqueued in one event-loop turn go out in
//   one addBulk (one MULTI, one round trip; at most `maxBulk` jobs each), and each enqueue
//   resolves only once Redis has its jobs (or rejects, UNAVAILABLE, if that addBulk failed);
// - retries follow backoff.ts through BullMQ's custom backoffStrategy, a partner's Retry-After
//   travelling on the thrown error; attempts are a job option (per partner, default 8);
// - a job whose router died mid-delivery loses its lock after `lockDurationMs` and is moved back
//   to the queue by the stalled check of any instance (every `stalledIntervalMs`), so it is
//   resumed within lockDuration + 2 × stalledInterval (30 s + 2 × 10 s by default: under 60 s).
//   Give every instance the same stalledInterval: the instance that runs a check holds it for
//   its own interval;
// - failed jobs are kept (30 days) as the dead-letter list; completed ones only briefly.
// Production Redis needs `appendonly yes` and `maxmemory-policy noeviction` for this to hold.

import { once } from 'node:events';
import { Redis } from 'ioredis';
import { Queue, UnrecoverableError, Worker, type Job, type JobsOptions } from 'bullmq';
import type { Logger } from 'pino';
import { LeadrouteError } from '../errors.ts';
import { coalesceWrites } from '../redis.ts';
import { retryDelayMs } from './backoff.ts';
import {
  DEFAULT_CONCURRENCY, DEFAULT_KEEP_COMPLETED, DEFAULT_KEEP_FAILED_MS, attemptsOf, errorMessage, failedDelivery,
  type DeliveryHandler, type DurableDeliveryQueue, type FailedDelivery, type QueueOptions,
} from './queue.ts';
import type { DeliveryJob } from './types.ts';

export const DEFAULT_QUEUE_NAME = 'deliveries';
/** A hash tag, so every key of the queue lands in one Redis Cluster slot (BullMQ's advice). */
export const DEFAULT_QUEUE_PREFIX = '{leadroute}';
/** The job lock: three times the default webhook deadline (10 s); renewed every half of it while a delivery runs. */
export const DEFAULT_LOCK_DURATION_MS = 30_000;
export const DEFAULT_STALLED_INTERVAL_MS = 10_000;
/** Times a job may be picked up again after its router died before it is dead-lettered (a poison job). */
export const DEFAULT_MAX_STALLED_COUNT = 2;

export interface BullmqQueueOptions extends QueueOptions {
  redisUrl: string;
  name?: string;
  /** BullMQ key prefix; tests use a unique one. */
  prefix?: string;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  maxStalledCount?: number;
  /** Enqueue fails (UNAVAILABLE) when Redis does not answer within this long (default 2000 ms). */
  commandTimeoutMs?: number;
  logger?: Pick<Logger, 'error' | 'warn'>;
  /** Most jobs in one addBulk when enqueues are grouped (default 500). */
  maxBulk?: number;
}

/**
 * The two connections BullMQ needs, each with its own options:
 * - `queue` (enqueue, dead-letter admin, metrics): fails fast while Redis is down (no offline
 *   queue, a command timeout), so a lead is answered 503 instead of waiting;
 * - `worker`: BullMQ requires `maxRetriesPerRequest: null` (it blocks on Redis waiting for jobs and
 *   must survive reconnections); BullMQ duplicates it for its blocking commands.
 * Both reconnect forever (backing off to 1 s).
 */
export function createBullmqConnection(
  url: string,
  role: 'queue' | 'worker',
  opts: { commandTimeoutMs?: number; onError?: (err: Error) => void } = {},
): Redis {
  const retryStrategy = (times: number) => Math.min(50 * 2 ** Math.min(times - 1, 10), 1000);
  const client = role === 'worker'
    ? new Redis(url, { maxRetriesPerRequest: null, retryStrategy, connectionName: 'leadroute-delivery-worker' })
    : new Redis(url, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      commandTimeout: opts.commandTimeoutMs ?? 2000,
      connectTimeout: Math.max(2000, (opts.commandTimeoutMs ?? 2000) * 2),
      retryStrategy,
      connectionName: 'leadroute-delivery-queue',
    });
  client.on('error', (err: Error) => opts.onError?.(err));
  return client;
}

/** Thrown by the processor to ask for a retry; the backoff strategy reads `afterMs` from it. */
class RetryLater extends Error {
  readonly afterMs?: number;
  constructor(message: string, afterMs?: number) {
    super(message);
    this.name = 'RetryLater';
    this.afterMs = afterMs;
  }
}

const JOB_NAME = 'deliver';
/** Most jobs in one addBulk (one MULTI): big enough to batch a busy turn, small enough not to stall Redis. */
export const DEFAULT_MAX_BULK = 500;

interface PendingEnqueue {
  jobs: readonly DeliveryJob[];
  resolve(): void;
  reject(err: unknown): void;
}
const BACKOFF_TYPE = 'leadroute';

export function createBullmqDeliveryQueue(opts: BullmqQueueOptions): DurableDeliveryQueue {
  const name = opts.name ?? DEFAULT_QUEUE_NAME;
  const prefix = opts.prefix ?? DEFAULT_QUEUE_PREFIX;
  const logger = opts.logger;
  const onError = (err: Error) => logger?.warn({ err: err.message }, 'delivery queue redis error');
  const keepCompleted = opts.keepCompleted ?? DEFAULT_KEEP_COMPLETED;
  const keepFailedMs = opts.keepFailedMs ?? DEFAULT_KEEP_FAILED_MS;

  const queueConnection = createBullmqConnection(opts.redisUrl, 'queue', { commandTimeoutMs: opts.commandTimeoutMs, onError });
  const queue = new Queue<DeliveryJob>(name, { connection: queueConnection, prefix });
  queue.on('error', onError);

  let worker: Worker<DeliveryJob> | null = null;
  let workerConnection: Redis | null = null;
  // Failures the processor already dealt with (the handler recorded them): no dead-letter hook.
  const handled = new WeakSet<Error>();
  const final = (message: string) => {
    const err = new UnrecoverableError(message);
    handled.add(err);
    return err;
  };

  const guard = async <T>(what: string, p: Promise<T>): Promise<T> => {
    try {
      return await p;
    } catch (err) {
      throw new LeadrouteError('UNAVAILABLE', `the delivery queue is not answering (${what})`, undefined, { cause: err });
    }
  };

  // BullMQ waits for a connection forever; a lead source must get its 503 instead. Nothing is
  // sent before the connection is ready, so a refused enqueue can never complete later.
  const commandTimeoutMs = opts.commandTimeoutMs ?? 2000;
  const connected = async () => {
    if (queueConnection.status === 'ready') return;
    if (queueConnection.status === 'end') throw new Error('connection closed');
    await once(queueConnection, 'ready', { signal: AbortSignal.timeout(commandTimeoutMs) });
  };

  const jobOptions = (job: DeliveryJob): JobsOptions => ({
    jobId: job.deliveryId,
    attempts: attemptsOf(opts, job),
    backoff: { type: BACKOFF_TYPE },
    removeOnComplete: { count: keepCompleted },
    removeOnFail: { age: Math.ceil(keepFailedMs / 1000) },
  });

  const giveUp = async (handler: DeliveryHandler, job: DeliveryJob, reason: string) => {
    try {
      await handler.onDeadLetter?.(job, reason);
    } catch (err) {
      logger?.error({ deliveryId: job.deliveryId, leadId: job.leadId, err: errorMessage(err) }, 'dead-letter hook failed');
    }
  };

  const processor = (handler: DeliveryHandler) => async (job: Job<DeliveryJob>): Promise<void> => {
    const attempt = job.attemptsMade + 1;
    const maxAttempts = job.opts.attempts ?? 1;
    let outcome;
    try {
      outcome = await handler(job.data, attempt, maxAttempts);
    } catch (err) {
      if (attempt < maxAttempts) throw err; // a failed attempt: BullMQ retries on the schedule
      const reason = `gave up after ${attempt} attempts: handler error: ${errorMessage(err)}`;
      await giveUp(handler, job.data, reason);
      throw final(reason);
    }
    switch (outcome.kind) {
      case 'done':
        return;
      case 'failed':
        throw final(outcome.reason);
      case 'retry': {
        const why = outcome.reason ?? 'retry requested';
        if (attempt < maxAttempts) throw new RetryLater(why, outcome.afterMs);
        const reason = `gave up after ${attempt} attempts: ${why}`;
        await giveUp(handler, job.data, reason);
        throw final(reason);
      }
    }
  };

  // Group commit (see the top of the file). A lead's jobs never straddle two addBulks.
  const maxBulk = Math.max(1, opts.maxBulk ?? DEFAULT_MAX_BULK);
  let pending: PendingEnqueue[] = [];
  let flushScheduled = false;
  const addBulk = async (batch: PendingEnqueue[]) => {
    try {
      await guard('enqueue', connected());
      await guard('enqueue', queue.addBulk(batch.flatMap((p) => p.jobs.map((job) => ({ name: JOB_NAME, data: job, opts: jobOptions(job) })))));
      for (const p of batch) p.resolve();
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  };
  const flush = () => {
    flushScheduled = false;
    const all = pending;
    pending = [];
    let batch: PendingEnqueue[] = [];
    let size = 0;
    for (const p of all) {
      if (size > 0 && size + p.jobs.length > maxBulk) {
        void addBulk(batch);
        batch = [];
        size = 0;
      }
      batch.push(p);
      size += p.jobs.length;
    }
    if (batch.length) void addBulk(batch);
  };

  return {
    enqueue(jobs) {
      if (jobs.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        pending.push({ jobs, resolve, reject });
        if (!flushScheduled) {
          flushScheduled = true;
          setImmediate(flush);
        }
      });
    },

    start(handler) {
      if (worker) throw new Error('the delivery queue is already started');
      // Job completions (one command each) leave in one write per event-loop turn.
      workerConnection = coalesceWrites(createBullmqConnection(opts.redisUrl, 'worker', { onError }));
      worker = new Worker<DeliveryJob>(name, processor(handler), {
        connection: workerConnection,
        prefix,
        concurrency: opts.concurrency ?? DEFAULT_CONCURRENCY,
        lockDuration: opts.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS,
        stalledInterval: opts.stalledIntervalMs ?? DEFAULT_STALLED_INTERVAL_MS,
        maxStalledCount: opts.maxStalledCount ?? DEFAULT_MAX_STALLED_COUNT,
        settings: {
          backoffStrategy: (attemptsMade, _type, err) =>
            retryDelayMs(attemptsMade, opts.backoff, err instanceof RetryLater ? err.afterMs : undefined),
        },
      });
      worker.on('error', onError);
      // A job BullMQ failed on its own (stalled too often): let the handler record it.
      worker.on('failed', (job, err) => {
        if (!job || handled.has(err)) return;
        const isFinal = err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
        if (isFinal) void giveUp(handler, job.data, err.message);
      });
    },

    async listFailed(limit = 100): Promise<FailedDelivery[]> {
      if (limit <= 0) return [];
      const jobs = await guard('list dead letters', queue.getFailed(0, limit - 1));
      return jobs.filter(Boolean).map((j) =>
        failedDelivery(j.data as DeliveryJob, j.attemptsMade, j.failedReason ?? '', j.finishedOn ?? j.timestamp));
    },

    async retry(deliveryId) {
      const job = await guard('retry', queue.getJob(deliveryId));
      if (!job || !(await guard('retry', job.isFailed()))) return false;
      try {
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        return true;
      } catch {
        return false; // someone else retried it first
      }
    },

    async depth() {
      const counts = await guard('depth', queue.getJobCounts('wait', 'delayed', 'active', 'prioritized', 'paused'));
      return Object.values(counts).reduce((a, b) => a + b, 0);
    },

    async deadLetterCount() {
      return guard('dead letters', queue.getFailedCount());
    },

    async close() {
      const connections = [workerConnection, queueConnection].filter((c): c is Redis => c !== null);
      // A connection that never came up is dropped first, while BullMQ still listens to it
      // (its pending connect would otherwise reject with nobody listening).
      for (const c of connections) {
        if (c.status === 'ready' || c.status === 'end') continue;
        const ended = once(c, 'end', { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
        c.disconnect();
        await ended;
      }
      // The worker first: it finishes the deliveries in flight (their jobs stay consistent).
      await worker?.close();
      await queue.close();
      for (const c of connections) {
        if (c.status === 'end') continue;
        try {
          await c.quit();
        } catch {
          c.disconnect();
        }
      }
    },
  };
}
