// Baseline (b): the durable pipeline a team would write by hand. Hono takes the lead, one Lua
// script checks and counts the cap in Redis, BullMQ `queue.add` records the job, and a BullMQ
// Worker in the same process posts each lead to the partner (the sink) with undici.
// Env: REDIS_URL, BENCH_PREFIX (key prefix, own per run), SINK_URL.
import { serve } from '@hono/node-server';
import { Queue, Worker } from 'bullmq';
import { Hono } from 'hono';
import { Redis } from 'ioredis';
import { request } from 'undici';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = process.env.BENCH_PREFIX ?? 'bench:naive:';
const sinkUrl = process.env.SINK_URL!;

const CAP_SCRIPT = `
local used = redis.call('INCR', KEYS[1])
if used == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if used > tonumber(ARGV[1]) then
  redis.call('DECR', KEYS[1])
  return 0
end
return 1`;

const redis = new Redis(redisUrl);
redis.defineCommand('capCheck', { numberOfKeys: 1, lua: CAP_SCRIPT });
const capCheck = (key: string, limit: number, ttlMs: number) =>
  (redis as unknown as { capCheck(k: string, l: number, t: number): Promise<number> }).capCheck(key, limit, ttlMs);

// BullMQ wants its own connections (the worker blocks on one).
const queueConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
const workerConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
const queue = new Queue('deliveries', { connection: queueConnection, prefix: `${prefix}bull` });
const worker = new Worker(
  'deliveries',
  async (job) => {
    const res = await request(sinkUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': String(job.id) },
      body: JSON.stringify(job.data.lead),
    });
    await res.body.dump();
    if (res.statusCode >= 300) throw new Error(`partner answered ${res.statusCode}`);
  },
  { connection: workerConnection, prefix: `${prefix}bull`, concurrency: 50 },
);
worker.on('error', () => {});

const app = new Hono();
app.post('/v1/leads/:entity', async (c) => {
  const lead = await c.req.json<Record<string, unknown>>();
  if (typeof lead !== 'object' || lead === null) return c.json({ error: 'not an object' }, 400);
  const day = new Date().toISOString().slice(0, 10);
  if (!(await capCheck(`${prefix}cap:{sink}:day:${day}`, 1_000_000_000, 86_400_000))) {
    return c.json({ leadId: null, status: 'unmatched', routes: [] }, 202);
  }
  const job = await queue.add('deliver', { lead }, { attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true, removeOnFail: 1000 });
  return c.json({ leadId: job.id, status: 'routed', routes: [{ profile: 'all', partner: 'sink', status: 'queued' }] }, 202);
});
app.get('/healthz', (c) => c.text('ok'));

await worker.waitUntilReady();
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => process.send?.({ port: info.port }));

async function shutdown() {
  server.close();
  await worker.close();
  await queue.close();
  await Promise.all([redis.quit(), queueConnection.quit(), workerConnection.quit()]);
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('disconnect', () => void shutdown());
