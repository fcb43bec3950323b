// The production DeliveryQueue: BullMQ on Redis. What makes it durable:
// - enqueue is a group commit: the deliveries of every lead enqueued in one event-loop turn go
//   out as batch jobs (bullmq-batches.ts: one BullMQ job carries up to `maxBatch` first
//   attempts) in one addBulk (one MULTI, one round trip), and each enqueue resolves only once
//   Redis has them (or rejects, UNAVAILABLE, if that addBulk failed);
// - a delivery is run once however often it is enqueued (a claim per deliveryId; retries are
//   jobs keyed by deliveryId);
// - retries follow backoff.ts: a delivery whose first attempt asks for another becomes an
//   attempts job of its own, delayed by the schedule; later delays come from BullMQ's custom
//   backoffStrategy, a partner's Retry-After travelling on the thrown error; attempts come from
//   the partner (default 8);
// - a job whose router died mid-delivery loses its lock after `lockDurationMs` and is moved back
//   to the queue by the stalled check of any instance (every `stalledIntervalMs`), so it is
//   resumed within lockDuration + 2 × stalledInterval (30 s + 2 × 10 s by default: under 60 s);
//   a resumed batch hands each of its deliveries a job of its own (a batch BullMQ failed outright:
//   bullmq-dead-letters.ts). Give every instance the same
//   stalledInterval: the instance that runs a check holds it for its own interval;
// - failed jobs are kept (30 days) as the dead-letter list; completed ones only briefly.
// Production Redis needs `appendonly yes` and `maxmemory-policy noeviction` for this to hold.

import { once } from 'node:events';
import { Queue, UnrecoverableError, Worker, type Job, type JobsOptions } from 'bullmq';
import type { Logger } from 'pino';
import { LeadrouteError } from '../errors.ts';
import { coalesceWrites, isReady, type RedisClient, type RedisTarget } from '../redis.ts';
import { replicaWaitMsFor, waitForReplica } from '../redis-replica.ts';
import { createBullmqConnection } from './bullmq-connection.ts';
import { retryDelayMs } from './backoff.ts';
import { createLimiter } from './limiter.ts';
import {
  ATTEMPTS_NAME, attemptsData, batchesOf, batchName, claimDeliveries, deliveryDepth, isBatch,
  type AttemptsData, type BatchData,
} from './bullmq-batches.ts';
import {
  DEFAULT_CONCURRENCY, DEFAULT_KEEP_COMPLETED, DEFAULT_KEEP_FAILED_MS, attemptsOf, errorMessage,
  type DeliveryHandler, type DurableDeliveryQueue, type JobOutcome, type QueueOptions,
} from './queue.ts';
import type { DeliveryJob } from './types.ts';
import { bullmqDeadLetters, failedBatches } from './bullmq-dead-letters.ts';

const DEFAULT_QUEUE_NAME = 'deliveries';
/** A hash tag, so every key of the queue lands in one Redis Cluster slot (BullMQ's advice). */
const DEFAULT_QUEUE_PREFIX = '{leadroute}';
/** The job lock: three times the default webhook deadline (10 s); renewed every half of it while a delivery runs. */
const DEFAULT_LOCK_DURATION_MS = 30_000;
const DEFAULT_STALLED_INTERVAL_MS = 10_000;
/** Times a job may be picked up again after its router died before it is dead-lettered (a poison job). */
const DEFAULT_MAX_STALLED_COUNT = 2;

export interface BullmqQueueOptions extends QueueOptions {
  /** One Redis (`redis://…`). */
  redisUrl?: string;
  /** Or any target, a Redis Cluster's seed nodes included (the prefix must then be one hash tag). */
  redis?: RedisTarget;
  name?: string;
  /** BullMQ key prefix; tests use a unique one. */
  prefix?: string;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  maxStalledCount?: number;
  /** Enqueue fails (UNAVAILABLE) when Redis does not answer within this long (default 2000 ms). */
  commandTimeoutMs?: number;
  logger?: Pick<Logger, 'error' | 'warn'>;
  /** Most deliveries in one batch job (default 100; a lead with more gets a batch of its own). */
  maxBatch?: number;
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

/** How long an enqueue waits for the first connection to a Redis Cluster (later: the command timeout). */
const FIRST_CLUSTER_CONNECTION_WAIT_MS = 5_000;

/** Most deliveries in one batch job: enough for a busy turn, few enough that a batch is quick to hand on. */
const DEFAULT_MAX_BATCH = 100;
/** Runs of a batch job when its processor fails (Redis unreachable while it hands on retries). */
const BATCH_ATTEMPTS = 10;

interface PendingEnqueue {
  jobs: readonly DeliveryJob[];
  resolve(): void;
  reject(err: unknown): void;
}
const BACKOFF_TYPE = 'leadroute';

export function createBullmqDeliveryQueue(opts: BullmqQueueOptions): DurableDeliveryQueue {
  const name = opts.name ?? DEFAULT_QUEUE_NAME;
  const prefix = opts.prefix ?? DEFAULT_QUEUE_PREFIX;
  const keys = `${prefix}:${name}:`;
  const logger = opts.logger;
  const onError = (err: Error) => logger?.warn({ err: err.message }, 'delivery queue redis error');
  const keepCompleted = opts.keepCompleted ?? DEFAULT_KEEP_COMPLETED;
  const keepFailedMs = opts.keepFailedMs ?? DEFAULT_KEEP_FAILED_MS;
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;

  const target = opts.redis ?? opts.redisUrl;
  if (target === undefined) throw new Error('the BullMQ delivery queue needs redis or redisUrl');
  const queueConnection = createBullmqConnection(target, 'queue', { commandTimeoutMs: opts.commandTimeoutMs, onError });
  const queue = new Queue<BatchData | AttemptsData>(name, { connection: queueConnection, prefix });
  queue.on('error', onError);

  let worker: Worker<BatchData | AttemptsData> | null = null;
  let workerConnection: RedisClient | null = null;
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
  // A cluster client's first connection gets longer: it reads the slot map and opens a connection
  // per node before it can send, and a starting router takes leads meanwhile (they wait rather
  // than get 503s). Later reconnections, and one Redis, get the command timeout.
  const commandTimeoutMs = opts.commandTimeoutMs ?? 2000;
  let everReady = false;
  const connected = async () => {
    if (isReady(queueConnection)) {
      everReady = true;
      return;
    }
    if (queueConnection.status === 'end') throw new Error('connection closed');
    const waitMs = everReady || typeof target === 'string' ? commandTimeoutMs : Math.max(commandTimeoutMs, FIRST_CLUSTER_CONNECTION_WAIT_MS);
    if (queueConnection.status !== 'ready') await once(queueConnection, 'ready', { signal: AbortSignal.timeout(waitMs) });
    // A cluster: its masters' connections may still be opening.
    const deadline = Date.now() + waitMs;
    while (!isReady(queueConnection)) {
      if (Date.now() > deadline) throw new Error('redis cluster nodes not connected');
      await new Promise((r) => setTimeout(r, 10));
    }
    everReady = true;
  };

  const batchOptions: JobsOptions = {
    attempts: BATCH_ATTEMPTS,
    backoff: { type: BACKOFF_TYPE },
    removeOnComplete: true,
    removeOnFail: { age: Math.ceil(keepFailedMs / 1000) },
  };
  // attempts = all the partner allows: the processor says when the last one is reached (it
  // counts the attempts made before the job), so BullMQ never gives up first.
  const attemptsOptions = (job: DeliveryJob, delay?: number): JobsOptions => ({
    jobId: job.deliveryId,
    attempts: attemptsOf(opts, job),
    backoff: { type: BACKOFF_TYPE },
    removeOnComplete: { count: keepCompleted },
    removeOnFail: { age: Math.ceil(keepFailedMs / 1000) },
    ...(delay ? { delay } : {}),
  });

  const giveUp = async (handler: DeliveryHandler, job: DeliveryJob, reason: string) => {
    try {
      await handler.onDeadLetter?.(job, reason);
    } catch (err) {
      logger?.error({ deliveryId: job.deliveryId, leadId: job.leadId, err: errorMessage(err) }, 'dead-letter hook failed');
    }
  };

  // Deliveries run at once, batches and attempts jobs together.
  const limit = createLimiter(concurrency);

  /**
   * One attempt, and what follows from it: done, another attempt (after afterMs, or the
   * schedule), or dead (the hook already told when the handler had not recorded it).
   */
  type Next = { kind: 'done' } | { kind: 'retry'; afterMs?: number; error: Error } | { kind: 'dead'; reason: string };
  const attemptOnce = async (handler: DeliveryHandler, job: DeliveryJob, attempt: number, maxAttempts: number): Promise<Next> => {
    let outcome: JobOutcome;
    try {
      outcome = await limit(() => handler(job, attempt, maxAttempts));
    } catch (err) {
      if (attempt < maxAttempts) return { kind: 'retry', error: err instanceof Error ? err : new Error(String(err)) };
      const reason = `gave up after ${attempt} attempts: handler error: ${errorMessage(err)}`;
      await giveUp(handler, job, reason);
      return { kind: 'dead', reason };
    }
    switch (outcome.kind) {
      case 'done':
        return outcome;
      case 'failed':
        return { kind: 'dead', reason: outcome.reason };
      case 'retry': {
        const why = outcome.reason ?? 'retry requested';
        if (attempt < maxAttempts) return { kind: 'retry', afterMs: outcome.afterMs, error: new RetryLater(why, outcome.afterMs) };
        const reason = `gave up after ${attempt} attempts: ${why}`;
        await giveUp(handler, job, reason);
        return { kind: 'dead', reason };
      }
    }
  };

  /**
   * Where the worker adds attempts jobs: a queue on the worker's own connection once it runs. That
   * connection waits out a failover; the queue connection fails fast for intake and, on a Redis
   * Cluster, could keep failing after one (deliveries handed on by a batch were lost so).
   */
  let handOnQueue: Queue<BatchData | AttemptsData> | null = null;
  /** Deliveries go on as attempts jobs, in one addBulk; a deliveryId already there is not added twice. */
  const addAttemptsJobs = async (items: { data: AttemptsData; delay?: number }[]) => {
    if (items.length === 0) return;
    await (handOnQueue ?? queue).addBulk(items.map(({ data, delay }) => ({ name: ATTEMPTS_NAME, data, opts: attemptsOptions(data.job, delay) })));
  };

  const deadLetters = bullmqDeadLetters({
    queue, guard, addAttemptsJobs, giveUp, logger,
    claim: (client, batchId, deliveries) => claimDeliveries(client, keys, batchId, deliveries),
  });

  /** A batch: the first attempt of each delivery it claims; what needs more goes on as attempts jobs. */
  const runBatch = async (handler: DeliveryHandler, client: RedisClient, job: Job<BatchData>) => {
    const mine = await claimDeliveries(client, keys, job.id!, job.data.deliveries);
    if (job.attemptsStarted > 1) {
      // Run before (its router died, or handing on failed): each delivery goes on as a job of its own.
      await addAttemptsJobs(mine.map((d) => ({ data: { job: d, prior: 0 } })));
      return;
    }
    const next: { data: AttemptsData; delay?: number }[] = [];
    await Promise.all(mine.map(async (d) => {
      const n = await attemptOnce(handler, d, 1, attemptsOf(opts, d));
      if (n.kind === 'retry') next.push({ data: { job: d, prior: 1 }, delay: retryDelayMs(1, opts.backoff, n.afterMs) });
      else if (n.kind === 'dead') next.push({ data: { job: d, prior: 1, deadLetter: n.reason } });
    }));
    await addAttemptsJobs(next);
  };

  /** An attempts job: attempt after attempt, BullMQ's retries and backoff between them. */
  const runAttempts = async (handler: DeliveryHandler, job: Job<AttemptsData>) => {
    const data = attemptsData(job.data);
    if (data.deadLetter) throw final(data.deadLetter);
    const maxAttempts = job.opts.attempts ?? 1;
    const n = await attemptOnce(handler, data.job, data.prior + job.attemptsMade + 1, maxAttempts);
    if (n.kind === 'retry') throw n.error;
    if (n.kind === 'dead') throw final(n.reason);
  };

  const processor = (handler: DeliveryHandler, client: RedisClient) => (job: Job<BatchData | AttemptsData>): Promise<void> =>
    isBatch(job.name) ? runBatch(handler, client, job as Job<BatchData>) : runAttempts(handler, job as Job<AttemptsData>);

  // Group commit (see the top of the file). A lead's deliveries never straddle two batches.
  const maxBatch = Math.max(1, opts.maxBatch ?? DEFAULT_MAX_BATCH);
  const replicaWaitMs = replicaWaitMsFor(opts.commandTimeoutMs ?? 2000);
  let pending: PendingEnqueue[] = [];
  let flushScheduled = false;
  const flush = async () => {
    flushScheduled = false;
    const all = pending;
    pending = [];
    if (all.length === 0) return;
    try {
      await guard('enqueue', connected());
      const batches = batchesOf(all.map((p) => p.jobs), maxBatch);
      await guard('enqueue', queue.addBulk(batches.map((deliveries) => ({ name: batchName(deliveries.length), data: { deliveries }, opts: batchOptions }))));
      await guard('enqueue', waitForReplica(queueConnection, `${keys}wait`, replicaWaitMs, 'the enqueue'));
      for (const p of all) p.resolve();
    } catch (err) {
      // A lead that cannot be serialised fails the whole addBulk: refuse it alone, commit the rest.
      const storable = all.filter((p) => serialisable(p));
      if (storable.length === all.length || storable.length === 0) {
        for (const p of all) p.reject(err);
      } else {
        pending.unshift(...storable);
        await flush();
      }
    }
  };
  const serialisable = (p: PendingEnqueue): boolean => {
    try {
      JSON.stringify(p.jobs);
      return true;
    } catch {
      p.reject(new LeadrouteError('BAD_REQUEST', 'the lead cannot be stored: its fields are nested too deeply to serialise'));
      return false;
    }
  };

  return {
    enqueue(jobs) {
      if (jobs.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        pending.push({ jobs, resolve, reject });
        if (!flushScheduled) {
          flushScheduled = true;
          setImmediate(() => void flush());
        }
      });
    },

    start(handler) {
      if (worker) throw new Error('the delivery queue is already started');
      // Job completions (one command each) leave in one write per event-loop turn.
      const client = coalesceWrites(createBullmqConnection(target, 'worker', { onError }));
      workerConnection = client;
      handOnQueue = new Queue<BatchData | AttemptsData>(name, { connection: client, prefix });
      worker = new Worker<BatchData | AttemptsData>(name, processor(handler, client), {
        connection: client,
        prefix,
        concurrency,
        lockDuration: opts.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS,
        stalledInterval: opts.stalledIntervalMs ?? DEFAULT_STALLED_INTERVAL_MS,
        maxStalledCount: opts.maxStalledCount ?? DEFAULT_MAX_STALLED_COUNT,
        settings: {
          backoffStrategy: (attemptsMade, _type, err, job) => {
            const prior = job && !isBatch(job.name) ? attemptsData(job.data).prior : 0;
            return retryDelayMs(prior + attemptsMade, opts.backoff, err instanceof RetryLater ? err.afterMs : undefined);
          },
        },
      });
      worker.on('error', onError);
      worker.on('failed', (job, err) => {
        if (!job || handled.has(err)) return;
        const isFinal = err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
        if (!isFinal) return;
        if (isBatch(job.name)) void deadLetters.splitFailedBatch(handler, client, job as Job<BatchData>, err.message);
        // A job BullMQ failed on its own (stalled too often): let the handler record it.
        else void giveUp(handler, attemptsData(job.data).job, err.message);
      });
      // Batches that failed while no router was there to split them.
      void failedBatches(queue).then(
        (batches) => Promise.all(batches.map((b) => deadLetters.splitFailedBatch(handler, client, b, b.failedReason ?? 'failed'))),
        (err: unknown) => logger?.warn({ err: errorMessage(err) }, 'could not look for failed delivery batches'),
      );
    },

    listFailed: deadLetters.listFailed,
    deadLetter: deadLetters.deadLetter,
    retry: deadLetters.retry,

    async depth() {
      await guard('depth', connected());
      return guard('depth', deliveryDepth(queueConnection, keys));
    },

    async jobCount() {
      await guard('job count', connected());
      // LLEN / ZCARD per state (one script): no walk over the jobs.
      const counts = await guard('job count', queue.getJobCounts('wait', 'paused', 'active', 'prioritized', 'delayed'));
      return Object.values(counts).reduce((sum, n) => sum + n, 0);
    },

    async deadLetterCount() {
      return guard('dead letters', queue.getFailedCount());
    },

    async close() {
      const connections = [workerConnection, queueConnection].filter((c): c is RedisClient => c !== null);
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
      await handOnQueue?.close();
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
