// The delivery side, built from the router's environment: the queue (in memory, or BullMQ on
// Redis), the channel (webhook and email, with SMTP_URL / SMTP_FROM / OUTBOX_DIR), the delivery
// handler with its waterfall, and the delivery metrics. The one wiring of delivery: the main
// thread (router/runtime.ts) and the delivery thread (thread-entry.ts) both build it here, so a
// setting read on one side can never be missed on the other.
//
// Roles:
//   all       one thread takes leads and delivers them (embedded mode, or no delivery thread);
//   intake    the main thread while the delivery thread delivers: the queue for enqueue and the
//             dead-letter admin, and the queue gauges; it never runs jobs;
//   delivery  the delivery thread: runs the jobs, counts the attempts.
// With Redis and FIELD_ENCRYPTION_KEY, encrypted lead fields are sealed on their way into the
// queue and opened only by the channel (sealed.ts).

import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { CapStore } from '../caps/types.ts';
import type { RouterEnv } from '../env.ts';
import { createFieldCipher } from '../field-crypto.ts';
import type { LeadStore } from '../leads/store.ts';
import { redisTargetOf } from '../redis.ts';
import { nextOffer } from '../routing/ping-post.ts';
import type { Snapshot } from '../routing/snapshot.ts';
import { createDeliveryChannel } from './channels/index.ts';
import { createDeliveryMetrics } from './metrics.ts';
import { createBullmqDeliveryQueue } from './queue-bullmq.ts';
import { createMemoryDeliveryQueue } from './queue-memory.ts';
import { DEFAULT_ATTEMPTS, type DurableDeliveryQueue, type QueueOptions } from './queue.ts';
import { queuePrefixFor, resolveDelivery } from './resolve.ts';
import { openingChannel, sealingQueue } from './sealed.ts';
import type { Channel } from './types.ts';
import { createDeliveryHandler } from './worker.ts';

export type DeliveryRole = 'all' | 'intake' | 'delivery';

export interface DeliverySideOptions {
  role: DeliveryRole;
  env: RouterEnv;
  /** The raw environment, where `${NAME}` references left in delivery settings are resolved. */
  vars: NodeJS.ProcessEnv;
  /** The config being served now. */
  current: () => Snapshot | undefined;
  caps: CapStore;
  leads: LeadStore;
  logger: Logger;
  /** Where the delivery metrics are registered. */
  registry: Registry;
  newId: () => string;
  /** Jobs run at once (default: the queue's). */
  concurrency?: number;
}

export interface DeliverySide {
  /** Where deliveries are enqueued (sealing encrypted fields when they go to Redis). */
  queue: DurableDeliveryQueue;
  /** Start running jobs (roles `all` and `delivery`; once). */
  start(): void;
  /** The queue (the worker finishes the deliveries in flight first), then the channel. */
  close(): Promise<void>;
}

export function createDeliverySide(opts: DeliverySideOptions): DeliverySide {
  const { env, current, caps, leads, logger } = opts;
  const queueOpts: QueueOptions = {
    attemptsFor: (job) => resolveDelivery(current(), job)?.attempts ?? DEFAULT_ATTEMPTS,
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
  };
  const redis = redisTargetOf(env);
  const raw = redis
    ? createBullmqDeliveryQueue({
      ...queueOpts, redis, prefix: queuePrefixFor(env.redisPrefix),
      commandTimeoutMs: env.redisCommandTimeoutMs, logger,
    })
    : createMemoryDeliveryQueue({ ...queueOpts, logger });
  // Embedded, jobs live in this process's memory only: nothing to seal.
  const cipher = redis && env.fieldEncryptionKey
    ? createFieldCipher(env.fieldEncryptionKey, env.fieldEncryptionKeyPrevious)
    : undefined;
  const queue = cipher
    ? sealingQueue(raw, cipher, (entity) => current()?.entity(entity)?.encryptedPaths ?? [])
    : raw;

  const metrics = createDeliveryMetrics(opts.registry, {
    ...(opts.role !== 'delivery' ? { queue } : {}),
    attempts: opts.role !== 'intake',
  });

  let channel: Channel | undefined;
  return {
    queue,

    start() {
      if (opts.role === 'intake') throw new Error('the intake side does not run deliveries');
      const plain = createDeliveryChannel({ smtpUrl: env.smtpUrl, from: env.smtpFrom, outboxDir: env.outboxDir, env: opts.vars });
      channel = cipher ? openingChannel(plain, cipher) : plain;
      queue.start(createDeliveryHandler({
        channel, leads, caps, queue, logger, metrics,
        resolveDelivery: (job) => resolveDelivery(current(), job),
        async waterfall(job) {
          const snap = current();
          if (!snap) return null;
          return nextOffer(snap, job, { caps, now: new Date(), capPrefix: env.redisPrefix, newId: opts.newId });
        },
      }));
    },

    async close() {
      await queue.close().catch((err) => logger.warn({ err }, 'closing the delivery queue failed'));
      await channel?.close().catch(() => undefined);
    },
  };
}
