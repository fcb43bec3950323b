// Batches BullMQ failed outright (bullmq-batches.ts): stalled more often than allowed, or their
// processor kept failing (Redis refusing the claim or the hand-on). Such a batch is split into a
// job per delivery when the failure is seen (and by every router as it starts, for failures nobody
// saw). When even that fails, its deliveries stay in the failed batch, and are still dead letters
// like any other: the handler is told of each (their routes are recorded dead-lettered), the
// dead-letter list shows each, and a retry takes one out of the batch into a job of its own.

import type { Job, Queue } from 'bullmq';
import { isBatch, type AttemptsData, type BatchData } from './bullmq-batches.ts';
import type { DeliveryJob } from './types.ts';

/** Failed jobs read per page when looking through the failed set. */
const PAGE = 500;

type AnyQueue = Queue<BatchData | AttemptsData>;

/** Every failed batch job, oldest pages last (the failed set is newest first). */
export async function failedBatches(queue: AnyQueue): Promise<Job<BatchData>[]> {
  const out: Job<BatchData>[] = [];
  for (let start = 0; ; start += PAGE) {
    const jobs = await queue.getFailed(start, start + PAGE - 1);
    for (const j of jobs) if (j && isBatch(j.name)) out.push(j as Job<BatchData>);
    if (jobs.length < PAGE) return out;
  }
}

/** The failed batch holding `deliveryId`, and that delivery; null when no failed batch holds it. */
export async function findInFailedBatches(queue: AnyQueue, deliveryId: string): Promise<{ batch: Job<BatchData>; delivery: DeliveryJob } | null> {
  for (const batch of await failedBatches(queue)) {
    const delivery = batch.data.deliveries.find((d) => d.deliveryId === deliveryId);
    if (delivery) return { batch, delivery };
  }
  return null;
}

/** Take one delivery out of a failed batch (a retry gave it a job of its own); an emptied batch goes. */
export async function takeFromFailedBatch(batch: Job<BatchData>, deliveryId: string): Promise<void> {
  const rest = batch.data.deliveries.filter((d) => d.deliveryId !== deliveryId);
  if (rest.length === 0) await batch.remove();
  else await batch.updateData({ deliveries: rest });
}

/** The reason listed for a delivery left in a failed batch. */
export const batchFailureReason = (failedReason: string | undefined) =>
  `its delivery batch failed and could not be handed on: ${failedReason || 'unknown reason'}`;
