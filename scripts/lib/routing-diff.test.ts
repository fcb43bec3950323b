import { describe, expect, it } from 'vitest';
import type { Assignment, Config, Entity, Partner, Profile } from '../../router/config/types.ts';
import type { SampleLead } from '../../router/lint/samples.ts';
import { compileSnapshot } from '../../router/routing/snapshot.ts';
import { buildCorpus, diffOutcomes, encryptedFields, keyFields, renderMarkdown, routeCorpus, sameOutcome, type Outcome } from './routing-diff.ts';

const entity: Entity = {
  id: 'mortgage',
  fields: {
    email: { type: 'string', required: true },
    ssn: { type: 'string', encrypted: true },
    state: { type: 'string' },
    zip: { type: 'string' },
  },
};
const partner = (id: string): Partner => ({ id, name: id, active: true, delivery: { webhook: { url: `https://${id}.example/` } } });
const assign = (p: string, priority: number, extra: Partial<Assignment> = {}): Assignment => ({ partner: p, priority, active: true, ...extra });
const profile = (id: string, partners: Assignment[], extra: Partial<Profile> = {}): Profile => ({
  id, entity: 'mortgage', name: id, enabled: true, strategy: 'first-match', rules: [], partners, ...extra,
});
const config = (profiles: Profile[]): Config => ({
  entities: new Map([[entity.id, entity]]),
  partners: new Map(['acme', 'northwind', 'zeta'].map((id) => [id, partner(id)])),
  profiles, routingTests: [], docs: [], hash: 'h', dir: 'profiles',
});

const NOW = new Date('2026-01-05T12:00:00Z');
const lead = (label: string, fields: Record<string, unknown>): SampleLead => ({ entity: 'mortgage', lead: { email: `${label}@example.com`, ...fields }, label });

describe('diff:routing core', () => {
  const corpus = [
    lead('ca', { state: 'CA', zip: '90210', ssn: '123-45-6789' }),
    lead('ny', { state: 'NY', zip: '10001' }),
    lead('tx', { state: 'TX' }),
  ];
  // Base: acme takes zip 90…, else northwind. Head: acme only takes zip 10…
  const base = config([profile('east', [assign('acme', 10, { rules: [{ field: 'zip', startsWith: '90' }] }), assign('northwind', 5)], { rules: [{ field: 'state', in: ['CA', 'NY'] }] })]);
  const head = config([profile('east', [assign('acme', 10, { rules: [{ field: 'zip', startsWith: '10' }] }), assign('northwind', 5)], { rules: [{ field: 'state', in: ['CA', 'NY'] }] })]);

  it('lists exactly the leads whose routes change, with the head trace as the reason', async () => {
    const before = await routeCorpus(compileSnapshot(base, { env: {} }), corpus, NOW);
    const after = await routeCorpus(compileSnapshot(head, { env: {} }), corpus, NOW);
    const diff = diffOutcomes(corpus, before, after, encryptedFields(base, head));
    expect(diff.total).toBe(3);
    expect(diff.changes.map((c) => [c.lead.label, c.before.routes, c.after.routes])).toEqual([
      ['ca', [{ profile: 'east', partner: 'acme' }], [{ profile: 'east', partner: 'northwind' }]],
      ['ny', [{ profile: 'east', partner: 'northwind' }], [{ profile: 'east', partner: 'acme' }]],
    ]);
    expect(diff.changes[0].why).toEqual(['acme skipped: zip "90210" does not start with "10" (at partners[0].rules[0])', 'northwind selected (priority 5)']);
    expect(diff.changes[0].keyFields).toBe('email=ca@example.com, state=CA, zip=90210');

    const md = renderMarkdown(diff, { base: '`abc`', head: 'the working tree', dir: 'profiles' });
    expect(md).toContain('**2 of 3 leads change route.**');
    expect(md).toContain('| ca | mortgage: email=ca@example.com, state=CA, zip=90210 | east/acme | east/northwind | acme skipped');
    expect(md).not.toContain('123-45-6789');
    expect(md).not.toMatch(/\| tx \|/);
  });

  it('says so when nothing changes', async () => {
    const before = await routeCorpus(compileSnapshot(base, { env: {} }), corpus, NOW);
    const diff = diffOutcomes(corpus, before, before, () => new Set());
    expect(diff.changes).toEqual([]);
    expect(renderMarkdown(diff, { base: 'a', head: 'b', dir: 'p' })).toContain('No lead changes route: all 3 leads route as before.');
  });

  it('reports a profile that goes away and a lead the head refuses', async () => {
    const headless = config([profile('other', [assign('zeta', 1)], { rules: [{ field: 'state', equals: 'ZZ' }] })]);
    const before = await routeCorpus(compileSnapshot(base, { env: {} }), corpus, NOW);
    const after = await routeCorpus(compileSnapshot(headless, { env: {} }), corpus, NOW);
    const diff = diffOutcomes(corpus, before, after, () => new Set());
    expect(diff.changes.map((c) => c.why)).toEqual([['profile east no longer exists'], ['profile east no longer exists']]);

    const invalid: Outcome = { kind: 'invalid', routes: [], errors: ['email is required'] };
    const d2 = diffOutcomes([corpus[2]], [before[2]], [invalid], () => new Set());
    expect(d2.changes[0].why).toEqual(['not a valid mortgage lead at head: email is required']);
    expect(renderMarkdown(d2, { base: 'a', head: 'b', dir: 'p' })).toContain('| unmatched | rejected (invalid lead) |');
  });

  it('counts leads routed on neither side apart from the unchanged ones', async () => {
    const leads = [
      ...corpus,
      { entity: 'leads', lead: { email: 'x@example.com' }, label: 'leads.jsonl:1' },
      { entity: 'mortgage', lead: { state: 'NY' }, label: 'no-email' },
    ];
    const before = await routeCorpus(compileSnapshot(base, { env: {} }), leads, NOW);
    const after = await routeCorpus(compileSnapshot(base, { env: {} }), leads, NOW);
    const diff = diffOutcomes(leads, before, after, () => new Set());
    expect(diff.total).toBe(5);
    expect(diff.changes).toEqual([]);
    expect(diff.unrouted.map((u) => [u.lead.label, u.why])).toEqual([
      ['leads.jsonl:1', 'entity leads is defined at neither revision'],
      ['no-email', 'not a valid mortgage lead at either revision: email is required'],
    ]);
    const md = renderMarkdown(diff, { base: 'a', head: 'b', dir: 'p' });
    expect(md).toContain('No lead changes route: all 3 compared leads route as before.');
    expect(md).toContain('**2 leads could not be routed on either side** (not compared):');
    expect(md).not.toContain('all 5 leads');
  });

  it('says nothing was compared when no lead routes on either side', async () => {
    const leads: SampleLead[] = [{ entity: 'leads', lead: { email: 'x@example.com' }, label: 'leads.jsonl:1' }];
    const before = await routeCorpus(compileSnapshot(base, { env: {} }), leads, NOW);
    const diff = diffOutcomes(leads, before, before, () => new Set());
    expect(diff.unrouted).toHaveLength(1);
    const md = renderMarkdown(diff, { base: 'a', head: 'b', dir: 'p' });
    expect(md).toContain('No lead could be routed at either revision: nothing was compared.');
    expect(md).not.toContain('route as before');
  });

  it('treats a new order of the same routes as no change', () => {
    const d = { entity: 'm', status: 'routed' as const, routes: [], trace: [] };
    const a: Outcome = { kind: 'routed', routes: [{ profile: 'x', partner: 'a' }, { profile: 'y', partner: 'b' }], decision: d };
    const b: Outcome = { kind: 'routed', routes: [{ profile: 'y', partner: 'b' }, { profile: 'x', partner: 'a' }], decision: d };
    expect(sameOutcome(a, b)).toBe(true);
    expect(sameOutcome(a, { ...b, routes: [b.routes[0]] })).toBe(false);
  });

  it('dedupes the corpus by entity and fields, first label wins', () => {
    const a = lead('first', { state: 'NY', zip: '1' });
    const b: SampleLead = { entity: 'mortgage', lead: { zip: '1', state: 'NY', email: 'first@example.com' }, label: 'second' };
    expect(buildCorpus([a], [b, { ...b, entity: 'solar' }]).map((s) => s.label)).toEqual(['first', 'second']);
  });

  it('keyFields prefers id, email, state, zip and never shows encrypted fields', () => {
    expect(keyFields({ ssn: 'x', name: 'Ann', zip: '1', nested: { a: 1 } }, new Set(['ssn']))).toBe('zip=1, name=Ann');
  });

  it('escapes table cells', () => {
    const d = { entity: 'm', status: 'unmatched' as const, routes: [], trace: [] };
    const o: Outcome = { kind: 'unmatched', routes: [], decision: d };
    const routed: Outcome = { kind: 'routed', routes: [{ profile: 'p', partner: 'a' }], decision: d };
    const md = renderMarkdown(diffOutcomes([{ entity: 'm', lead: { note: 'a|b<script>' }, label: 'x|y' }], [o], [routed], () => new Set()), { base: 'a', head: 'b', dir: 'p' });
    expect(md).toContain('| x\\|y | m: note=a\\|b&lt;script&gt; |');
  });
});
