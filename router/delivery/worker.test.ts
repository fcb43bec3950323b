import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, REDIS_URL, SECRET_SSN, type Backend, type Harness, type HarnessOptions } from './testing/harness.ts';
import { waitFor } from './testing/wait.ts';
import { createMemoryCapStore } from '../caps/memory.ts';
import { createMemoryLeadStore } from '../leads/memory-store.ts';
import { sampleRecord } from '../leads/store-contract.ts';
import type { LeadStore } from '../leads/store.ts';
import { createTestHttpChannel } from './testing/http-channel.ts';
import { startPartnerServer, type PartnerServer } from './testing/partner-server.ts';
import type { DeliveryJob } from './types.ts';
import { createDeliveryHandler } from './worker.ts';

describe.each<Backend>(['memory', 'redis'])('delivery worker (%s stores and queue)', (backend) => {
  let h: Harness | undefined;
  const open = async (o: Omit<HarnessOptions, 'backend'> = {}) => (h = await createHarness({ backend, ...o }));
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('delivers on the first try and records the attempt', async () => {
    const h = await open();
    const job = await h.sendLead('acme');
    const rec = await h.settled(job.leadId);
    expect(rec.state).toBe('delivered');
    expect(rec.routes).toEqual([{ profile: 'residential-east', partner: 'acme', deliveryId: job.deliveryId, status: 'delivered', price: 12 }]);
    expect(rec.attempts).toEqual([{
      deliveryId: job.deliveryId, profile: 'residential-east', partner: 'acme', channel: 'webhook', attempt: 1,
      at: expect.any(String), durationMs: expect.any(Number), outcome: 'accepted', statusCode: 200,
    }]);
    expect(h.partner.requests).toHaveLength(1);
    expect(h.partner.requests[0].webhookId).toBe(job.deliveryId);
    expect(h.partner.requests[0].body.lead).toEqual({ email: 'lead@example.com', ssn: SECRET_SSN });
    expect(await h.capUsed('acme')).toBe(1); // delivered: the reservation stands
    expect(h.waterfallCalls).toEqual([]);
  });

  it('retries after a 503, keeping the reservation, then delivers', async () => {
    const h = await open({ answer: (_r, nth) => (nth === 1 ? { status: 503 } : { status: 200 }) });
    const job = await h.sendLead('acme');
    const rec = await h.settled(job.leadId);
    expect(rec.state).toBe('delivered');
    expect(rec.attempts.map((a) => [a.attempt, a.outcome, a.statusCode])).toEqual([[1, 'retryable', 503], [2, 'accepted', 200]]);
    expect(h.partner.requests.map((r) => r.webhookId)).toEqual([job.deliveryId, job.deliveryId]);
    expect(await h.capUsed('acme')).toBe(1);
  });

  it('on a rejection releases the cap and waterfalls to the next partner, who gets the lead', async () => {
    const h = await open({ answer: (r) => (r.partner === 'acme' ? { status: 400 } : { status: 202 }) });
    const job = await h.sendLead('acme');
    expect(await h.capUsed('acme')).toBe(1);
    const rec = await h.settled(job.leadId);
    expect(rec.state).toBe('delivered');
    expect(rec.routes.map((r) => [r.partner, r.status])).toEqual([['acme', 'rejected'], ['northwind', 'delivered']]);
    expect(rec.attempts.map((a) => [a.partner, a.outcome, a.statusCode])).toEqual([['acme', 'rejected', 400], ['northwind', 'accepted', 202]]);
    expect(await h.capUsed('acme')).toBe(0);
    expect(await h.capUsed('northwind')).toBe(1);
    expect(h.waterfallCalls[0]).toMatchObject({ deliveryId: job.deliveryId, partner: 'acme', tried: [] });
    const northwind = h.partner.requests.find((r) => r.partner === 'northwind')!;
    expect(northwind.webhookId).toBe(rec.routes[1].deliveryId);
    expect(northwind.webhookId).not.toBe(job.deliveryId);
  });

  it('a lead every partner rejects ends rejected, every cap given back', async () => {
    const h = await open({ answer: () => ({ status: 422 }) });
    const job = await h.sendLead('acme');
    const rec = await h.settled(job.leadId);
    expect(rec.state).toBe('rejected');
    expect(rec.routes.map((r) => [r.partner, r.status])).toEqual([['acme', 'rejected'], ['northwind', 'rejected']]);
    expect(await h.capUsed('acme')).toBe(0);
    expect(await h.capUsed('northwind')).toBe(0);
    expect(await h.queue.deadLetterCount()).toBe(0); // a rejection is an answer, not a dead letter
  });

  it('exhausted retries dead-letter the lead; an admin re-send then delivers it, its cap reserved again', async () => {
    let up = false;
    const h = await open({ partners: ['acme'], answer: () => (up ? { status: 200 } : { status: 503 }) });
    const job = await h.sendLead('acme');
    const rec = await h.settled(job.leadId);
    expect(rec.state).toBe('dead-lettered');
    expect(rec.routes.map((r) => r.status)).toEqual(['failed']);
    expect(rec.attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(await h.capUsed('acme')).toBe(0);
    const dead = await waitFor('the dead letter', async () => (await h.queue.listFailed()).find((f) => f.deliveryId === job.deliveryId));
    expect(dead).toMatchObject({ leadId: job.leadId, partner: 'acme', attempts: 3, reason: expect.stringContaining('HTTP 503') });

    up = true;
    expect(await h.admin.retry(job.deliveryId)).toBe(true);
    await waitFor('the re-send', async () => (await h.record(job.leadId)).state === 'delivered');
    const after = await h.record(job.leadId);
    expect(after.routes.map((r) => r.status)).toEqual(['delivered']);
    expect(after.attempts.map((a) => [a.attempt, a.outcome])).toEqual([[1, 'retryable'], [2, 'retryable'], [3, 'retryable'], [1, 'accepted']]);
    await waitFor('no dead letters', async () => (await h.queue.deadLetterCount()) === 0);
    expect(h.partner.requests.every((r) => r.webhookId === job.deliveryId)).toBe(true);
    expect(await h.capUsed('acme')).toBe(1);
  });

  it.runIf(backend === 'redis')('a batch run a second time hands on a delivery that ended rejected: its job sends nothing', async () => {
    const h = await open({ answer: (r) => (r.partner === 'acme' ? { status: 400 } : { status: 200 }) });
    const job = await h.sendLead('acme');
    await h.settled(job.leadId);
    // What a batch does when BullMQ runs it again: each of its deliveries becomes a job of its own.
    const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const raw = new Queue('deliveries', { connection, prefix: h.prefix });
    try {
      await raw.add('attempts', { job, prior: 0 }, { jobId: job.deliveryId, attempts: 3 });
      await waitFor('the job run', async () => (await raw.getJob(job.deliveryId))?.finishedOn);
    } finally {
      await raw.close();
      await connection.quit();
    }
    expect(h.partner.requests.map((r) => r.partner)).toEqual(['acme', 'northwind']);
    const rec = await h.record(job.leadId);
    expect(rec.routes.map((r) => [r.partner, r.status])).toEqual([['acme', 'rejected'], ['northwind', 'delivered']]);
    expect(rec.state).toBe('delivered');
    expect(await h.capUsed('acme')).toBe(0);
  });

  it('an admin re-send that fails again ends the route failed again: the lead dead-lettered, the cap given back, a dead letter again', async () => {
    const h = await open({ partners: ['acme'], attempts: () => 1, answer: () => ({ status: 503 }) });
    const job = await h.sendLead('acme');
    await h.settled(job.leadId);
    await waitFor('the dead letter', async () => (await h.queue.deadLetter(job.deliveryId)) !== null);
    expect(await h.admin.retry(job.deliveryId)).toBe(true);
    await waitFor('the re-send', () => h.partner.requests.length === 2);
    const dead = await waitFor('a dead letter again', async () => (await h.admin.listFailed()).find((d) => d.deliveryId === job.deliveryId));
    expect(dead).toMatchObject({ retryable: true, attempts: 1 });
    const rec = await h.settled(job.leadId);
    expect([rec.state, rec.routes.map((r) => r.status), rec.attempts.length]).toEqual(['dead-lettered', ['failed'], 2]);
    expect(await h.capUsed('acme')).toBe(0);
  });

  it("the queue's own retry does not re-send an ended route: only the admin re-send reopens it", async () => {
    let up = false;
    const h = await open({ partners: ['acme'], answer: () => (up ? { status: 200 } : { status: 503 }) });
    const job = await h.sendLead('acme');
    await h.settled(job.leadId);
    await waitFor('the dead letter', async () => (await h.queue.deadLetter(job.deliveryId)) !== null);
    up = true;
    expect(await h.queue.retry(job.deliveryId)).toBe(true);
    // The job runs again, finds its route failed, sends nothing and is a dead letter again.
    await waitFor('the dead letter again', async () => (await h.queue.deadLetter(job.deliveryId)) !== null);
    expect(h.partner.requests).toHaveLength(3);
    const rec = await h.record(job.leadId);
    expect([rec.state, rec.routes[0].status, rec.attempts.length]).toEqual(['dead-lettered', 'failed', 3]);
    expect(await h.capUsed('acme')).toBe(0);
  });

  it.each(['rejected', 'failed', 'dead-lettered'] as const)('a job run again (a batch re-run, a duplicate) for a route that ended %s sends nothing and routes nothing again', async (ended) => {
    const h = await open({ answer: (r) => (r.partner === 'acme' ? { status: 400 } : { status: 200 }) });
    const job = await h.sendLead('acme');
    const rec = await h.settled(job.leadId);
    expect(rec.routes.map((r) => [r.partner, r.status])).toEqual([['acme', 'rejected'], ['northwind', 'delivered']]);
    // The same delivery again, under an id the queue has not seen (its dedupe cannot help).
    const rerun = { ...job, deliveryId: `${job.deliveryId}-rerun` };
    await h.leads.addRoute(job.leadId, { profile: job.profile, partner: 'acme', deliveryId: rerun.deliveryId, status: ended });
    await h.queue.enqueue([rerun]);
    const barrier = await h.sendLead('northwind');
    await h.settled(barrier.leadId);
    await waitFor('an empty queue', async () => (await h.queue.depth()) === 0);
    expect(h.partner.requests.filter((r) => r.webhookId === rerun.deliveryId)).toEqual([]);
    const after = await h.record(job.leadId);
    expect(after.routes.map((r) => [r.partner, r.status])).toEqual([['acme', 'rejected'], ['northwind', 'delivered'], ['acme', ended]]);
    expect(after.attempts).toHaveLength(2);
    expect(after.state).toBe('delivered');
    expect(await h.capUsed('acme')).toBe(0);
  });

  it('after exhausted retries the next partner still gets the lead', async () => {
    const h = await open({ answer: (r) => (r.partner === 'acme' ? { status: 500 } : { status: 200 }) });
    const job = await h.sendLead('acme');
    const rec = await h.settled(job.leadId);
    expect(rec.state).toBe('delivered');
    expect(rec.routes.map((r) => [r.partner, r.status])).toEqual([['acme', 'failed'], ['northwind', 'delivered']]);
    expect(await h.capUsed('acme')).toBe(0);
    await waitFor('the dead letter', async () => (await h.queue.deadLetterCount()) === 1);
  });

  it('a partner removed from the config dead-letters its delivery and waterfalls', async () => {
    const h = await open({ unresolved: ['acme'] });
    const job = await h.sendLead('acme');
    const rec = await h.settled(job.leadId);
    expect(rec.state).toBe('delivered');
    expect(rec.routes.map((r) => [r.partner, r.status])).toEqual([['acme', 'dead-lettered'], ['northwind', 'delivered']]);
    expect(await h.capUsed('acme')).toBe(0);
    const [dead] = await waitFor('the dead letter', () => h.queue.listFailed().then((l) => (l.length ? l : null)));
    expect(dead).toMatchObject({ deliveryId: job.deliveryId, reason: 'no delivery settings for partner acme' });
  });

  it('a duplicate deliveryId is delivered once', async () => {
    const h = await open();
    const job = await h.sendLead('acme');
    await h.queue.enqueue([job]);
    await h.settled(job.leadId);
    await h.queue.enqueue([job]);
    const barrier = await h.sendLead('northwind');
    await h.settled(barrier.leadId);
    await waitFor('an empty queue', async () => (await h.queue.depth()) === 0);
    expect(h.partner.requests.filter((r) => r.webhookId === job.deliveryId)).toHaveLength(1);
    expect((await h.record(job.leadId)).attempts).toHaveLength(1);
  });

  it('does not send again a delivery its record already shows delivered (a re-run after a crash)', async () => {
    const h = await open();
    const job = await h.sendLead('acme');
    await h.settled(job.leadId);
    // The router died after recording the delivery but before the queue heard of it: the queue
    // runs the job again (here: the same delivery under a queue that no longer knows it).
    const rerun = { ...job, deliveryId: `${job.deliveryId}-rerun` };
    await h.leads.addRoute(job.leadId, { profile: job.profile, partner: 'acme', deliveryId: rerun.deliveryId, status: 'delivered' });
    await h.queue.enqueue([rerun]);
    const barrier = await h.sendLead('northwind');
    await h.settled(barrier.leadId);
    await waitFor('an empty queue', async () => (await h.queue.depth()) === 0);
    expect(h.partner.requests.filter((r) => r.webhookId === rerun.deliveryId)).toEqual([]);
    expect((await h.record(job.leadId)).attempts).toHaveLength(1);
  });

  it('a re-run after the waterfall was recorded enqueues the recorded next job instead of routing again', async () => {
    const h = await open({ answer: (r) => (r.partner === 'acme' ? { status: 400 } : { status: 200 }) });
    // The router died between recording the next route and enqueueing its job.
    const nextId = `next-${Math.random()}`;
    const job = await h.sendLead('acme', { extraRoutes: [{ profile: 'residential-east', partner: 'northwind', deliveryId: nextId, status: 'queued' }] });
    const rec = await h.settled(job.leadId);
    expect(rec.routes.map((r) => [r.partner, r.status])).toEqual([['acme', 'rejected'], ['northwind', 'delivered']]);
    expect(h.waterfallCalls).toEqual([]);
    expect(h.partner.requests.find((r) => r.partner === 'northwind')?.webhookId).toBe(nextId);
  });

  it('a test lead is delivered as a test and takes no cap', async () => {
    const h = await open();
    const job = await h.sendLead('acme', { test: true });
    const rec = await h.settled(job.leadId);
    expect(rec.state).toBe('delivered');
    expect(rec.routes[0].status).toBe('test-delivered');
    expect(h.partner.requests[0].body.test).toBe(true);
    expect(await h.capUsed('acme')).toBe(0);
  });

  it('never logs lead fields, only ids', async () => {
    const h = await open({ answer: (r) => (r.partner === 'acme' ? { status: 400 } : { status: 200 }) });
    const job = await h.sendLead('acme');
    await h.settled(job.leadId);
    const logs = h.logLines.join('');
    expect(logs).toContain(job.leadId);
    expect(logs).toContain('waterfall');
    expect(logs).not.toContain(SECRET_SSN);
    expect(logs).not.toContain('lead@example.com');
  });

  it('every accepted lead ends delivered, rejected or dead-lettered, as its partners answered', async () => {
    // Per lead, each partner behaves as the lead's number says: accept, reject, fail, or fail once.
    const kinds = ['accept', 'reject', 'fail', 'flaky'] as const;
    const behaviour = new Map<string, { acme: (typeof kinds)[number]; northwind: (typeof kinds)[number] }>();
    const h = await open({
      answer: (r, _nth) => {
        const b = behaviour.get(String(r.body.leadId))![r.partner as 'acme' | 'northwind'];
        const seen = h.partner.requests.filter((x) => x.webhookId === r.webhookId).length;
        if (b === 'accept' || (b === 'flaky' && seen > 1)) return { status: 200 };
        if (b === 'reject') return { status: 400 };
        return { status: 503 };
      },
    });
    const jobs = [];
    for (let i = 0; i < 16; i++) {
      const job = await h.sendLead('acme');
      behaviour.set(job.leadId, { acme: kinds[i % 4], northwind: kinds[Math.floor(i / 4)] });
      jobs.push(job);
    }
    for (const job of jobs) {
      const rec = await h.settled(job.leadId);
      const b = behaviour.get(job.leadId)!;
      const delivers = (k: string) => k === 'accept' || k === 'flaky';
      const expected = delivers(b.acme) || delivers(b.northwind)
        ? 'delivered'
        : b.acme === 'fail' || b.northwind === 'fail' ? 'dead-lettered' : 'rejected';
      expect([job.leadId, rec.state]).toEqual([job.leadId, expected]);
      expect(rec.routes.some((r) => r.status === 'queued' || r.status === 'delivering')).toBe(false);
    }
    await waitFor('an empty queue', async () => (await h.queue.depth()) === 0);
  });
});

describe('delivery metrics', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
  });

  it('counts attempts by partner, channel and outcome, and reports queue depth and dead letters', async () => {
    h = await createHarness({ backend: 'redis', partners: ['acme'], answer: (r) => (r.partner === 'acme' ? { status: 503 } : { status: 200 }) });
    const job = await h.sendLead('acme');
    await h.settled(job.leadId);
    await waitFor('the dead letter', async () => (await h!.queue.deadLetterCount()) === 1);
    const text = await h.registry.metrics();
    expect(text).toContain('deliveries_total{partner="acme",channel="webhook",outcome="retry"} 2');
    expect(text).toContain('deliveries_total{partner="acme",channel="webhook",outcome="failed"} 1');
    expect(text).toContain('delivery_attempt_seconds_count{partner="acme",channel="webhook"} 3');
    expect(text).toMatch(/^delivery_queue_depth 0$/m);
    expect(text).toMatch(/^dead_letters 1$/m);
  });
});

describe('delivery worker: lead store calls per attempt', () => {
  let partner: PartnerServer | undefined;
  afterEach(async () => {
    await partner?.close();
    partner = undefined;
  });

  /** The memory store, recording which of its methods the worker calls. */
  const counted = (store: LeadStore, calls: string[]): LeadStore =>
    new Proxy(store, {
      get(target, key) {
        const v = Reflect.get(target, key) as unknown;
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          calls.push(String(key));
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });

  const setup = async (status: number) => {
    partner = await startPartnerServer(() => ({ status }));
    const store = createMemoryLeadStore();
    const calls: string[] = [];
    const handler = createDeliveryHandler({
      channel: createTestHttpChannel(),
      leads: counted(store, calls),
      caps: createMemoryCapStore(),
      queue: { enqueue: async () => undefined },
      resolveDelivery: () => ({ delivery: { webhook: { url: `${partner!.url}/acme` } }, attempts: 3 }),
      waterfall: async () => null,
    });
    const rec = sampleRecord({ routes: [{ profile: 'residential-east', partner: 'acme', deliveryId: 'd-1', status: 'queued' }] });
    await store.save(rec);
    const job: DeliveryJob = {
      deliveryId: 'd-1', leadId: rec.leadId, entity: 'mortgage', profile: 'residential-east', partner: 'acme',
      priority: 1, test: false, receivedAt: rec.receivedAt, lead: { email: 'a@example.com' }, tried: [],
    };
    return { store, calls, handler, job };
  };

  it('a delivered attempt is startDelivery + one update, with no read of the record', async () => {
    const { store, calls, handler, job } = await setup(200);
    expect(await handler(job, 1, 3)).toEqual({ kind: 'done' });
    expect(calls).toEqual(['startDelivery', 'update']);
    const rec = (await store.get(job.leadId))!;
    expect(rec.state).toBe('delivered');
    expect(rec.routes[0].status).toBe('delivered');
    expect(rec.attempts.map((a) => [a.attempt, a.outcome])).toEqual([[1, 'accepted']]);
  });

  it('a retryable attempt is startDelivery + one update, the route left delivering', async () => {
    const { store, calls, handler, job } = await setup(503);
    expect(await handler(job, 1, 3)).toMatchObject({ kind: 'retry' });
    expect(calls).toEqual(['startDelivery', 'update']);
    const rec = (await store.get(job.leadId))!;
    expect(rec.routes[0].status).toBe('delivering');
    expect(rec.state).toBe('pending');
    expect(rec.attempts.map((a) => [a.attempt, a.outcome])).toEqual([[1, 'retryable']]);
  });
});
