// Delivery metrics, registered on the router's own prom-client Registry (router/observability
// creates it; /metrics exposes it). Queue depth and dead letters are read from the queue at
// scrape time, so every router instance reports the shared BullMQ queue.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { DurableDeliveryQueue } from './queue.ts';

/**
 * delivered / rejected: the partner's answer. retry: a retryable failure with attempts left.
 * failed: a retryable failure on the last attempt. dead-lettered: given up for another reason
 * (no delivery settings, the queue gave up on the job).
 */
export type DeliveryOutcome = 'delivered' | 'rejected' | 'retry' | 'failed' | 'dead-lettered';

export interface DeliveryMetrics {
  /** One attempt (or a give-up without one: channel `none`, no duration). */
  recordAttempt(partner: string, channel: string, outcome: DeliveryOutcome, seconds?: number): void;
}

/**
 * `queue`: also the queue gauges (depth, dead letters), read from it at scrape time.
 * `attempts: false`: without the attempt counter and histogram (registered by the delivery thread
 * on its own registry when delivery runs there).
 */
export function createDeliveryMetrics(
  registry: Registry,
  opts: { queue?: Pick<DurableDeliveryQueue, 'depth' | 'jobCount' | 'deadLetterCount'>; attempts?: boolean } = {},
): DeliveryMetrics {
  const registers = [registry];
  const { queue } = opts;
  if (queue) registerQueueGauges(registry, queue);
  if (opts.attempts === false) return { recordAttempt() {} };
  const deliveries = new Counter({
    name: 'deliveries_total',
    help: 'Delivery attempts by partner, channel and outcome (delivered | rejected | retry | failed | dead-lettered)',
    labelNames: ['partner', 'channel', 'outcome'] as const,
    registers,
  });
  const latency = new Histogram({
    name: 'delivery_attempt_seconds',
    help: 'Duration of one delivery attempt, by partner and channel',
    labelNames: ['partner', 'channel'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  return {
    recordAttempt(partner, channel, outcome, seconds) {
      deliveries.inc({ partner, channel, outcome });
      if (seconds !== undefined) latency.observe({ partner, channel }, seconds);
    },
  };
}

function registerQueueGauges(registry: Registry, queue: Pick<DurableDeliveryQueue, 'depth' | 'jobCount' | 'deadLetterCount'>): void {
  const registers = [registry];
  // Every scrape reads these, and /metrics may be public: O(1) counts, never a walk over the jobs.
  const depth = () => (queue.jobCount ? queue.jobCount() : queue.depth());
  // A scrape while Redis is down keeps the last value rather than failing all of /metrics.
  new Gauge({
    name: 'delivery_queue_depth',
    help: 'Delivery jobs waiting, delayed for a retry, or running (a batch of first attempts, the leads of one event-loop turn, counts once)',
    registers,
    async collect() {
      try {
        this.set(await depth());
      } catch {
        /* keep the last value */
      }
    },
  });
  new Gauge({
    name: 'dead_letters',
    help: 'Deliveries that failed for good and wait in the dead-letter list',
    registers,
    async collect() {
      try {
        this.set(await queue.deadLetterCount());
      } catch {
        /* keep the last value */
      }
    },
  });
}
