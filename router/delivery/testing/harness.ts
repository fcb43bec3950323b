// Wiring for the delivery worker tests: real stores, a real partner over HTTP, a real queue, and
// a small first-match waterfall over a fixed partner order that reserves caps like routing does.
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { capCounters } from '../../caps/windows.ts';
import { createMemoryCapStore } from '../../caps/memory.ts';
import { createRedisCapStore } from '../../caps/redis.ts';
import type { CapStore } from '../../caps/types.ts';
import { createMemoryLeadStore } from '../../leads/memory-store.ts';
import { createRedisLeadStore } from '../../leads/redis-store.ts';
import type { LeadStore } from '../../leads/store.ts';
import type { LeadRecord, RouteRecord } from '../../leads/types.ts';
import { createDeadLetterAdmin, type DeadLetterAdmin } from '../dead-letters.ts';
import { createDeliveryMetrics } from '../metrics.ts';
import { createBullmqDeliveryQueue } from '../queue-bullmq.ts';
import { createMemoryDeliveryQueue } from '../queue-memory.ts';
import type { DurableDeliveryQueue, QueueOptions } from '../queue.ts';
import type { DeliveryJob } from '../types.ts';
import { createDeliveryHandler, type ResolvedDelivery } from '../worker.ts';
import { createTestHttpChannel } from './http-channel.ts';
import { startPartnerServer, type PartnerAnswer, type PartnerRequest, type PartnerServer } from './partner-server.ts';

export const REDIS_URL = process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379';
export const SECRET_SSN = '987-65-4320';

export type Backend = 'memory' | 'redis';

export interface HarnessOptions {
  backend: Backend;
  /** The partners' answers, per request. */
  answer?: (req: PartnerRequest, nth: number) => PartnerAnswer;
  /** First-match order for the waterfall (default acme, northwind). */
  partners?: string[];
  /** Attempts per partner (default 3). */
  attempts?: (partner: string) => number;
  /** Partners with no delivery settings (removed from the config). */
  unresolved?: string[];
  /** The lead store's commit window (default 10 s). */
  commitWindowMs?: number;
}

export interface Harness {
  prefix: string;
  partner: PartnerServer;
  leads: LeadStore;
  caps: CapStore;
  queue: DurableDeliveryQueue;
  registry: Registry;
  logLines: string[];
  waterfallCalls: DeliveryJob[];
  /** The admin's dead-letter list and re-send, reserving caps like the harness's routing. */
  admin: DeadLetterAdmin;
  /** Record and enqueue a lead routed to `partner` (a cap reserved unless a test lead). */
  /** `uncommitted`: saved as intake saves it before its commit, and left so (its intake died, or is about to commit). */
  sendLead(partner: string, opts?: { test?: boolean; extraRoutes?: RouteRecord[]; uncommitted?: boolean }): Promise<DeliveryJob>;
  capUsed(partner: string): Promise<number>;
  record(leadId: string): Promise<LeadRecord>;
  /** Wait until the lead's state is delivered, rejected or dead-lettered. */
  settled(leadId: string): Promise<LeadRecord>;
  close(): Promise<void>;
}

const FINAL = new Set(['delivered', 'rejected', 'dead-lettered']);

export async function createHarness(o: HarnessOptions): Promise<Harness> {
  const prefix = `test:${randomUUID()}`;
  const partner = await startPartnerServer(o.answer);
  const redis = o.backend === 'redis' ? new Redis(REDIS_URL, { maxRetriesPerRequest: 1 }) : null;
  const leads = redis ? createRedisLeadStore(redis, { prefix: `${prefix}:`, commitWindowMs: o.commitWindowMs }) : createMemoryLeadStore({ commitWindowMs: o.commitWindowMs });
  const caps = redis ? createRedisCapStore(redis, { prefix: `${prefix}:` }) : createMemoryCapStore();
  const attempts = o.attempts ?? (() => 3);
  const queueOpts: QueueOptions = { attemptsFor: (j) => attempts(j.partner), backoff: { scheduleMs: [10, 20, 40], jitter: 0 } };
  const queue = o.backend === 'redis'
    ? createBullmqDeliveryQueue({ ...queueOpts, redisUrl: REDIS_URL, prefix })
    : createMemoryDeliveryQueue(queueOpts);
  const registry = new Registry();
  const metrics = createDeliveryMetrics(registry, { queue });
  const logLines: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({
    write(chunk, _enc, cb) {
      logLines.push(String(chunk));
      cb();
    },
  }));
  const order = o.partners ?? ['acme', 'northwind'];
  const now = new Date();
  const counters = (p: string) => capCounters({ prefix: `${prefix}:`, partner: p, scope: 'partner', caps: { day: 100 }, timezone: 'UTC', now });

  const reserve = async (job: DeliveryJob) => {
    if (job.test) return job;
    const r = await caps.reserve(job.deliveryId, counters(job.partner));
    if (!r.ok) throw new Error(`cap full for ${job.partner}`);
    return { ...job, reservationId: job.deliveryId };
  };

  const waterfallCalls: DeliveryJob[] = [];
  const handler = createDeliveryHandler({
    channel: createTestHttpChannel(),
    leads,
    caps,
    queue,
    logger,
    metrics,
    resolveDelivery(job): ResolvedDelivery | null {
      if (o.unresolved?.includes(job.partner)) return null;
      return { delivery: { webhook: { url: `${partner.url}/${job.partner}` } }, attempts: attempts(job.partner) };
    },
    async waterfall(job) {
      waterfallCalls.push(job);
      const tried = [...job.tried, job.partner];
      const next = order.find((p) => !tried.includes(p));
      if (!next) return null;
      return reserve({ ...job, partner: next, deliveryId: randomUUID(), reservationId: undefined, tried });
    },
  });
  queue.start(handler);
  const admin = createDeadLetterAdmin({
    queue, leads, caps,
    async reserve(job) {
      const reservationId = randomUUID();
      const r = await caps.reserve(reservationId, counters(job.partner));
      return r.ok ? { ok: true, reservationId } : r;
    },
  });

  const record = async (leadId: string) => {
    const r = await leads.get(leadId);
    if (!r) throw new Error(`no record for ${leadId}`);
    return r;
  };

  return {
    prefix, partner, leads, caps, queue, registry, logLines, waterfallCalls, admin, record,
    async sendLead(p, opts = {}) {
      const leadId = randomUUID();
      const job = await reserve({
        deliveryId: randomUUID(), leadId, entity: 'mortgage', profile: 'residential-east', partner: p, priority: 10,
        price: 12, test: opts.test ?? false, receivedAt: now.toISOString(),
        lead: { email: 'lead@example.com', ssn: SECRET_SSN }, tried: [],
      });
      await leads.save({
        leadId, entity: 'mortgage', receivedAt: job.receivedAt, test: job.test, status: 'routed', state: 'pending',
        routes: [{ profile: job.profile, partner: p, deliveryId: job.deliveryId, status: 'queued', price: 12 }, ...(opts.extraRoutes ?? [])],
        attempts: [], trace: [],
      }, opts.uncommitted ? { uncommitted: {} } : undefined);
      await queue.enqueue([job]);
      return job;
    },
    async capUsed(p) {
      const [used] = await caps.peek([counters(p)[0].key]);
      return used;
    },
    async settled(leadId) {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const r = await leads.get(leadId);
        if (r && FINAL.has(r.state)) return r;
        if (Date.now() > deadline) throw new Error(`lead ${leadId} did not settle: ${JSON.stringify(r?.state)}`);
        await new Promise((res) => setTimeout(res, 20));
      }
    },
    async close() {
      await queue.close();
      await partner.close();
      await leads.close();
      await caps.close();
      if (redis) {
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length) await redis.del(...keys);
        await redis.quit();
      }
    },
  };
}
