import type { Delivery } from '../config/types.ts';
import type { DeliveryJob } from '../delivery-job.ts';

// The job lives in router/delivery-job.ts (routing makes jobs too); the delivery side takes it from here.
export type { DeliveryJob };

/** The result of one attempt on one channel. */
export interface AttemptResult {
  outcome: 'accepted' | 'rejected' | 'retryable';
  channel: 'webhook' | 'email';
  durationMs: number;
  statusCode?: number;
  smtpReply?: string;
  error?: string;
  /** From Retry-After, when the partner sent one. */
  retryAfterMs?: number;
}

/** A delivery channel: sends one job with the resolved delivery settings. Never throws. */
export interface Channel {
  send(job: DeliveryJob, delivery: Delivery, attempt: number): Promise<AttemptResult>;
  close(): Promise<void>;
}

export interface DeliveryQueue {
  /** Resolves only once every job is durably recorded (duplicates by deliveryId are ignored). */
  enqueue(jobs: readonly DeliveryJob[]): Promise<void>;
  close(): Promise<void>;
}
