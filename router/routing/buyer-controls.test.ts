// Schedules and weighted shares, through routeLead and the waterfall, on the memory cap store and
// on Redis shared by two "routers" (two cap store clients on one prefix).
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { Assignment, Config, Entity, Partner, Profile } from '../config/types.ts';
import { createMemoryCapStore } from '../caps/memory.ts';
import { createRedisCapStore } from '../caps/redis.ts';
import type { CapStore } from '../caps/types.ts';
import { deleteKeysUnder, keysUnder, TEST_REDIS_URL, testPrefix } from '../testing/redis-keys.ts';
import { compileSnapshot } from './snapshot.ts';
import { nextRoute, routeLead } from './route.ts';

const entity: Entity = { id: 'mortgage', fields: { email: { type: 'string', required: true } } };
const partner = (id: string, extra: Partial<Partner> = {}): Partner => ({ id, name: id, active: true, delivery: { webhook: { url: `https://${id}.example/leads` } }, ...extra });
const assign = (p: string, priority: number, extra: Partial<Assignment> = {}): Assignment => ({ partner: p, priority, active: true, ...extra });
const profile = (partners: Assignment[]): Profile => ({ id: 'p', entity: 'mortgage', name: 'p', enabled: true, strategy: 'first-match', rules: [], partners });
const snapshot = (partners: Partner[], assignments: Assignment[]) => compileSnapshot({
  entities: new Map([[entity.id, entity]]), partners: new Map(partners.map((x) => [x.id, x])),
  profiles: [profile(assignments)], routingTests: [], docs: [], hash: 'h', dir: '.',
} satisfies Config, { env: {} });

let seq = 0;
const newId = () => `d${++seq}`;
const lead = { email: 'a@example.com' };

describe('schedules', () => {
  const LA = 'America/Los_Angeles';
  const snap = snapshot(
    [partner('acme', { timezone: LA, schedule: { 'mon-fri': '08:00-18:00', closed: ['2026-12-25'] } }), partner('night')],
    [assign('acme', 10), assign('night', 1)],
  );
  const route = (iso: string) => routeLead(snap, 'mortgage', lead, { caps: createMemoryCapStore(), now: new Date(iso), mode: 'live', capPrefix: 't:', newId });

  it('a partner inside its hours takes the lead', async () => {
    expect((await route('2026-12-07T17:00:00Z')).routes.map((r) => r.partner)).toEqual(['acme']); // Mon 09:00 PST
  });

  it('outside its hours it is skipped, and the trace says until when', async () => {
    const d = await route('2026-12-12T21:30:00Z'); // Sat 13:30 PST
    expect(d.routes.map((r) => r.partner)).toEqual(['night']);
    expect(d.trace[0].partners[0]).toMatchObject({
      partner: 'acme', outcome: 'skipped', reason: 'closed', opensAt: '2026-12-14T16:00:00.000Z',
      message: 'acme skipped: closed until Mon 08:00 America/Los_Angeles',
    });
  });

  it('a closed date closes the day; an assignment schedule narrows the partner\'s', async () => {
    expect((await route('2026-12-25T18:00:00Z')).routes.map((r) => r.partner)).toEqual(['night']);
    const narrow = snapshot([partner('acme', { schedule: { 'mon-fri': '08:00-18:00' } }), partner('night')], [assign('acme', 10, { schedule: { 'mon-fri': '12:00-20:00' } }), assign('night', 1)]);
    const at = (iso: string) => routeLead(narrow, 'mortgage', lead, { caps: createMemoryCapStore(), now: new Date(iso), mode: 'dry-run', capPrefix: 't:', newId });
    expect((await at('2026-12-07T13:00:00Z')).routes.map((r) => r.partner)).toEqual(['acme']);
    const closed = await at('2026-12-07T10:00:00Z');
    expect(closed.trace[0].partners[0].message).toBe('acme skipped: closed until Mon 12:00 UTC');
  });

  it('the waterfall re-checks the schedule at the time it runs', async () => {
    const d = await route('2026-12-07T17:00:00Z');
    const job = { deliveryId: d.routes[0].deliveryId, leadId: 'l1', entity: 'mortgage', profile: 'p', partner: 'night', priority: 1, test: false, receivedAt: '', lead, tried: [] };
    // night rejected it on Saturday: acme is closed then, so nobody is left.
    expect(await nextRoute(snap, job, { caps: createMemoryCapStore(), now: new Date('2026-12-12T21:30:00Z'), capPrefix: 't:', newId })).toBeNull();
    expect((await nextRoute(snap, job, { caps: createMemoryCapStore(), now: new Date('2026-12-08T17:00:00Z'), capPrefix: 't:', newId }))?.partner).toBe('acme');
  });
});

describe('weighted shares', () => {
  const snap = snapshot([partner('a'), partner('b'), partner('c'), partner('backup')], [
    assign('a', 5, { weight: 3 }), assign('b', 5), assign('c', 5, { weight: 2 }), assign('backup', 1),
  ]);
  const count = (routes: string[]) => Object.fromEntries(['a', 'b', 'c'].map((p) => [p, routes.filter((r) => r === p).length]));
  const routeWith = async (caps: CapStore, capPrefix: string) =>
    (await routeLead(snap, 'mortgage', lead, { caps, now: new Date(), mode: 'live', capPrefix, newId })).routes[0].partner;

  it('splits leads in proportion to the weights, smoothly', async () => {
    const caps = createMemoryCapStore();
    const routes: string[] = [];
    for (let i = 0; i < 600; i++) routes.push(await routeWith(caps, 't:'));
    expect(count(routes)).toEqual({ a: 300, b: 100, c: 200 });
    // No bursts: in every window of 6 leads (one period) each partner appears exactly its weight.
    for (let i = 0; i + 6 <= routes.length; i += 6) expect(count(routes.slice(i, i + 6))).toEqual({ a: 3, b: 1, c: 2 });
  });

  describe('on Redis, shared by two routers', () => {
    const redis = [new Redis(TEST_REDIS_URL), new Redis(TEST_REDIS_URL)];
    const prefix = testPrefix();
    afterAll(async () => {
      await deleteKeysUnder(redis[0], prefix);
      await Promise.all(redis.map((r) => r.quit()));
    });

    it('concurrent leads through two cap store clients keep every share within one of N·w/Σw', async () => {
      const stores = redis.map((r) => createRedisCapStore(r, { prefix }));
      const n = 500;
      const routes = await Promise.all(Array.from({ length: n }, (_, i) => routeWith(stores[i % 2], prefix)));
      const got = count(routes);
      expect(got.a + got.b + got.c).toBe(n);
      for (const [p, w] of [['a', 3], ['b', 1], ['c', 2]] as const) expect(Math.abs(got[p] - (n * w) / 6)).toBeLessThanOrEqual(1);
    });
  });
});

describe('duplicate checks (dedupe)', () => {
  const dedupe = { fields: ['email', 'phone'], window: '30d' };
  const entityWithPhone: Entity = { id: 'mortgage', fields: { email: { type: 'string', required: true }, phone: { type: 'string' } } };
  const snap = (partners: Partner[], assignments: Assignment[], more: Profile[] = []) => compileSnapshot({
    entities: new Map([[entityWithPhone.id, entityWithPhone]]), partners: new Map(partners.map((x) => [x.id, x])),
    profiles: [profile(assignments), ...more], routingTests: [], docs: [], hash: 'h', dir: '.',
  } satisfies Config, { env: { DEDUPE_KEY: 'test-key' } });
  const s = snap([partner('acme', { dedupe }), partner('backup')], [assign('acme', 10), assign('backup', 1)]);
  let clock = Date.parse('2026-12-07T12:00:00Z');
  const caps = createMemoryCapStore({ now: () => clock });
  const route = (l: Record<string, unknown>, mode: 'live' | 'test' | 'dry-run' = 'live', at = s) =>
    routeLead(at, 'mortgage', l, { caps, now: new Date(clock), mode, capPrefix: 'd:', newId });

  it('the same consumer (normalised) is not sold to a partner twice; the trace says why', async () => {
    expect((await route({ email: 'Ann.Lee@Example.com ', phone: '(555) 010-2000' })).routes.map((r) => r.partner)).toEqual(['acme']);
    const again = await route({ email: 'someone@else.example', phone: '555.010.2000' });
    expect(again.routes.map((r) => r.partner)).toEqual(['backup']);
    expect(again.trace[0].partners[0]).toMatchObject({ reason: 'duplicate', message: 'acme skipped: already sold a lead with the same phone within 30d' });
    const byEmail = await route({ email: 'ann.lee@example.com' });
    expect(byEmail.routes.map((r) => r.partner)).toEqual(['backup']);
    // Explain says the same, touching nothing.
    expect((await route({ email: 'ann.lee@example.com' }, 'dry-run')).trace[0].partners[0].reason).toBe('duplicate');
    expect((await route({ email: 'new@example.com' })).routes.map((r) => r.partner)).toEqual(['acme']);
  });

  it('test leads neither check nor record', async () => {
    expect((await route({ email: 'ann.lee@example.com' }, 'test')).routes.map((r) => r.partner)).toEqual(['acme']);
    expect((await route({ email: 'tester@example.com' }, 'test')).routes.map((r) => r.partner)).toEqual(['acme']);
    expect((await route({ email: 'tester@example.com' })).routes.map((r) => r.partner)).toEqual(['acme']);
  });

  it('a delivery that fails for good gives the consumer back; after the window, acme may buy again', async () => {
    const first = await route({ email: 'failed@example.com' });
    expect(first.routes[0].partner).toBe('acme');
    expect(await caps.release(first.routes[0].reservationId!, 'acme')).toBe(true);
    expect((await route({ email: 'failed@example.com' })).routes[0].partner).toBe('acme');
    clock += 31 * 86_400_000;
    expect((await route({ email: 'ann.lee@example.com' })).routes[0].partner).toBe('acme');
  });

  it('an assignment dedupe counts in its profile only; the partner-wide one across profiles', async () => {
    const other: Profile = { ...profile([assign('acme', 1)]), id: 'other' };
    const scoped = snap([partner('acme'), partner('backup')], [assign('acme', 10, { dedupe }), assign('backup', 1)], [other]);
    const d1 = await route({ email: 'scoped@example.com' }, 'live', scoped);
    expect(d1.routes.map((r) => `${r.profile}/${r.partner}`)).toEqual(['p/acme', 'other/acme']);
    const d2 = await route({ email: 'scoped@example.com' }, 'live', scoped);
    expect(d2.routes.map((r) => `${r.profile}/${r.partner}`)).toEqual(['p/backup', 'other/acme']);
  });

  describe('on Redis, two routers, the same consumer posted at once', () => {
    const redis = [new Redis(TEST_REDIS_URL), new Redis(TEST_REDIS_URL)];
    const prefix = testPrefix();
    afterAll(async () => {
      await deleteKeysUnder(redis[0], prefix);
      await Promise.all(redis.map((r) => r.quit()));
    });

    it('reaches the partner once, and no stored key holds the email', async () => {
      const stores = redis.map((r) => createRedisCapStore(r, { prefix }));
      const decisions = await Promise.all(Array.from({ length: 20 }, (_, i) =>
        routeLead(s, 'mortgage', { email: 'Rush@Example.com' }, { caps: stores[i % 2], now: new Date(), mode: 'live', capPrefix: prefix, newId })));
      expect(decisions.filter((d) => d.routes[0]?.partner === 'acme')).toHaveLength(1);
      expect(decisions.filter((d) => d.routes[0]?.partner === 'backup')).toHaveLength(19);
      const keys = await keysUnder(redis[0], prefix);
      expect(keys.some((k) => k.includes(':dedupe:partner:'))).toBe(true);
      expect(keys.join(' ').toLowerCase()).not.toContain('rush');
    });
  });
});

describe('budgets', () => {
  const budgeted = snapshot(
    [partner('acme', { budget: { day: 100 } }), partner('backup')],
    [assign('acme', 10, { price: 40, budget: { month: 1000 } }), assign('backup', 1)],
  );
  const at = new Date('2026-12-07T12:00:00Z');
  const route = (caps: CapStore, mode: 'live' | 'test' | 'dry-run' = 'live', capPrefix = 'b:') =>
    routeLead(budgeted, 'mortgage', lead, { caps, now: at, mode, capPrefix, newId });

  it('a lead whose price would pass a budget skips the partner; the trace says how much is spent', async () => {
    const caps = createMemoryCapStore({ now: () => at.getTime() });
    expect((await route(caps)).routes[0].partner).toBe('acme');
    expect((await route(caps)).routes[0].partner).toBe('acme');
    // 80 of 100 spent: another 40 would pass the day budget.
    const third = await route(caps);
    expect(third.routes[0].partner).toBe('backup');
    expect(third.trace[0].partners[0]).toMatchObject({
      reason: 'budget', price: 40, cap: { label: 'partner acme day', limit: 100, used: 80 },
      message: 'acme skipped: budget partner acme day would be passed (80 of 100 spent, this lead costs 40)',
    });
    // Test leads and explain look, and count nothing.
    expect((await route(caps, 'test')).routes[0].partner).toBe('backup');
    expect((await route(caps, 'dry-run')).trace[0].partners[0].reason).toBe('budget');
  });

  it('a delivery that fails for good gives its spend back', async () => {
    const caps = createMemoryCapStore({ now: () => at.getTime() });
    const first = await route(caps);
    await route(caps);
    expect(await caps.release(first.routes[0].reservationId!, 'acme')).toBe(true);
    expect((await route(caps)).routes[0].partner).toBe('acme');
  });

  describe('on Redis, two routers, concurrent leads', () => {
    const redis = [new Redis(TEST_REDIS_URL), new Redis(TEST_REDIS_URL)];
    const prefix = testPrefix();
    afterAll(async () => {
      await deleteKeysUnder(redis[0], prefix);
      await Promise.all(redis.map((r) => r.quit()));
    });

    it('spend stays within the budget exactly: 100 leads at 40 against 100 a day sell 2', async () => {
      const stores = redis.map((r) => createRedisCapStore(r, { prefix }));
      const decisions = await Promise.all(Array.from({ length: 100 }, (_, i) => route(stores[i % 2], 'live', prefix)));
      expect(decisions.filter((d) => d.routes[0]?.partner === 'acme')).toHaveLength(2);
      expect(decisions.filter((d) => d.routes[0]?.partner === 'backup')).toHaveLength(98);
    });
  });
});
