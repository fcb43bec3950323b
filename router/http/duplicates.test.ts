// Entity `duplicates`: a repeat of one consumer within the window is answered 409 DUPLICATE.
import { describe, expect, it } from 'vitest';
import { createMemoryDuplicateStore } from '../dedupe/duplicate-store.ts';
import { compileSnapshot } from '../routing/snapshot.ts';
import { assign, config, harness, mortgage, partner, postJson, profile, validLead } from './test-fixtures.ts';

const snapshot = () => {
  const c = config([profile('east', [assign('acme', 10)])], [partner('acme')]);
  c.entities = new Map([[mortgage.id, { ...mortgage, duplicates: { fields: ['email'], window: '1d' } }]]);
  return compileSnapshot(c, { env: { DEDUPE_KEY: 'k' } });
};

describe('POST /v1/leads with entity duplicates', () => {
  it('answers 409 DUPLICATE with the first lead\'s id, emails compared normalised', async () => {
    const h = harness({ duplicates: createMemoryDuplicateStore() }, snapshot());
    const first = await h.app.request(...postJson('/v1/leads/mortgage', validLead));
    expect(first.status).toBe(202);
    const { leadId } = (await first.json()) as { leadId: string };
    const again = await h.app.request(...postJson('/v1/leads/mortgage', { ...validLead, email: '  A@Example.COM ' }));
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({ error: { code: 'DUPLICATE', message: 'a lead with the same email was accepted within 1d', leadId } });
    expect(h.jobs).toHaveLength(1);
    expect((await h.app.request(...postJson('/v1/leads/mortgage', { ...validLead, email: 'b@example.com' }))).status).toBe(202);
  });

  it('test leads neither check nor record', async () => {
    const h = harness({ duplicates: createMemoryDuplicateStore() }, snapshot());
    const test = { 'x-lead-test': 'true' };
    expect((await h.app.request(...postJson('/v1/leads/mortgage', validLead, test))).status).toBe(202);
    expect((await h.app.request(...postJson('/v1/leads/mortgage', validLead, test))).status).toBe(202);
    expect((await h.app.request(...postJson('/v1/leads/mortgage', validLead))).status).toBe(202);
    expect((await h.app.request(...postJson('/v1/leads/mortgage', validLead, test))).status).toBe(202);
  });

  it('a lead refused with 503 holds nothing: the source\'s retry is accepted', async () => {
    const h = harness({ duplicates: createMemoryDuplicateStore() }, snapshot());
    h.failing.enqueue = true;
    expect((await h.app.request(...postJson('/v1/leads/mortgage', validLead))).status).toBe(503);
    h.failing.enqueue = false;
    expect((await h.app.request(...postJson('/v1/leads/mortgage', validLead))).status).toBe(202);
  });
});
