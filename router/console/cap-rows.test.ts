import { describe, expect, it } from 'vitest';
import { compileSnapshot } from '../routing/snapshot.ts';
import { assign, config, harness, NOW, partner, postJson, profile, validLead } from '../http/test-fixtures.ts';
import { partnerCapGroups } from './cap-rows.ts';
import { PartnersPage } from './pages/partners.tsx';
import { renderHtml } from './render.ts';

describe('partnerCapGroups', () => {
  it('names the very counters routing counts: a routed lead shows as used', async () => {
    const h = harness();
    const before = partnerCapGroups(h.deps.getSnapshot()!, h.deps.capPrefix, NOW);
    const acme = before.find((p) => p.partner === 'acme')!;
    expect(acme.groups.map((g) => g.scope)).toEqual(['mortgage/east']);
    expect(await h.caps.usage(acme.groups[0].counters)).toMatchObject([{ used: 0, limit: 2 }]);
    expect((await h.app.request(...postJson('/v1/leads/mortgage', validLead))).status).toBe(202);
    expect(await h.caps.usage(acme.groups[0].counters)).toMatchObject([{ used: 1, limit: 2, label: 'mortgage/east/acme day' }]);
    expect(before.find((p) => p.partner === 'northwind')!.groups[0].counters).toEqual([]);
  });

  it('lists partner-wide caps first, and says whether a schedule is open now', () => {
    const snapshot = compileSnapshot(config(
      [profile('east', [assign('acme', 10, { caps: { hour: 3 } })])],
      [partner('acme', { timezone: 'UTC', caps: { day: 10 }, schedule: { 'mon-fri': '09:00-17:00' } })],
    ), { env: {} });
    const saturday = new Date('2026-03-14T12:00:00Z');
    const [acme] = partnerCapGroups(snapshot, 'p:', saturday);
    expect(acme.schedule).toBe('closed until Mon 09:00 UTC');
    expect(acme.groups.map((g) => [g.scope, g.counters.map((c) => c.label), g.schedule])).toEqual([
      ['partner-wide', ['partner acme day'], undefined],
      ['mortgage/east', ['mortgage/east/acme hour'], 'closed until Mon 09:00 UTC'],
    ]);
    expect(partnerCapGroups(snapshot, 'p:', new Date('2026-03-16T10:00:00Z'))[0].schedule).toBe('open now');
  });

  it('shows budget spend in price units, from the counters routing reserves the price in', async () => {
    const snapshot = compileSnapshot(config(
      [profile('east', [assign('acme', 10, { price: 42.5, budget: { day: 500 } })], { rules: [{ field: 'state', in: ['NY'] }] })],
      [partner('acme', { budget: { month: 1000 } })],
    ), { env: {}, loadedAt: NOW });
    const h = harness({}, snapshot);
    expect((await h.app.request(...postJson('/v1/leads/mortgage', validLead))).status).toBe(202);
    const [acme] = partnerCapGroups(snapshot, h.deps.capPrefix, NOW);
    const usage = await Promise.all(acme.groups.map((g) => h.caps.usage(g.counters)));
    expect(usage.flat().map((u) => [u.label, u.used, u.limit])).toEqual([
      ['budget partner acme month', 4250, 100000],
      ['budget mortgage/east/acme day', 4250, 50000],
    ]);
    const html = renderHtml(PartnersPage({
      csrf: 't', all: ['acme'], next: null,
      partners: [{ ...acme, groups: acme.groups.map((g, i) => ({ ...g, usage: usage[i] })) }],
    }));
    expect(html).toContain('42.50 / 1000.00');
    expect(html).toContain('>budget month<');
  });
});
