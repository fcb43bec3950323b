// A router's delivery side in its own process, for the crash test: it takes jobs from the BullMQ
// queue under QUEUE_PREFIX and delivers them to PARTNER_URL/<partner>, until the test kills it.
// Env: REDIS_URL, QUEUE_PREFIX, PARTNER_URL, LOCK_MS, STALLED_MS (every instance must use the
// same stalled interval: the first to check holds the check for that long), MAX_STALLED.
import { Redis } from 'ioredis';
import { createRedisCapStore } from '../../caps/redis.ts';
import { createRedisLeadStore } from '../../leads/redis-store.ts';
import { createBullmqDeliveryQueue } from '../queue-bullmq.ts';
import { createDeliveryHandler } from '../worker.ts';
import { createTestHttpChannel } from './http-channel.ts';

const { REDIS_URL = 'redis://127.0.0.1:6379', QUEUE_PREFIX = '', PARTNER_URL = '', LOCK_MS = '1000', STALLED_MS = '250', MAX_STALLED } = process.env;
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
const queue = createBullmqDeliveryQueue({ redisUrl: REDIS_URL, prefix: QUEUE_PREFIX, lockDurationMs: Number(LOCK_MS), stalledIntervalMs: Number(STALLED_MS),
  ...(MAX_STALLED ? { maxStalledCount: Number(MAX_STALLED) } : {}),
});
queue.start(createDeliveryHandler({
  channel: createTestHttpChannel(),
  leads: createRedisLeadStore(redis, { prefix: `${QUEUE_PREFIX}:` }),
  caps: createRedisCapStore(redis, { prefix: `${QUEUE_PREFIX}:` }),
  queue,
  resolveDelivery: (job) => ({ delivery: { webhook: { url: `${PARTNER_URL}/${job.partner}` } }, attempts: 3 }),
  waterfall: async () => null,
}));
process.stdout.write('ready\n');
