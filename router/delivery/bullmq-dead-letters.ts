// Dead letters on BullMQ (queue-bullmq.ts): listed, looked up and retried by delivery id.
// A delivery given up is a failed attempts job (id = its deliveryId). A batch BullMQ failed
// outright (stalled more often than allowed, or its processor kept failing: Redis refusing the
// claim or the hand-on) is split into a job per delivery when the failure is seen, and by every
// router as it starts (for failures nobody saw). When even that fails, its deliveries stay in the
// failed batch and are still dead letters like any other: the handler is told of each (their
// routes are recorded dead-lettered), the list shows each, and a retry takes one out of the batch
// into a job of its own.

import type { Job, Queue } from 'bullmq';
import type { RedisClient } from '../redis.ts';
import type { Logger } from 'pino';
import { attemptsData, attemptsMadeOf, isBatch, type AttemptsData, type BatchData } from './bullmq-batches.ts';
import { errorMessage, failedDelivery, type DeliveryHandler, type DurableDeliveryQueue } from './queue.ts';
import type { DeliveryJob } from './types.ts';

/** Failed jobs read per page when looking through the failed set. */
const PAGE = 500;

type AnyQueue = Queue<BatchData | AttemptsData>;

/** Every failed batch job. */
export async function failedBatches(queue: AnyQueue): Promise<Job<BatchData>[]> {
  const out: Job<BatchData>[] = [];
  for (let start = 0; ; start += PAGE) {
    const jobs = await queue.getFailed(start, start + PAGE - 1);
    for (const j of jobs) if (j && isBatch(j.name)) out.push(j as Job<BatchData>);
    if (jobs.length < PAGE) return out;
  }
}

/** The failed batch holding `deliveryId`, and that delivery; null when no failed batch holds it. */
async function findInFailedBatches(queue: AnyQueue, deliveryId: string): Promise<{ batch: Job<BatchData>; delivery: DeliveryJob } | null> {
  for (const batch of await failedBatches(queue)) {
    const delivery = batch.data.deliveries.find((d) => d.deliveryId === deliveryId);
    if (delivery) return { batch, delivery };
  }
  return null;
}

/** Take one delivery out of a failed batch (a retry gave it a job of its own); an emptied batch goes. */
async function takeFromFailedBatch(batch: Job<BatchData>, deliveryId: string): Promise<void> {
  const rest = batch.data.deliveries.filter((d) => d.deliveryId !== deliveryId);
  if (rest.length === 0) await batch.remove();
  else await batch.updateData({ deliveries: rest });
}

/** The reason listed for a delivery left in a failed batch. */
const batchFailureReason = (failedReason: string | undefined) =>
  `its delivery batch failed and could not be handed on: ${failedReason || 'unknown reason'}`;

export interface BullmqDeadLetterDeps {
  queue: AnyQueue;
  /** Turns a Redis failure into UNAVAILABLE. */
  guard: <T>(what: string, p: Promise<T>) => Promise<T>;
  /** Deliveries on as attempts jobs, in one addBulk (a deliveryId already there is not added twice). */
  addAttemptsJobs: (items: { data: AttemptsData; delay?: number }[]) => Promise<void>;
  /** The deliveries of a batch it may run (claimDeliveries). */
  claim(client: RedisClient, batchId: string, deliveries: readonly DeliveryJob[]): Promise<DeliveryJob[]>;
  /** Tell the handler a delivery was given up (never throws). */
  giveUp(handler: DeliveryHandler, job: DeliveryJob, reason: string): Promise<void>;
  logger?: Pick<Logger, 'error'>;
}

export function bullmqDeadLetters(deps: BullmqDeadLetterDeps): Pick<DurableDeliveryQueue, 'listFailed' | 'deadLetter' | 'retry'> & {
  splitFailedBatch(handler: DeliveryHandler, client: RedisClient, job: Job<BatchData>, reason: string): Promise<void>;
} {
  const { queue, guard, addAttemptsJobs } = deps;
  return {
    async listFailed(limit = 100) {
      if (limit <= 0) return [];
      const jobs = await guard('list dead letters', queue.getFailed(0, limit - 1));
      return jobs.filter((j) => j).flatMap((j) => {
        const at = j.finishedOn ?? j.timestamp;
        // A batch that could not be handed on: each of its deliveries is a dead letter.
        if (isBatch(j.name)) return (j.data as BatchData).deliveries.map((d) => failedDelivery(d, 0, batchFailureReason(j.failedReason), at));
        const data = attemptsData(j.data);
        return [failedDelivery(data.job, attemptsMadeOf(data, j.attemptsMade), j.failedReason ?? '', at)];
      }).slice(0, limit);
    },

    async deadLetter(deliveryId) {
      const job = await guard('dead letters', queue.getJob(deliveryId));
      if (job) return !isBatch(job.name) && (await guard('dead letters', job.isFailed())) ? attemptsData(job.data).job : null;
      return (await guard('dead letters', findInFailedBatches(queue, deliveryId)))?.delivery ?? null;
    },

    async retry(deliveryId, replacement) {
      const job = await guard('retry', queue.getJob(deliveryId));
      if (!job) {
        // A delivery left in a failed batch: a job of its own, then out of the batch.
        const found = await guard('retry', findInFailedBatches(queue, deliveryId));
        if (!found) return false;
        await guard('retry', addAttemptsJobs([{ data: { job: replacement ?? found.delivery, prior: 0 } }]));
        await guard('retry', takeFromFailedBatch(found.batch, deliveryId));
        return true;
      }
      if (isBatch(job.name) || !(await guard('retry', job.isFailed()))) return false;
      try {
        // A fresh set of attempts: none made before this job, and no dead-letter mark.
        await (job as Job<AttemptsData>).updateData({ job: replacement ?? attemptsData(job.data).job, prior: 0 });
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        return true;
      } catch {
        return false; // someone else retried it first
      }
    },

    /**
     * A batch BullMQ failed before it could hand its deliveries on: each goes on as a job of its own.
     * When that cannot be done, its deliveries are dead letters where they are (listed from the
     * batch, retryable one by one), and the handler records each on its lead.
     */
    async splitFailedBatch(handler, client, job, reason) {
      let handedOn = false;
      try {
        const mine = await deps.claim(client, job.id!, job.data.deliveries);
        await addAttemptsJobs(mine.map((d) => ({ data: { job: d, prior: 0 } })));
        handedOn = true;
        await job.remove();
      } catch (e) {
        if (handedOn) return; // handed on; only its removal failed (another router split it too)
        deps.logger?.error({ batch: job.id, reason, err: errorMessage(e) }, 'a failed delivery batch could not be handed on: its deliveries are dead letters');
        for (const d of job.data.deliveries) await deps.giveUp(handler, d, batchFailureReason(reason));
      }
    },
  };
}
