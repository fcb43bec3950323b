// The durable side of the DeliveryQueue contract (types.ts): a queue that also runs the jobs,
// retries them on a schedule and keeps the ones that failed for good as dead letters.
// Two implementations pass one contract suite (queue-contract.ts): queue-memory.ts (embedded,
// one process, jobs lost with it) and queue-bullmq.ts (Redis: survives restarts and crashes).

import type { BackoffOptions } from './backoff.ts';
import type { DeliveryJob, DeliveryQueue } from './types.ts';

/** What the handler decided about one attempt. */
export type JobOutcome =
  /** Finished: delivered, or rejected and dealt with (waterfall). The job is removed. */
  | { kind: 'done' }
  /** Try again later: after `afterMs` (a partner's Retry-After) or else the backoff schedule. */
  | { kind: 'retry'; afterMs?: number; reason?: string }
  /** Give up: the job goes to the dead-letter list (the handler has recorded why). */
  | { kind: 'failed'; reason: string };

export interface DeliveryHandler {
  /**
   * Run one attempt. `attempt` counts from 1; `maxAttempts` is what the queue allows this job
   * (a handler returning `retry` on the last one gets it dead-lettered through onDeadLetter).
   * Throwing counts as a failed attempt, retried on the same schedule.
   */
  (job: DeliveryJob, attempt: number, maxAttempts: number): Promise<JobOutcome>;
  /**
   * Called when the queue gives a job up without the handler having said `failed`: it kept
   * throwing, asked for a retry with no attempts left, or (BullMQ) stalled too often.
   */
  onDeadLetter?(job: DeliveryJob, reason: string): Promise<void>;
}

/** A dead letter, as listed to admins: ids only, never the lead's fields. */
export interface FailedDelivery {
  deliveryId: string;
  leadId: string;
  entity: string;
  profile: string;
  partner: string;
  test: boolean;
  /** Attempts made before giving up. */
  attempts: number;
  reason: string;
  /** ISO time it failed. */
  failedAt: string;
}

export interface DurableDeliveryQueue extends DeliveryQueue {
  /**
   * Back-pressure, asked before a lead is routed: true when the queue can take more now (at once,
   * without a promise, in the common case), false when delivery is too far behind (the lead is
   * refused with 503). Absent: the queue never refuses.
   */
  admit?(): boolean | Promise<boolean>;
  /** Start running jobs (jobs enqueued before wait until then). Call once. */
  start(handler: DeliveryHandler): void;
  /** Dead letters, newest first (default 100). */
  listFailed(limit?: number): Promise<FailedDelivery[]>;
  /** The job of a dead letter, as it was enqueued; null when `deliveryId` is not a dead letter. */
  deadLetter(deliveryId: string): Promise<DeliveryJob | null>;
  /**
   * Send a dead letter again with a fresh set of attempts, as `job` when given (the same delivery
   * with a new reservation). False when it is not a dead letter. This is the queue's part only:
   * an admin re-send goes through router/delivery/dead-letters.ts, which reopens the route first.
   */
  retry(deliveryId: string, job?: DeliveryJob): Promise<boolean>;
  /** Jobs waiting, delayed for a retry, or running. */
  depth(): Promise<number>;
  /**
   * Jobs waiting, delayed or running, read in O(1) whatever the backlog (what /metrics reports):
   * a batch job (the first attempts of the leads of one turn) counts once. Absent: depth().
   */
  jobCount?(): Promise<number>;
  /** Number of dead letters. */
  deadLetterCount(): Promise<number>;
}

export const DEFAULT_ATTEMPTS = 8;
/**
 * Deliveries in flight at once. Each waits on its partner and on the event loop it shares with
 * intake (embedded) or with the other deliveries, so under load a low bound, not the CPU, caps
 * the delivery rate: with 32, a saturated embedded router delivered about a quarter of what it
 * took in, and its back-pressure held leads at the door for hundreds of milliseconds.
 */
export const DEFAULT_CONCURRENCY = 128;
/** Completed jobs kept so that a duplicate deliveryId arriving just after is still ignored. */
export const DEFAULT_KEEP_COMPLETED = 100;
/** Dead letters are kept as long as lead records (30 days). */
export const DEFAULT_KEEP_FAILED_MS = 30 * 86_400_000;

export interface QueueOptions {
  /** Attempts for a job, from its partner's `delivery.attempts` (default 8). */
  attemptsFor?: (job: DeliveryJob) => number;
  backoff?: BackoffOptions;
  /** Jobs run at the same time (default 32). */
  concurrency?: number;
  keepCompleted?: number;
  keepFailedMs?: number;
}

export function attemptsOf(opts: QueueOptions, job: DeliveryJob): number {
  const n = opts.attemptsFor?.(job) ?? DEFAULT_ATTEMPTS;
  return Number.isFinite(n) && n >= 1 ? Math.floor(n) : DEFAULT_ATTEMPTS;
}

export function failedDelivery(job: DeliveryJob, attempts: number, reason: string, failedAt: number): FailedDelivery {
  return {
    deliveryId: job.deliveryId, leadId: job.leadId, entity: job.entity, profile: job.profile, partner: job.partner,
    test: job.test, attempts, reason, failedAt: new Date(failedAt).toISOString(),
  };
}

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
