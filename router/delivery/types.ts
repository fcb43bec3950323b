import type { Delivery } from '../config/types.ts';

/** One lead going to one partner through one profile. Retries keep the same deliveryId. */
export interface DeliveryJob {
  deliveryId: string;
  leadId: string;
  entity: string;
  profile: string;
  partner: string;
  priority: number;
  price?: number;
  reservationId?: string;
  test: boolean;
  receivedAt: string;
  /** The lead's fields, encrypted ones included (they are delivered, never logged). */
  lead: Record<string, unknown>;
  /** Partners of this profile already tried (for the waterfall). */
  tried: string[];
}

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
