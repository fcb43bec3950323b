import { describe, expect, it } from 'vitest';
import { createMemoryCapStore } from '../caps/memory.ts';
import { assign, config, partner, profile } from '../http/test-fixtures.ts';
import { compileSnapshot } from '../routing/snapshot.ts';
import type { ProfileTrace } from '../routing/types.ts';
import { partnerCapGroups } from './cap-rows.ts';
import { PAGE_ROWS, PARTNER_GROUPS, partnersPage } from './partners-view.ts';
import { PartnersPage } from './pages/partners.tsx';
import { Trace } from './pages/trace.tsx';
import { renderHtml } from './render.ts';

const NOW = new Date('2026-03-10T15:00:00Z');

/** 30 partners, each in 60 profiles with an hour and a day cap: 3,600 window rows in all. */
function bigSnapshot() {
  const partners = Array.from({ length: 30 }, (_, i) => partner(`p${String(i).padStart(2, '0')}`, { caps: { day: 1000 } }));
  const profiles = Array.from({ length: 60 }, (_, j) => profile(`prof${j}`, partners.map((p) => assign(p.id, 1, { caps: { hour: 10, day: 50 } }))));
  return compileSnapshot(config(profiles, partners), { env: {} });
}

describe('partnersPage', () => {
  it('keeps a page to PAGE_ROWS rows and a partner to its fullest assignments, under 100 KB', async () => {
    const snapshot = bigSnapshot();
    const caps = createMemoryCapStore({ now: () => NOW.getTime() });
    // Make prof42's assignment of p00 the fullest.
    const p00 = partnerCapGroups(snapshot, 'x:', NOW).find((p) => p.partner === 'p00')!;
    const busy = p00.groups.find((g) => g.scope === 'mortgage/prof42')!;
    await caps.set(busy.counters[0], 9);
    const opts = { prefix: 'x:', now: NOW, usage: (c: Parameters<typeof caps.usage>[0]) => caps.usage(c) };

    const first = await partnersPage(snapshot, opts);
    const rows = first.partners.reduce((n, p) => n + p.groups.reduce((m, g) => m + Math.max(1, g.usage.length), 0), 0);
    expect(rows).toBeLessThanOrEqual(PAGE_ROWS + 2 * PARTNER_GROUPS);
    expect(first.partners[0].groups.map((g) => g.scope).slice(0, 2)).toEqual(['partner-wide', 'mortgage/prof42']);
    expect(first.partners[0].groups).toHaveLength(1 + PARTNER_GROUPS);
    expect(first.partners[0].hidden).toBe(60 - PARTNER_GROUPS);
    expect(first.next).toBe(first.partners.length);
    const html = renderHtml(PartnersPage({ csrf: 't', partners: first.partners, all: first.all, next: first.next }));
    expect(Buffer.byteLength(html)).toBeLessThan(100 * 1024);

    const second = await partnersPage(snapshot, { ...opts, from: first.next! });
    expect(second.partners[0].partner).toBe(first.all[first.next!]);
    const only = await partnersPage(snapshot, { ...opts, partner: 'p07' });
    expect(only.partners.map((p) => p.partner)).toEqual(['p07']);
    expect(only.partners[0].groups.length).toBeGreaterThan(1 + PARTNER_GROUPS);
  });
});

describe('Trace', () => {
  it('cuts a trace over thousands of profiles, matched ones first, to well under 100 KB', () => {
    const trace: ProfileTrace[] = Array.from({ length: 3000 }, (_, i) => ({
      profile: `p${i}`, name: `p${i}`, strategy: 'first-match', outcome: i === 2999 ? 'matched' : 'rules-failed',
      message: i === 2999 ? `profile p${i} matched` : `profile p${i} skipped: state NY is not one of CA, TX, FL, WA, OR and more words`,
      partners: i === 2999 ? Array.from({ length: 50 }, (_, k) => ({ partner: `x${k}`, priority: 1, outcome: 'selected', message: `x${k} selected` })) : [],
    }) as unknown as ProfileTrace);
    const html = renderHtml(Trace({ trace }));
    expect(Buffer.byteLength(html)).toBeLessThan(60 * 1024);
    expect(html.indexOf('profile p2999 matched')).toBeLessThan(html.indexOf('profile p0 skipped'));
    expect(html).toContain('2800 more profiles that did not match are not shown');
    expect(html).toContain('… 20 more partners');
  });
});
