import { describe, expect, it } from 'vitest';
import type { Assignment, Config, Entity, Partner, Profile } from '../config/types.ts';
import { createMemoryCapStore } from '../caps/memory.ts';
import { capCounters } from '../caps/windows.ts';
import { compileSnapshot } from './snapshot.ts';
import { nextRoute, routeLead, type RouteMode } from './route.ts';

const entity: Entity = {
  id: 'mortgage',
  timezone: 'America/New_York',
  fields: {
    email: { type: 'string', required: true },
    state: { type: 'string' },
    zip: { type: 'string' },
    loanAmount: { type: 'number' },
    ssn: { type: 'string', encrypted: true },
  },
};

function partner(id: string, extra: Partial<Partner> = {}): Partner {
  return { id, name: id, active: true, delivery: { webhook: { url: `https://${id}.example/leads` } }, ...extra };
}
function assign(p: string, priority: number, extra: Partial<Assignment> = {}): Assignment {
  return { partner: p, priority, active: true, ...extra };
}
function profile(id: string, partners: Assignment[], extra: Partial<Profile> = {}): Profile {
  return { id, entity: 'mortgage', name: id, enabled: true, strategy: 'first-match', rules: [], partners, ...extra };
}
function config(profiles: Profile[], partners: Partner[]): Config {
  return {
    entities: new Map([[entity.id, entity]]),
    partners: new Map(partners.map((p) => [p.id, p])),
    profiles,
    routingTests: [],
    docs: [],
    hash: 'test',
    dir: '.',
  };
}

let seq = 0;
const newId = () => `d${++seq}`;
const NOW = new Date('2026-03-10T15:00:00Z');
// The store's clock must agree with the routing clock, or every window looks expired.
const memCaps = () => createMemoryCapStore({ now: () => NOW.getTime() });

function opts(caps = memCaps(), mode: RouteMode = 'live') {
  return { caps, now: NOW, mode, capPrefix: 't:', newId };
}

const lead = { email: 'a@example.com', state: 'NY', zip: '10001', loanAmount: 300000 };

describe('routeLead', () => {
  it('routes to the highest-priority eligible partner under first-match', async () => {
    const snap = compileSnapshot(config([profile('east', [assign('low', 1), assign('high', 10)])], [partner('low'), partner('high')]), { env: {} });
    const d = await routeLead(snap, 'mortgage', lead, opts());
    expect(d.status).toBe('routed');
    expect(d.routes.map((r) => r.partner)).toEqual(['high']);
    const t = d.trace[0].partners;
    expect(t.find((p) => p.partner === 'high')?.outcome).toBe('selected');
    expect(t.find((p) => p.partner === 'low')?.reason).toBe('not-chosen');
  });

  it('skips profiles whose rules fail and says which condition failed', async () => {
    const p = profile('west', [assign('a', 1)], { rules: [{ field: 'state', in: ['CA', 'NV'] }] });
    const snap = compileSnapshot(config([p], [partner('a')]), { env: {} });
    const d = await routeLead(snap, 'mortgage', lead, opts(memCaps(), 'dry-run'));
    expect(d.status).toBe('unmatched');
    expect(d.trace[0]).toMatchObject({ outcome: 'skipped', reason: 'rules', failed: { field: 'state', at: 'rules[0]' } });
  });

  it('live and test routing skip a candidate profile by rules without explaining it; a dry run explains', async () => {
    // state is a key of the index, so the lead reaches the profile; the amount then fails.
    const p = profile('ny-big', [assign('a', 1)], { rules: [{ field: 'state', equals: 'NY' }, { field: 'loanAmount', gt: 500000 }] });
    const snap = compileSnapshot(config([p], [partner('a')]), { env: {} });
    for (const mode of ['live', 'test'] as const) {
      const d = await routeLead(snap, 'mortgage', lead, opts(memCaps(), mode));
      expect(d.trace).toEqual([expect.objectContaining({ outcome: 'skipped', reason: 'rules', message: 'profile ny-big skipped: rules do not match' })]);
      expect(d.trace[0].failed).toBeUndefined();
    }
    const dry = await routeLead(snap, 'mortgage', lead, opts(memCaps(), 'dry-run'));
    expect(dry.trace[0]).toMatchObject({ reason: 'rules', failed: { at: 'rules[1]', field: 'loanAmount' }, message: 'profile ny-big skipped: loanAmount 300000 is not greater than 500000 (at rules[1])' });
  });

  it('routes through every matching enabled profile independently and skips disabled ones', async () => {
    const snap = compileSnapshot(
      config(
        [profile('one', [assign('a', 1)]), profile('two', [assign('b', 1)]), profile('off', [assign('c', 1)], { enabled: false })],
        [partner('a'), partner('b'), partner('c')],
      ),
      { env: {} },
    );
    const d = await routeLead(snap, 'mortgage', lead, opts(memCaps(), 'dry-run'));
    expect(d.routes.map((r) => `${r.profile}/${r.partner}`)).toEqual(['one/a', 'two/b']);
    expect(d.trace.find((t) => t.profile === 'off')).toMatchObject({ outcome: 'skipped', reason: 'disabled' });
  });

  it('send-to-all takes every eligible partner; inactive partners and failing partner rules are skipped', async () => {
    const p = profile(
      'all',
      [assign('a', 1), assign('b', 5, { rules: [{ field: 'zip', startsWith: '90' }] }), assign('c', 3), assign('d', 2, { active: false })],
      { strategy: 'send-to-all' },
    );
    const snap = compileSnapshot(config([p], [partner('a'), partner('b'), partner('c', { active: false }), partner('d')]), { env: {} });
    const d = await routeLead(snap, 'mortgage', lead, opts());
    expect(d.routes.map((r) => r.partner)).toEqual(['a']);
    const reasons = Object.fromEntries(d.trace[0].partners.map((t) => [t.partner, t.reason ?? t.outcome]));
    expect(reasons).toEqual({ a: 'selected', b: 'rules', c: 'partner-inactive', d: 'inactive' });
  });

  it('equal priorities take turns round-robin', async () => {
    const snap = compileSnapshot(config([profile('rr', [assign('a', 5), assign('b', 5), assign('c', 5)])], [partner('a'), partner('b'), partner('c')]), { env: {} });
    const o = opts();
    const got: string[] = [];
    for (let i = 0; i < 6; i++) got.push((await routeLead(snap, 'mortgage', lead, o)).routes[0].partner);
    expect(got).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('a full cap moves the lead to the next partner; assignment and partner-wide caps both apply', async () => {
    const snap = compileSnapshot(
      config(
        [profile('p1', [assign('acme', 10, { caps: { day: 2 } }), assign('backup', 1)]), profile('p2', [assign('wide', 1)], { rules: [{ field: 'state', equals: 'NY' }] })],
        [partner('acme'), partner('backup'), partner('wide', { caps: { day: 1 } })],
      ),
      { env: {} },
    );
    const o = opts();
    const first = await Promise.all([1, 2, 3].map(() => routeLead(snap, 'mortgage', lead, o)));
    const p1 = first.map((d) => d.routes.find((r) => r.profile === 'p1')?.partner).sort();
    expect(p1).toEqual(['acme', 'acme', 'backup']);
    expect(first.filter((d) => d.routes.some((r) => r.profile === 'p2')).length).toBe(1);
    const blocked = first.flatMap((d) => d.trace.flatMap((t) => t.partners)).find((t) => t.reason === 'cap' && t.partner === 'acme');
    expect(blocked?.cap).toMatchObject({ limit: 2, used: 2 });
    expect(blocked?.message).toContain('p1/acme day');
  });

  it('test leads and dry runs touch no cap', async () => {
    const caps = memCaps();
    const snap = compileSnapshot(config([profile('p', [assign('acme', 1, { caps: { day: 1 } })])], [partner('acme')]), { env: {} });
    for (const mode of ['test', 'dry-run', 'test'] as const) {
      const d = await routeLead(snap, 'mortgage', lead, opts(caps, mode));
      expect(d.routes[0]).toMatchObject({ partner: 'acme' });
      expect(d.routes[0].reservationId).toBeUndefined();
    }
    expect((await routeLead(snap, 'mortgage', lead, opts(caps))).routes[0].reservationId).toBeDefined();
    expect((await routeLead(snap, 'mortgage', lead, opts(caps, 'test'))).status).toBe('unmatched');
  });

  it('refuses an unknown entity and turns a failing cap store into UNAVAILABLE, releasing what it took', async () => {
    const caps = memCaps();
    let calls = 0;
    const flaky = {
      ...caps,
      reserve: async (id: string, counters: Parameters<typeof caps.reserve>[1]) => {
        if (++calls === 2) throw new Error('connection lost');
        return caps.reserve(id, counters);
      },
      release: caps.release.bind(caps),
      peek: caps.peek.bind(caps),
    };
    const snap = compileSnapshot(
      config([profile('all', [assign('a', 2, { caps: { day: 5 } }), assign('b', 1, { caps: { day: 5 } })], { strategy: 'send-to-all' })], [partner('a'), partner('b')]),
      { env: {} },
    );
    await expect(routeLead(snap, 'nope', lead, opts())).rejects.toMatchObject({ code: 'UNKNOWN_ENTITY' });
    await expect(routeLead(snap, 'mortgage', lead, opts(flaky))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    // The reservation for `a` was given back: a fresh live route can still take 5 leads for it.
    const d = await routeLead(snap, 'mortgage', lead, opts(caps));
    expect(d.trace[0].partners.find((p) => p.partner === 'a')?.outcome).toBe('selected');
    const aKey = capCounters({ prefix: 't:', partner: 'a', scope: 'profile:mortgage/all', caps: { day: 5 }, timezone: 'America/New_York', now: NOW })[0].key;
    expect(await caps.peek([aKey])).toEqual([1]);
  });
});

describe('nextRoute (waterfall)', () => {
  it('offers the lead to the next eligible partner, skipping those already tried', async () => {
    const snap = compileSnapshot(config([profile('p', [assign('a', 3), assign('b', 2), assign('c', 1)])], [partner('a'), partner('b'), partner('c')]), { env: {} });
    const o = opts();
    const d = await routeLead(snap, 'mortgage', lead, o);
    const job = {
      deliveryId: d.routes[0].deliveryId, leadId: 'L', entity: 'mortgage', profile: 'p', partner: 'a', priority: 3,
      test: false, receivedAt: NOW.toISOString(), lead, tried: [],
    };
    const next = await nextRoute(snap, job, o);
    expect(next).toMatchObject({ partner: 'b', tried: ['a'] });
    expect(next!.deliveryId).not.toBe(job.deliveryId);
    const last = await nextRoute(snap, next!, o);
    expect(last).toMatchObject({ partner: 'c', tried: ['a', 'b'] });
    expect(await nextRoute(snap, last!, o)).toBeNull();
  });
});

describe('profile index', () => {
  it('evaluates only candidate profiles and still finds every match', async () => {
    const states = ['NY', 'NJ', 'CA', 'TX', 'FL'];
    const profiles = states.map((s) => profile(`p-${s}`, [assign('a', 1)], { rules: [{ field: 'state', equals: s }] }));
    profiles.push(profile('p-multi', [assign('a', 1)], { rules: [{ field: 'state', in: ['NY', 'TX'] }] }));
    profiles.push(profile('p-any', [assign('a', 1)], { rules: [{ field: 'loanAmount', gt: 100 }] }));
    const snap = compileSnapshot(config(profiles, [partner('a')]), { env: {} });
    const ce = snap.entity('mortgage')!;
    expect(ce.index.candidates({ state: 'NY' }).map((c) => c.profile.id)).toEqual(['p-NY', 'p-multi', 'p-any']);
    expect(ce.index.candidates({ state: 'ZZ' }).map((c) => c.profile.id)).toEqual(['p-any']);
    const d = await routeLead(snap, 'mortgage', { ...lead, state: 'TX' }, opts());
    expect(d.routes.map((r) => r.profile)).toEqual(['p-TX', 'p-multi', 'p-any']);
  });
});
