// The worker and the lead's commit (router/leads/store.ts, SaveOptions): a delivery of a lead not
// committed yet waits for the commit; one of a lead that is never committed (its intake answered
// 503, or died before committing) is dropped and its cap given back, never sent.
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Backend, type Harness } from './testing/harness.ts';
import { waitFor } from './testing/wait.ts';

describe.each<Backend>(['memory', 'redis'])('delivery of an uncommitted lead (%s stores and queue)', (backend) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('waits for the commit, then delivers', async () => {
    h = await createHarness({ backend });
    const job = await h.sendLead('acme', { uncommitted: true });
    await new Promise((r) => setTimeout(r, 150));
    expect(h.partner.requests).toEqual([]);
    expect(await h.leads.commit(job.leadId)).toBe(true);
    expect((await h.settled(job.leadId)).state).toBe('delivered');
    expect(h.partner.requests).toHaveLength(1);
    expect(await h.capUsed('acme')).toBe(1);
  });

  it('drops the delivery of a refused lead and gives its cap back', async () => {
    h = await createHarness({ backend });
    const job = await h.sendLead('acme', { uncommitted: true });
    expect((await h.leads.abort(job.leadId)).outcome).toBe('aborted');
    await waitFor('the cap back', async () => (await h!.capUsed('acme')) === 0);
    await waitFor('the job done', async () => (await h!.queue.depth()) === 0);
    expect(h.partner.requests).toEqual([]);
    expect(await h.queue.deadLetterCount()).toBe(0);
  });

  it('a lead whose intake died before committing is refused at its deadline: never delivered', async () => {
    h = await createHarness({ backend, commitWindowMs: 200 });
    const job = await h.sendLead('acme', { uncommitted: true });
    await waitFor('the cap back', async () => (await h!.capUsed('acme')) === 0);
    expect(h.partner.requests).toEqual([]);
    expect(await h.leads.get(job.leadId)).toBeNull();
    expect(await h.leads.commit(job.leadId)).toBe(false);
  });
});
