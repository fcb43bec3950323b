// The one contract both DurableDeliveryQueues pass (queue.test.ts runs it on memory and BullMQ).
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeliveryHandler, DurableDeliveryQueue, JobOutcome, QueueOptions } from './queue.ts';
import type { DeliveryJob } from './types.ts';
import { waitFor } from './testing/wait.ts';

export interface QueueHarness {
  queue: DurableDeliveryQueue;
  cleanup(): Promise<void>;
}

export function sampleJob(overrides: Partial<DeliveryJob> = {}): DeliveryJob {
  return {
    deliveryId: randomUUID(), leadId: randomUUID(), entity: 'mortgage', profile: 'residential-east', partner: 'acme',
    priority: 10, price: 42.5, test: false, receivedAt: '2025-03-01T10:00:00.000Z',
    lead: { email: 'a@example.com', ssn: '123-45-6789' }, tried: [], ...overrides,
  };
}

interface Call {
  deliveryId: string;
  attempt: number;
  maxAttempts: number;
}

/** A handler that answers from a script and remembers its calls. */
function scripted(answer: (job: DeliveryJob, attempt: number) => JobOutcome | Promise<JobOutcome>) {
  const calls: Call[] = [];
  const deadLetters: { deliveryId: string; reason: string }[] = [];
  const handler: DeliveryHandler = async (job, attempt, maxAttempts) => {
    calls.push({ deliveryId: job.deliveryId, attempt, maxAttempts });
    return answer(job, attempt);
  };
  handler.onDeadLetter = async (job, reason) => {
    deadLetters.push({ deliveryId: job.deliveryId, reason });
  };
  return { handler, calls, deadLetters, callsOf: (id: string) => calls.filter((c) => c.deliveryId === id) };
}

const FAST: QueueOptions = { backoff: { scheduleMs: [5, 10, 20], jitter: 0 } };

export function queueContract(name: string, make: (opts: QueueOptions) => Promise<QueueHarness>): void {
  describe(`DurableDeliveryQueue contract: ${name}`, () => {
    let h: QueueHarness | undefined;
    const open = async (opts: QueueOptions = {}) => {
      h = await make({ ...FAST, ...opts });
      return h.queue;
    };
    afterEach(async () => {
      await h?.queue.close();
      await h?.cleanup();
      h = undefined;
    });

    it('runs a job once with attempt 1 and the attempts its partner allows', async () => {
      const queue = await open({ attemptsFor: (j) => (j.partner === 'acme' ? 5 : 2) });
      const s = scripted(() => ({ kind: 'done' }));
      queue.start(s.handler);
      const a = sampleJob();
      const b = sampleJob({ partner: 'northwind' });
      await queue.enqueue([a, b]);
      await waitFor('both jobs', () => s.calls.length === 2);
      expect(s.callsOf(a.deliveryId)).toEqual([{ deliveryId: a.deliveryId, attempt: 1, maxAttempts: 5 }]);
      expect(s.callsOf(b.deliveryId)).toEqual([{ deliveryId: b.deliveryId, attempt: 1, maxAttempts: 2 }]);
      await waitFor('an empty queue', async () => (await queue.depth()) === 0);
      expect(await queue.deadLetterCount()).toBe(0);
    });

    it('hands the handler the job as enqueued, lead fields included', async () => {
      const queue = await open();
      let seen: DeliveryJob | undefined;
      queue.start(async (job) => {
        seen = job;
        return { kind: 'done' };
      });
      const job = sampleJob({ tried: ['northwind'], reservationId: 'r-1' });
      await queue.enqueue([job]);
      await waitFor('the job', () => seen);
      expect(seen).toEqual(job);
    });

    it('holds jobs enqueued before start, counting them in depth', async () => {
      const queue = await open();
      const jobs = [sampleJob(), sampleJob()];
      await queue.enqueue(jobs);
      expect(await queue.depth()).toBe(2);
      const s = scripted(() => ({ kind: 'done' }));
      queue.start(s.handler);
      await waitFor('both jobs', () => s.calls.length === 2);
    });

    it('ignores a duplicate deliveryId: in one batch, in a later one, and after it completed', async () => {
      const queue = await open({ concurrency: 1 });
      const job = sampleJob();
      await queue.enqueue([job, { ...job }]);
      expect(await queue.depth()).toBe(1);
      // (BullMQ counts a duplicate from a later enqueue in the depth until its batch drops it.)
      await queue.enqueue([job]);
      const s = scripted(() => ({ kind: 'done' }));
      queue.start(s.handler);
      await waitFor('the job', () => s.calls.length === 1);
      const barrier = sampleJob();
      await queue.enqueue([job, barrier]); // one job at a time, in order: a re-added duplicate would run before the barrier
      await waitFor('the barrier', () => s.callsOf(barrier.deliveryId).length === 1);
      expect(s.callsOf(job.deliveryId)).toHaveLength(1);
      await waitFor('an empty queue', async () => (await queue.depth()) === 0);
    });

    it('retries with increasing attempt numbers until the handler is done', async () => {
      const queue = await open({ attemptsFor: () => 5 });
      const s = scripted((_j, attempt) => (attempt < 3 ? { kind: 'retry', reason: 'HTTP 503' } : { kind: 'done' }));
      queue.start(s.handler);
      const job = sampleJob();
      await queue.enqueue([job]);
      await waitFor('three attempts', () => s.calls.length === 3);
      expect(s.calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
      await waitFor('an empty queue', async () => (await queue.depth()) === 0);
      expect(await queue.deadLetterCount()).toBe(0);
      expect(s.deadLetters).toEqual([]);
    });

    it("waits a partner's Retry-After instead of the schedule", async () => {
      // A ten-minute schedule: only the 10 ms Retry-After lets the second attempt come in time.
      const queue = await open({ backoff: { scheduleMs: [600_000], jitter: 0 } });
      const s = scripted((_j, attempt) => (attempt === 1 ? { kind: 'retry', afterMs: 10 } : { kind: 'done' }));
      queue.start(s.handler);
      await queue.enqueue([sampleJob()]);
      await waitFor('the second attempt', () => s.calls.length === 2);
    });

    it('dead-letters a job whose attempts run out, telling the handler, and lists it by ids only', async () => {
      const queue = await open({ attemptsFor: () => 3 });
      const s = scripted(() => ({ kind: 'retry', reason: 'HTTP 503' }));
      queue.start(s.handler);
      const job = sampleJob();
      await queue.enqueue([job]);
      await waitFor('a dead letter', async () => (await queue.deadLetterCount()) === 1);
      expect(s.calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
      await waitFor('the hook', () => s.deadLetters.length === 1);
      expect(s.deadLetters[0].deliveryId).toBe(job.deliveryId);
      expect(s.deadLetters[0].reason).toContain('HTTP 503');
      const [dead] = await queue.listFailed();
      expect(dead).toEqual({
        deliveryId: job.deliveryId, leadId: job.leadId, entity: 'mortgage', profile: 'residential-east', partner: 'acme',
        test: false, attempts: 3, reason: expect.stringContaining('HTTP 503'), failedAt: expect.any(String),
      });
      expect(JSON.stringify(dead)).not.toContain('123-45-6789');
      expect(await queue.depth()).toBe(0);
    });

    it('retry(deliveryId) sends a dead letter again with fresh attempts', async () => {
      const queue = await open({ attemptsFor: () => 2 });
      let partnerUp = false;
      const s = scripted(() => (partnerUp ? { kind: 'done' } : { kind: 'retry' }));
      queue.start(s.handler);
      const job = sampleJob();
      await queue.enqueue([job]);
      await waitFor('a dead letter', async () => (await queue.listFailed()).length === 1);
      expect(await queue.retry('no-such-delivery')).toBe(false);
      partnerUp = true;
      expect(await queue.retry(job.deliveryId)).toBe(true);
      await waitFor('the re-send', () => s.calls.length === 3);
      expect(s.calls.map((c) => c.attempt)).toEqual([1, 2, 1]);
      await waitFor('no dead letters', async () => (await queue.deadLetterCount()) === 0);
      expect(await queue.listFailed()).toEqual([]);
      expect(await queue.retry(job.deliveryId)).toBe(false); // delivered now: not a dead letter
    });

    it('deadLetter(deliveryId) hands back a dead letter\'s job; retry(deliveryId, job) runs it as that job (a new reservation)', async () => {
      const queue = await open({ attemptsFor: () => 1 });
      const seen: DeliveryJob[] = [];
      let up = false;
      queue.start(async (job) => {
        seen.push(job);
        return up ? { kind: 'done' } : { kind: 'retry' };
      });
      const job = sampleJob({ reservationId: 'r-1' });
      await queue.enqueue([job]);
      expect(await queue.deadLetter(job.deliveryId)).toBeNull(); // not (yet) a dead letter
      const dead = await waitFor('a dead letter', () => queue.deadLetter(job.deliveryId));
      expect(dead).toEqual(job);
      expect(await queue.deadLetter('no-such-delivery')).toBeNull();
      up = true;
      expect(await queue.retry(job.deliveryId, { ...job, reservationId: 'r-2' })).toBe(true);
      await waitFor('the re-send', () => seen.length === 2);
      expect(seen[1]).toEqual({ ...job, reservationId: 'r-2' });
      await waitFor('no dead letters', async () => (await queue.deadLetterCount()) === 0);
      expect(await queue.deadLetter(job.deliveryId)).toBeNull();
    });

    it('lists dead letters newest first, up to a limit', async () => {
      const queue = await open({ concurrency: 1 });
      const s = scripted((job) => ({ kind: 'failed', reason: `no ${job.partner}` }));
      queue.start(s.handler);
      const jobs = [sampleJob({ partner: 'p1' }), sampleJob({ partner: 'p2' }), sampleJob({ partner: 'p3' })];
      for (const job of jobs) {
        await queue.enqueue([job]);
        await waitFor('a dead letter', async () => (await queue.listFailed()).some((f) => f.deliveryId === job.deliveryId));
      }
      expect((await queue.listFailed(2)).map((f) => f.partner)).toEqual(['p3', 'p2']);
      expect(await queue.deadLetterCount()).toBe(3);
    });

    it('a failed outcome dead-letters at once, without the hook (the handler has recorded it)', async () => {
      const queue = await open({ concurrency: 1 });
      const s = scripted((job) => (job.partner === 'gone' ? { kind: 'failed', reason: 'partner gone' } : { kind: 'done' }));
      queue.start(s.handler);
      const job = sampleJob({ partner: 'gone' });
      const barrier = sampleJob();
      await queue.enqueue([job, barrier]);
      await waitFor('the barrier', () => s.callsOf(barrier.deliveryId).length === 1);
      await waitFor('a dead letter', async () => (await queue.deadLetterCount()) === 1);
      const [dead] = await queue.listFailed();
      expect(dead).toMatchObject({ deliveryId: job.deliveryId, attempts: 1, reason: 'partner gone' });
      expect(s.callsOf(job.deliveryId)).toHaveLength(1);
      expect(s.deadLetters).toEqual([]);
    });

    it('a handler that throws is retried, then dead-lettered through the hook', async () => {
      const queue = await open({ attemptsFor: () => 2 });
      const s = scripted(() => {
        throw new Error('store down');
      });
      queue.start(s.handler);
      const job = sampleJob();
      await queue.enqueue([job]);
      await waitFor('the hook', () => s.deadLetters.length === 1);
      expect(s.calls.map((c) => c.attempt)).toEqual([1, 2]);
      expect(s.deadLetters[0].reason).toContain('store down');
      await waitFor('a dead letter', async () => (await queue.deadLetterCount()) === 1);
    });

    it('refuses jobs once closed', async () => {
      const queue = await open();
      await queue.close();
      await expect(queue.enqueue([sampleJob()])).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    });
  });
}
